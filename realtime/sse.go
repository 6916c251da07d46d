package realtime

import (
	"context"
	"io"
	"strconv"
	"time"
)

// ServeSSE streams one room's events to w as text/event-stream until ctx
// ends, the hub shuts down or a write fails. Each numbered event carries
// "id: <seq>", so a browser's EventSource resumes by sending Last-Event-ID,
// which the web layer passes as after (nil: live only). flush pushes
// written bytes to the client (under fasthttp, the bufio.Writer's Flush);
// a comment line every Heartbeat notices a departed client. Control
// messages (subscribed, reload, error, presence) come as data like events;
// after a reload or an error the stream ends.
func (h *Hub) ServeSSE(ctx context.Context, w io.Writer, flush func() error, principal any, variant, room string, after *int64) error {
	c := h.newClient(principal, variant)
	if !h.register(c) {
		return ErrClosed
	}
	defer h.unregister(c)
	defer c.Close(0)
	if _, err := io.WriteString(w, "retry: 3000\n\n"); err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	h.subscribe(ctx, c, room, after)
	beat := time.NewTicker(h.cfg.Heartbeat)
	defer beat.Stop()
	buf := make([]byte, 0, 512)
	var batch []*frame
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-c.done:
			return nil
		case <-beat.C:
			if _, err := io.WriteString(w, ": heartbeat\n\n"); err != nil {
				return err
			}
		case <-c.wake:
			batch = c.take(batch)
			for _, f := range batch {
				buf = buf[:0]
				if f.seq > 0 {
					buf = append(buf, "id: "...)
					buf = strconv.AppendInt(buf, f.seq, 10)
					buf = append(buf, '\n')
				}
				buf = append(buf, "data: "...)
				buf = append(buf, f.data...) // JSON has no raw newlines
				buf = append(buf, "\n\n"...)
				if _, err := w.Write(buf); err != nil {
					return err
				}
				if f.typ == TypeReload || f.typ == TypeError { // the stream has nothing more to say
					_ = flush()
					return nil
				}
			}
		}
		if err := flush(); err != nil {
			return err
		}
	}
}
