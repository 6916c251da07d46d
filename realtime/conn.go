package realtime

import "time"

// Conn is the part of a websocket connection the hub uses. Both
// github.com/fasthttp/websocket's *Conn and gofiber/contrib/websocket's
// *Conn satisfy it; tests use a fake.
type Conn interface {
	ReadMessage() (messageType int, p []byte, err error)
	WriteMessage(messageType int, data []byte) error
	WriteControl(messageType int, data []byte, deadline time.Time) error
	SetReadLimit(limit int64)
	SetReadDeadline(t time.Time) error
	SetWriteDeadline(t time.Time) error
	SetPongHandler(h func(appData string) error)
	Close() error
}

// Websocket message types and close codes (RFC 6455), as in the websocket
// libraries, so that this package needs none of them.
const (
	TextMessage    = 1
	CloseMessage   = 8
	PingMessage    = 9
	PongMessage    = 10
	CloseNormal    = 1000
	CloseGoingAway = 1001
	ClosePolicy    = 1008
	CloseTooBig    = 1009
	CloseInternal  = 1011
	CloseTryAgain  = 1013
)

// RestartReason is the reason sent with 1001 when the server shuts down:
// the browser script reconnects soon, with a little jitter, instead of
// backing off as it does after a failure.
const RestartReason = "restarting, reconnect soon"

// closeFrame formats a close message payload.
func closeFrame(code int) []byte {
	b := []byte{byte(code >> 8), byte(code)}
	if code == CloseGoingAway {
		b = append(b, RestartReason...)
	}
	return b
}
