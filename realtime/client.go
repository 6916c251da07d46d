package realtime

import (
	"context"
	"encoding/json"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"
)

// frame is one encoded message queued for a connection. Frames are shared
// by every connection of the same variant.
type frame struct {
	seq  int64
	typ  string
	data []byte
}

// Client is one viewer's connection (a websocket or an SSE stream).
type Client struct {
	hub       *Hub
	principal any
	variant   string

	// queued holds the frames the writer has yet to write. It is a slice
	// grown on demand, not a channel of QueueSize slots made up front: most
	// connections wait with nothing queued, and at 10,000 connections a
	// 256-slot channel each was 20 MB. wake tells the writer.
	qmu    sync.Mutex
	queued []*frame
	wake   chan struct{} // capacity 1
	done   chan struct{}
	once   sync.Once
	code   int // close code, set before done is closed

	mu    sync.Mutex
	rooms map[string]*sub // nil value: joining
}

func (h *Hub) newClient(principal any, variant string) *Client {
	return &Client{hub: h, principal: principal, variant: variant,
		wake: make(chan struct{}, 1), done: make(chan struct{}), rooms: map[string]*sub{}}
}

// Close ends the connection with code (1001 at shutdown).
func (c *Client) Close(code int) {
	c.once.Do(func() {
		c.code = code
		close(c.done)
	})
}

// send queues f without blocking; a full queue (QueueSize frames) cuts
// the client off.
func (c *Client) send(f *frame) {
	select {
	case <-c.done:
		return
	default:
	}
	c.qmu.Lock()
	if len(c.queued) >= c.hub.cfg.QueueSize {
		c.qmu.Unlock()
		c.hub.dropped.Add(1)
		c.hub.cfg.Logger.Info("realtime: slow consumer disconnected")
		c.Close(CloseTryAgain)
		return
	}
	c.queued = append(c.queued, f)
	c.qmu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default: // the writer has been told already
	}
}

// take returns the queued frames, leaving spare (emptied, when small) in
// their place for the next ones, so that a connection that gets a frame at
// a time reuses one small array.
func (c *Client) take(spare []*frame) []*frame {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	got := c.queued
	c.queued = nil
	if cap(spare) > 0 && cap(spare) <= 16 {
		clear(spare[:cap(spare)])
		c.queued = spare[:0]
	}
	return got
}

func (c *Client) sendControl(m control) {
	c.send(&frame{typ: m.Type, data: encodeControl(m)})
}

func (c *Client) reserveRoom(room string, maxRooms int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.rooms[room]; ok || len(c.rooms) >= maxRooms {
		return false
	}
	c.rooms[room] = nil
	return true
}

func (c *Client) releaseRoom(room string) {
	c.mu.Lock()
	if c.rooms[room] == nil {
		delete(c.rooms, room)
	}
	c.mu.Unlock()
}

func (c *Client) setSub(room string, s *sub) {
	c.mu.Lock()
	c.rooms[room] = s
	c.mu.Unlock()
}

func (c *Client) takeSub(room string) *sub {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.rooms[room]
	if s != nil {
		delete(c.rooms, room)
	}
	return s
}

func (c *Client) roomNames() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	names := make([]string, 0, len(c.rooms))
	for n := range c.rooms {
		names = append(names, n)
	}
	return names
}

// Serve runs a websocket connection until it ends: a read loop here and a
// write loop in a goroutine; the first error ends both. principal is what
// the Authorizer is asked about; variant selects the HTML fragment
// ("en/member"). Serve closes conn.
func (h *Hub) Serve(ctx context.Context, conn Conn, principal any, variant string) {
	c := h.newClient(principal, variant)
	if !h.register(c) {
		_ = conn.WriteControl(CloseMessage, closeFrame(CloseGoingAway), time.Now().Add(h.cfg.WriteWait))
		_ = conn.Close()
		return
	}
	defer h.unregister(c)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		c.writeLoop(conn)
	}()
	c.readLoop(ctx, conn)
	<-writerDone
}

// readLoop reads client messages until an error or until the client closes.
func (c *Client) readLoop(ctx context.Context, conn Conn) {
	cfg := &c.hub.cfg
	defer func() {
		if p := recover(); p != nil {
			cfg.Logger.Error("realtime: panic in read loop", slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
			c.Close(CloseInternal) // the panic itself is never sent
		}
	}()
	conn.SetReadLimit(cfg.ReadLimit)
	_ = conn.SetReadDeadline(time.Now().Add(cfg.PongWait))
	conn.SetPongHandler(func(string) error {
		return conn.SetReadDeadline(time.Now().Add(cfg.PongWait))
	})
	// Token bucket: MsgBurst messages at once, MsgRate per second after.
	tokens, lastRefill := float64(cfg.MsgBurst), time.Now()
	// A closed client (slow, shutdown, writer error) unblocks this read when
	// the write loop closes conn.
	for {
		_, msg, err := conn.ReadMessage()
		if err != nil {
			c.Close(0) // the peer went away, or the library already sent a close
			return
		}
		if int64(len(msg)) > cfg.ReadLimit {
			c.Close(CloseTooBig)
			return
		}
		now := time.Now()
		tokens = min(float64(cfg.MsgBurst), tokens+now.Sub(lastRefill).Seconds()*cfg.MsgRate)
		lastRefill = now
		if tokens < 1 {
			c.Close(ClosePolicy)
			return
		}
		tokens--
		_ = conn.SetReadDeadline(now.Add(cfg.PongWait))
		c.handleAside(ctx, msg)
		select {
		case <-c.done:
			return
		default:
		}
	}
}

// handleAside handles msg on a goroutine of its own and waits for it. A
// subscribe asks the Authorizer, which reads the store, and that can grow
// a goroutine's stack to tens of kilobytes; the read loop, which then
// waits for the next message for as long as the connection lasts, keeps
// its small stack.
func (c *Client) handleAside(ctx context.Context, msg []byte) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if p := recover(); p != nil {
				c.hub.cfg.Logger.Error("realtime: panic handling a message", slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
				c.Close(CloseInternal) // the panic itself is never sent
			}
		}()
		c.handle(ctx, msg)
	}()
	<-done
}

// handle acts on one client message.
func (c *Client) handle(ctx context.Context, msg []byte) {
	var m clientMsg
	if err := json.Unmarshal(msg, &m); err != nil {
		c.sendControl(control{Type: TypeError, Code: ErrCodeBadRequest})
		return
	}
	switch m.Type {
	case TypeSubscribe:
		// Subscribing again (after a gap) starts over from the new after.
		c.hub.unsubscribe(c, m.Room)
		c.hub.subscribe(ctx, c, m.Room, m.After)
	case TypeUnsubscribe:
		c.hub.unsubscribe(c, m.Room)
	default:
		c.sendControl(control{Type: TypeError, Room: m.Room, Code: ErrCodeBadRequest})
	}
}

// writeLoop writes queued frames and pings until the client closes or a
// write fails, then sends the close frame and closes conn.
func (c *Client) writeLoop(conn Conn) {
	cfg := &c.hub.cfg
	ping := time.NewTicker(cfg.PingInterval)
	defer func() {
		ping.Stop()
		if p := recover(); p != nil {
			cfg.Logger.Error("realtime: panic in write loop", slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
			c.Close(CloseInternal)
		}
		<-c.done
		if c.code != 0 {
			_ = conn.WriteControl(CloseMessage, closeFrame(c.code), time.Now().Add(cfg.WriteWait))
		}
		// Under fasthttp a hijacked connection's Close does nothing until the
		// handler returns: an expired deadline is what ends the blocked read.
		_ = conn.SetReadDeadline(time.Now())
		_ = conn.Close()
	}()
	var batch []*frame
	for {
		select {
		case <-c.done:
			return
		case <-c.wake:
			batch = c.take(batch)
			for _, f := range batch {
				_ = conn.SetWriteDeadline(time.Now().Add(cfg.WriteWait))
				if err := conn.WriteMessage(TextMessage, f.data); err != nil {
					c.Close(0)
					return
				}
			}
		case <-ping.C:
			if err := conn.WriteControl(PingMessage, nil, time.Now().Add(cfg.WriteWait)); err != nil {
				c.Close(0)
				return
			}
		}
	}
}
