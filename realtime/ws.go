package realtime

import (
	"context"
	"sync"
	"time"

	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"
)

// UpgradeGuard goes in front of the websocket route: a request that is not
// a websocket upgrade gets 426, one whose Origin header is not origin gets
// 403 (the library itself would answer 426).
func UpgradeGuard(origin string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if !websocket.IsWebSocketUpgrade(c) {
			return fiber.ErrUpgradeRequired
		}
		if c.Get(fiber.HeaderOrigin) != origin {
			return fiber.ErrForbidden
		}
		return c.Next()
	}
}

// WebsocketConfig is the upgrade configuration for gofiber/contrib/websocket:
// only origin (the configured base URL, e.g. "https://chorus.example") may
// upgrade (others get 403), and a panic closes the connection with 1011
// instead of the library's default, which echoes the panic to the client.
func WebsocketConfig(origin string) websocket.Config {
	return websocket.Config{
		Origins:          []string{origin},
		HandshakeTimeout: 10 * time.Second,
		// Connections share write buffers while they write, rather than
		// each keeping one for as long as it lasts: most are idle.
		WriteBufferPool: &sync.Pool{},
		RecoverHandler: func(c *websocket.Conn) {
			if recover() != nil {
				_ = c.WriteControl(CloseMessage, closeFrame(CloseInternal), time.Now().Add(time.Second))
			}
		},
	}
}

// ServeWS serves an upgraded Fiber websocket until it ends; use it as the
// handler given to websocket.New. The web layer checks the session before
// the upgrade and passes what the Authorizer needs as principal.
func (h *Hub) ServeWS(c *websocket.Conn, principal any, variant string) {
	h.Serve(context.Background(), c, principal, variant)
}
