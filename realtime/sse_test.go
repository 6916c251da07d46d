package realtime

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// ids returns the "id:" values in an event stream.
func ids(stream string) []string {
	var out []string
	for _, line := range strings.Split(stream, "\n") {
		if v, ok := strings.CutPrefix(line, "id: "); ok {
			out = append(out, v)
		}
	}
	return out
}

func TestSSEStreamsAndResumesWithLastEventID(t *testing.T) {
	h := newTestHub(t, Config{Heartbeat: 20 * time.Millisecond})
	publishN(t, h, "issue:1", 1, 2)
	run := func(after *int64) (*syncBuffer, context.CancelFunc, chan error) {
		buf := &syncBuffer{}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- h.ServeSSE(ctx, buf, func() error { return nil }, nil, "en/member", "issue:1", after) }()
		return buf, cancel, done
	}
	buf, cancel, done := run(ptr(0))
	waitFor(t, func() bool { return strings.Contains(buf.String(), `"type":"subscribed"`) })
	publishN(t, h, "issue:1", 3, 4)
	waitFor(t, func() bool { return len(ids(buf.String())) == 4 })
	waitFor(t, func() bool { return strings.Contains(buf.String(), ": heartbeat\n\n") })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(ids(buf.String()), ","); got != "1,2,3,4" {
		t.Fatalf("ids %s; want 1,2,3,4", got)
	}
	if !strings.HasPrefix(buf.String(), "retry: ") || !strings.Contains(buf.String(), "id: 3\ndata: {\"type\":\"comment.added\",\"room\":\"issue:1\",\"seq\":3,") {
		t.Fatalf("stream format:\n%s", buf.String())
	}
	// The browser reconnects with Last-Event-ID: 4 after missing 5 and 6.
	publishN(t, h, "issue:1", 5, 6)
	buf, cancel, done = run(ptr(4))
	waitFor(t, func() bool { return strings.Contains(buf.String(), `"type":"subscribed"`) })
	publishN(t, h, "issue:1", 7, 7)
	waitFor(t, func() bool { return len(ids(buf.String())) == 3 })
	cancel()
	<-done
	if got := strings.Join(ids(buf.String()), ","); got != "5,6,7" {
		t.Fatalf("ids after resume %s; want 5,6,7", got)
	}
}

func TestSSEReloadEndsStream(t *testing.T) {
	h := newTestHub(t, Config{ReloadAfter: 3})
	publishN(t, h, "r", 1, 10)
	buf := &syncBuffer{}
	if err := h.ServeSSE(context.Background(), buf, func() error { return nil }, nil, "v", "r", ptr(1)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"type":"reload"`) {
		t.Fatalf("stream %q; want a reload", buf.String())
	}
}

func TestSSEForbiddenEndsStream(t *testing.T) {
	h := newTestHub(t, Config{Authorize: func(context.Context, any, string, string) (string, bool) { return "", false }})
	buf := &syncBuffer{}
	if err := h.ServeSSE(context.Background(), buf, func() error { return nil }, nil, "v", "moderation:f", nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"code":"forbidden"`) {
		t.Fatalf("stream %q; want a forbidden error", buf.String())
	}
}
