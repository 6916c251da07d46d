package main

import (
	"flag"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"
)

// The baseline server: the smallest honest Fiber websocket hub (a map under
// a lock, a writer goroutine and a bounded queue per connection, slow
// clients dropped), and Fiber's hello world. Chorus is measured against it
// because PERFORMANCE.md states targets as ratios to it.

// bareHub is one room holding every connection.
type bareHub struct {
	mu    sync.Mutex
	conns map[*websocket.Conn]chan []byte
}

// serve registers a connection, writes its queue until it fails, and reads
// (discarding) until the client goes.
func (h *bareHub) serve(c *websocket.Conn) {
	queue := make(chan []byte, 256)
	h.mu.Lock()
	h.conns[c] = queue
	h.mu.Unlock()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for msg := range queue {
			_ = c.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if err := c.WriteMessage(websocket.TextMessage, msg); err != nil {
				_ = c.Close()
				for range queue { // let broadcasts go on until unregistered
				}
				return
			}
		}
	}()
	for {
		if _, _, err := c.ReadMessage(); err != nil {
			break
		}
	}
	h.mu.Lock()
	delete(h.conns, c)
	h.mu.Unlock()
	close(queue)
	<-done
}

// broadcast queues msg for every connection, never blocking on one.
func (h *bareHub) broadcast(msg []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c, q := range h.conns {
		select {
		case q <- msg:
		default: // too slow: cut off, as Chorus does
			_ = c.Close()
		}
	}
}

// runBareHub serves the baseline until SIGTERM: /ws (the room), POST
// /broadcast (the body goes to every connection), /hello and /healthz.
func runBareHub(args []string) error {
	fs := flag.NewFlagSet("barehub", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8090", "address to serve on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	h := &bareHub{conns: map[*websocket.Conn]chan []byte{}}
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/hello", func(c *fiber.Ctx) error { return c.SendString("Hello, World!") })
	app.Get("/healthz", func(c *fiber.Ctx) error { return c.SendString("ok") })
	app.Post("/broadcast", func(c *fiber.Ctx) error {
		h.broadcast(append([]byte(nil), c.Body()...)) // fasthttp reuses the body
		return c.SendStatus(fiber.StatusNoContent)
	})
	app.Get("/ws", websocket.New(h.serve))
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	go func() { <-sig; _ = app.ShutdownWithTimeout(5 * time.Second) }()
	return app.Listener(ln)
}
