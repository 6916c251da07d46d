package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"chorus/realtime"
)

// TestLiveFragmentsDoNotBreakPages: live fragments are rendered without the
// page layout (for every language and role, on every event) while other
// requests render pages inside it. With gofiber/template's html engine,
// Render given no layout set the template set's shared "embed" function to
// nil without the engine's lock, so a page whose layout was executing then
// failed with a 500 ("error calling embed: call of nil function"): the
// crash test hit it under load, and this test failed on it every run. The
// server's own template set (render.go) replaced that engine; this keeps
// the two kinds of render safe together. Four goroutines render fragments
// while eight request pages, on more threads than cores so that the
// scheduler interleaves them often: every page must be a 200.
func TestLiveFragmentsDoNotBreakPages(t *testing.T) {
	logs := &lockedLog{}
	s, err := New(Options{Secret: []byte("0123456789abcdef0123456789abcdef-test")},
		Deps{Logger: slog.New(slog.NewTextHandler(logs, nil)), LiveLog: nopLog{}})
	if err != nil {
		t.Fatal(err)
	}
	page := func() (int, error) {
		res, err := s.app.Test(httptest.NewRequest("GET", "/help/quick-exit", nil), -1)
		if err != nil {
			return 0, err
		}
		return res.StatusCode, nil
	}
	// One page first: Fiber sets itself up lazily on the first render.
	if status, err := page(); err != nil || status != 200 {
		t.Fatalf("the first page: %d %v", status, err)
	}
	raw, _ := json.Marshal(map[string]any{"id": "c1", "issue": "i1", "author": "Amina", "body": "Same here", "at": "2026-11-24T09:00:00Z"})
	ev := realtime.Event{Type: "comment.added", Room: "issue:i1", Data: raw}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(16))
	stop := make(chan struct{})
	var fragments atomic.Int64
	var renderers sync.WaitGroup
	for range 4 {
		renderers.Add(1)
		go func() {
			defer renderers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if len(s.renderVariants(ev)) == 0 {
					t.Error("comment.added rendered no fragment")
					return
				}
				fragments.Add(1)
			}
		}()
	}
	var failed, pages atomic.Int64
	var readers sync.WaitGroup
	for range 8 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for range 50 {
				status, err := page()
				if err != nil {
					t.Error(err)
					return
				}
				pages.Add(1)
				if status != 200 {
					failed.Add(1)
				}
			}
		}()
	}
	readers.Wait()
	close(stop)
	renderers.Wait()
	if n := failed.Load(); n > 0 {
		t.Fatalf("%d of %d pages failed while %d events' fragments rendered:\n%s", n, pages.Load(), fragments.Load(), firstError(logs.String()))
	}
	t.Logf("%d pages rendered while %d events' fragments were (%d variants each), none failed", pages.Load(), fragments.Load(), len(s.renderVariants(ev)))
}

// nopLog keeps no events: the test renders fragments, it does not publish.
type nopLog struct{}

func (nopLog) Append(context.Context, string, string, []byte) (int64, error) { return 0, nil }
func (nopLog) Since(context.Context, string, int64, int) ([]realtime.Event, error) {
	return nil, nil
}
func (nopLog) Latest(context.Context, string) (int64, error) { return 0, nil }

// lockedLog collects the server's log lines from concurrent requests.
type lockedLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// firstError is the first logged error line.
func firstError(logs string) string {
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, "level=ERROR") {
			return line
		}
	}
	return fmt.Sprintf("(no error logged; %d bytes of logs)", len(logs))
}
