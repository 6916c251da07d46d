package realtime

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Micro-benchmarks of the live hot paths; they run only with -bench:
//
//	go test -run '^$' -bench . -count 6 ./realtime | tee new.txt && benchstat old.txt new.txt

// benchConn is a websocket that discards what the hub writes, counting the
// event frames, and reads nothing until closed but what the benchmark feeds it.
type benchConn struct {
	in     chan []byte
	closed chan struct{}
	once   sync.Once
	events *benchCounter
}

// benchCounter counts delivered event frames across connections and
// signals when a target is reached.
type benchCounter struct {
	n, target atomic.Int64
	reached   chan struct{}
}

var benchEventFrame = []byte(`"type":"comment.added"`)

func (c *benchConn) ReadMessage() (int, []byte, error) {
	select {
	case m := <-c.in:
		return TextMessage, m, nil
	case <-c.closed:
		return 0, nil, errFakeClosed
	}
}

func (c *benchConn) WriteMessage(_ int, data []byte) error {
	if bytes.Contains(data, benchEventFrame) && c.events.n.Add(1) == c.events.target.Load() {
		c.events.reached <- struct{}{}
	}
	return nil
}

func (c *benchConn) WriteControl(int, []byte, time.Time) error { return nil }
func (c *benchConn) SetReadLimit(int64)                        {}
func (c *benchConn) SetReadDeadline(time.Time) error           { return nil }
func (c *benchConn) SetWriteDeadline(time.Time) error          { return nil }
func (c *benchConn) SetPongHandler(func(string) error)         {}
func (c *benchConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return nil
}

// benchRoom starts a hub with n connections subscribed to room, in
// variants (cycled), and stops it all when b ends.
func benchRoom(b *testing.B, n int, room string, variants []string) (*Hub, *benchCounter) {
	b.Helper()
	h, err := NewHub(Config{Log: newMemLog(), Bus: NewLocalBus(), QueueSize: 1024})
	if err != nil {
		b.Fatal(err)
	}
	counter := &benchCounter{reached: make(chan struct{}, 1)}
	var served sync.WaitGroup
	for i := range n {
		c := &benchConn{in: make(chan []byte, 1), closed: make(chan struct{}), events: counter}
		served.Add(1)
		go func() {
			defer served.Done()
			h.Serve(context.Background(), c, nil, variants[i%len(variants)])
		}()
		c.in <- []byte(`{"type":"subscribe","room":"` + room + `"}`)
	}
	for deadline := time.Now().Add(30 * time.Second); h.Viewers(room) < n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d viewers subscribed", h.Viewers(room), n)
		}
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := h.Shutdown(ctx); err != nil {
			b.Error(err)
		}
		served.Wait()
	})
	return h, counter
}

// BenchmarkPublishToRoom is one event published and written to every viewer
// of a room: store numbering (in memory here), encoding once per variant,
// queueing to each connection and the write loops. ns/op is the time until
// the last viewer's connection has it.
func BenchmarkPublishToRoom(b *testing.B) {
	html := map[string]string{"en/member": benchHTML, "en/facilitator": benchHTML, "ur/member": benchHTML, "ur/facilitator": benchHTML}
	variants := []string{"en/member", "en/facilitator", "ur/member", "ur/facilitator"}
	for _, n := range []int{1, 100, 1000, 10000} {
		b.Run(fmt.Sprintf("viewers=%d", n), func(b *testing.B) {
			h, counter := benchRoom(b, n, "issue:bench", variants)
			data := []byte(`{"id":"c1","issue":"bench"}`)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				counter.target.Store(int64(i+1) * int64(n))
				if _, err := h.Publish(context.Background(), "issue:bench", "comment.added", data, html); err != nil {
					b.Fatal(err)
				}
				<-counter.reached
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/delivery")
		})
	}
}

// benchHTML is a comment fragment of typical size (about 1 KB).
var benchHTML = `<li class="comment" id="c-c1"><p class="meta"><strong>Fiona (facilitator)</strong> <time datetime="2026-11-24">24 November 2026</time></p>` +
	strings.Repeat(`<p>Same for us. We only found out by asking the school nurse, and nobody wrote to us.</p>`, 10) + `</li>`

// BenchmarkEncode is one event encoded for one variant's connections.
func BenchmarkEncode(b *testing.B) {
	ev := &Event{Type: "comment.added", Room: "issue:bench", Seq: 42, Data: []byte(`{"id":"c1","issue":"bench"}`),
		HTML: map[string]string{"en/member": benchHTML, "ur/member": benchHTML}}
	b.ReportAllocs()
	for b.Loop() {
		encode(ev, "en/member")
	}
}

// BenchmarkShutdown is the hub closing every connection of a full room at
// shutdown, until the last handler has returned (what a restart waits for).
func BenchmarkShutdown(b *testing.B) {
	for _, n := range []int{1000, 5000} {
		b.Run(fmt.Sprintf("viewers=%d", n), func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				h, served := fullRoom(b, n)
				b.StartTimer()
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				if err := h.Shutdown(ctx); err != nil {
					b.Fatal(err)
				}
				cancel()
				served.Wait()
			}
		})
	}
}

// BenchmarkHeldViewer is the memory (Go heap and goroutine stacks) the hub
// holds per idle viewer of a room, after each has subscribed.
func BenchmarkHeldViewer(b *testing.B) {
	const n = 5000
	var perViewer float64
	for range b.N {
		before := heldMemory()
		h, served := fullRoom(b, n)
		perViewer = float64(heldMemory()-before) / n
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if err := h.Shutdown(ctx); err != nil {
			b.Fatal(err)
		}
		cancel()
		served.Wait()
	}
	b.ReportMetric(perViewer, "B/viewer")
}

func heldMemory() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}

// fullRoom is a hub with n subscribed viewers of one room.
func fullRoom(b *testing.B, n int) (*Hub, *sync.WaitGroup) {
	h, err := NewHub(Config{Log: newMemLog(), Bus: NewLocalBus()})
	if err != nil {
		b.Fatal(err)
	}
	counter := &benchCounter{reached: make(chan struct{}, 1)}
	served := &sync.WaitGroup{}
	for range n {
		c := &benchConn{in: make(chan []byte, 1), closed: make(chan struct{}), events: counter}
		served.Add(1)
		go func() {
			defer served.Done()
			h.Serve(context.Background(), c, nil, "en/member")
		}()
		c.in <- []byte(`{"type":"subscribe","room":"issue:bench"}`)
	}
	for deadline := time.Now().Add(time.Minute); h.Viewers("issue:bench") < n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d viewers subscribed", h.Viewers("issue:bench"), n)
		}
	}
	return h, served
}
