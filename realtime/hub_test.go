package realtime

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func publishN(t *testing.T, h *Hub, room string, from, to int) {
	t.Helper()
	for i := from; i <= to; i++ {
		seq, err := h.Publish(context.Background(), room, "comment.added", []byte(fmt.Sprintf(`{"i":%d}`, i)), nil)
		if err != nil {
			t.Fatal(err)
		}
		if seq != int64(i) {
			t.Fatalf("published seq %d; want %d", seq, i)
		}
	}
}

// expectSeqs reads events and checks they are exactly from..to in order.
func (tc *testClient) expectSeqs(t *testing.T, from, to int64) {
	t.Helper()
	for want := from; want <= to; want++ {
		m := tc.next(t)
		if m.Seq != want || m.Type != "comment.added" {
			t.Fatalf("got %+v; want event seq %d", m, want)
		}
	}
}

func TestDeliveryToEverySubscriberOncePerVariant(t *testing.T) {
	h := newTestHub(t, Config{})
	clients := []*testClient{connect(t, h, "a", "en/member"), connect(t, h, "b", "en/member"), connect(t, h, "c", "ur/facilitator")}
	for _, c := range clients {
		c.subscribe(t, "issue:1", nil)
		c.expect(t, TypeOK)
	}
	before := h.marshals.Load()
	for i := 1; i <= 5; i++ {
		html := map[string]string{"en/member": fmt.Sprintf("<p>en %d</p>", i), "ur/facilitator": fmt.Sprintf("<p>ur %d</p>", i)}
		if _, err := h.Publish(t.Context(), "issue:1", "comment.added", []byte(`{"id":"x"}`), html); err != nil {
			t.Fatal(err)
		}
	}
	for ci, c := range clients {
		for i := int64(1); i <= 5; i++ {
			m := c.expect(t, "comment.added")
			lang := map[int]string{0: "en", 1: "en", 2: "ur"}[ci]
			if m.Seq != i || m.Room != "issue:1" || m.HTML != fmt.Sprintf("<p>%s %d</p>", lang, i) || string(m.Data) != `{"id":"x"}` {
				t.Fatalf("client %d got %+v; want seq %d with %s html", ci, m, i, lang)
			}
		}
	}
	if n := h.marshals.Load() - before; n != 10 {
		t.Fatalf("encoded %d times; want 10 (5 events x 2 variants)", n)
	}
	// Another room's events do not arrive.
	publishN(t, h, "issue:2", 1, 1)
	publishN(t, h, "issue:1", 6, 6)
	clients[0].expectSeqs(t, 6, 6)
}

func TestResumeAfterForcedDisconnectHasNoGapOrDuplicate(t *testing.T) {
	h := newTestHub(t, Config{})
	watcher := connect(t, h, nil, "en/member") // keeps the room (and its buffer) alive
	watcher.subscribe(t, "issue:1", nil)
	watcher.expect(t, TypeOK)
	a := connect(t, h, nil, "en/member")
	a.subscribe(t, "issue:1", ptr(0))
	a.expect(t, TypeOK)
	publishN(t, h, "issue:1", 1, 3)
	a.expectSeqs(t, 1, 3)
	a.conn.Close() // forced disconnect
	a.waitClosed(t)
	publishN(t, h, "issue:1", 4, 10)
	b := connect(t, h, nil, "en/member")
	b.subscribe(t, "issue:1", ptr(3))
	b.expectSeqs(t, 4, 10)
	if m := b.expect(t, TypeOK); m.Seq != 10 {
		t.Fatalf("subscribed at %d; want 10", m.Seq)
	}
	publishN(t, h, "issue:1", 11, 12)
	b.expectSeqs(t, 11, 12)
}

// A client catching up from the Log while events keep being published gets
// every event once, in order, whichever path each came by.
func TestResumeFromLogWhilePublishing(t *testing.T) {
	for _, withWatcher := range []bool{true, false} {
		t.Run(fmt.Sprintf("watcher=%v", withWatcher), func(t *testing.T) {
			log := newMemLog()
			h := newTestHub(t, Config{Log: log, BufferSize: 8, ReloadAfter: 500})
			if withWatcher {
				w := connect(t, h, nil, "v")
				w.subscribe(t, "r", nil)
				w.expect(t, TypeOK)
			}
			publishN(t, h, "r", 1, 30)
			log.mu.Lock()
			log.delay = 20 * time.Millisecond
			log.mu.Unlock()
			var wg sync.WaitGroup
			wg.Go(func() {
				for i := 31; i <= 120; i++ {
					if _, err := h.Publish(context.Background(), "r", "comment.added", nil, nil); err != nil {
						t.Error(err)
						return
					}
					if i%10 == 0 {
						time.Sleep(5 * time.Millisecond)
					}
				}
			})
			c := connect(t, h, nil, "v")
			c.subscribe(t, "r", ptr(5))
			var got []int64
			for len(got) < 115 {
				m := c.next(t)
				if m.Type == TypeOK {
					continue
				}
				got = append(got, m.Seq)
			}
			wg.Wait()
			for i, s := range got {
				if s != int64(i+6) {
					t.Fatalf("seqs = %v; want 6..120 once each", got)
				}
			}
		})
	}
}

func TestTooFarBehindIsToldToReload(t *testing.T) {
	h := newTestHub(t, Config{ReloadAfter: 10})
	publishN(t, h, "r", 1, 20)
	c := connect(t, h, nil, "v")
	c.subscribe(t, "r", ptr(2))
	if m := c.expect(t, TypeReload); m.Room != "r" {
		t.Fatalf("reload for %q", m.Room)
	}
	c.subscribe(t, "r", ptr(12)) // 8 behind: fine
	c.expectSeqs(t, 13, 20)
	c.expect(t, TypeOK)
}

func TestSlowConsumerIsCutOffOthersKeepReceiving(t *testing.T) {
	h := newTestHub(t, Config{ReloadAfter: 4, QueueSize: 32, WriteWait: 200 * time.Millisecond})
	fast := connect(t, h, nil, "v")
	fast.subscribe(t, "r", nil)
	fast.expect(t, TypeOK)
	sc := newFakeConn()
	sc.slow = true
	slow := connectConn(t, h, sc, nil, "v")
	slow.subscribe(t, "r", nil)
	for h.Viewers("r") < 2 {
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	for i := 1; i <= 100; i += 10 { // paced so that the fast reader keeps up
		publishN(t, h, "r", i, i+9)
		time.Sleep(2 * time.Millisecond)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("publishing took %v: a slow consumer held the room up", d)
	}
	fast.expectSeqs(t, 1, 100)
	if code := slow.waitClosed(t); code != CloseTryAgain {
		t.Fatalf("slow consumer closed with %d; want %d", code, CloseTryAgain)
	}
	if n := h.Viewers("r"); n != 1 {
		t.Fatalf("viewers = %d; want 1", n)
	}
}

func TestReadLimitAndRateLimitClose(t *testing.T) {
	h := newTestHub(t, Config{MsgBurst: 5, MsgRate: 1})
	t.Run("TooBig", func(t *testing.T) {
		c := connect(t, h, nil, "v")
		c.conn.in <- []byte(`{"type":"subscribe","room":"` + strings.Repeat("x", 70<<10) + `"}`)
		if code := c.waitClosed(t); code != CloseTooBig {
			t.Fatalf("closed with %d; want %d", code, CloseTooBig)
		}
		if c.conn.readLimit != 64<<10 {
			t.Fatalf("read limit %d; want 64 KiB", c.conn.readLimit)
		}
	})
	t.Run("TooFast", func(t *testing.T) {
		c := connect(t, h, nil, "v")
		for range 20 {
			c.conn.in <- []byte(`{"type":"unsubscribe","room":"r"}`)
		}
		if code := c.waitClosed(t); code != ClosePolicy {
			t.Fatalf("closed with %d; want %d", code, ClosePolicy)
		}
	})
	t.Run("BadMessageIsAnErrorNotAClose", func(t *testing.T) {
		c := connect(t, h, nil, "v")
		c.conn.in <- []byte(`not json`)
		if m := c.expect(t, TypeError); m.Code != ErrCodeBadRequest {
			t.Fatalf("got %+v", m)
		}
		c.conn.in <- []byte(`{"type":"dance"}`)
		c.expect(t, TypeError)
	})
}

func TestAuthorizerCheckedOnEverySubscribe(t *testing.T) {
	var mu sync.Mutex
	var asked []string
	h := newTestHub(t, Config{Authorize: func(_ context.Context, p any, room, base string) (string, bool) {
		mu.Lock()
		asked = append(asked, fmt.Sprint(p, "@", room))
		mu.Unlock()
		return base, !strings.HasPrefix(room, "moderation:")
	}})
	c := connect(t, h, "member-1", "v")
	c.subscribe(t, "moderation:f1", nil)
	if m := c.expect(t, TypeError); m.Code != ErrCodeForbidden || m.Room != "moderation:f1" {
		t.Fatalf("got %+v; want forbidden", m)
	}
	c.subscribe(t, "forum:f1", nil)
	c.expect(t, TypeOK)
	publishN(t, h, "moderation:f1", 1, 1)
	publishN(t, h, "forum:f1", 1, 1)
	if m := c.next(t); m.Room != "forum:f1" {
		t.Fatalf("got %+v from a forbidden room", m)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(asked, ",") != "member-1@moderation:f1,member-1@forum:f1" {
		t.Fatalf("asked %v", asked)
	}
}

func TestTooManyRooms(t *testing.T) {
	h := newTestHub(t, Config{MaxRooms: 2})
	c := connect(t, h, nil, "v")
	c.subscribe(t, "a", nil)
	c.expect(t, TypeOK)
	c.subscribe(t, "b", nil)
	c.expect(t, TypeOK)
	c.subscribe(t, "c", nil)
	if m := c.expect(t, TypeError); m.Code != ErrCodeTooManyRooms {
		t.Fatalf("got %+v", m)
	}
	c.send(t, map[string]any{"type": "unsubscribe", "room": "a"})
	c.subscribe(t, "c", nil)
	c.expect(t, TypeOK)
}

func TestPresenceCountsViewers(t *testing.T) {
	h := newTestHub(t, Config{PresenceRate: 50 * time.Millisecond})
	a := connect(t, h, nil, "v")
	b := connect(t, h, nil, "v")
	a.subscribe(t, "r", nil)
	b.subscribe(t, "r", nil)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		m := a.nextAny(t)
		if m.Type == TypePresence && string(m.Data) == `{"count":2}` {
			return
		}
	}
	t.Fatal("no presence count of 2")
}

func TestShutdownClosesWithGoingAway(t *testing.T) {
	h, err := NewHub(Config{Log: newMemLog(), Bus: NewLocalBus()})
	if err != nil {
		t.Fatal(err)
	}
	a := connect(t, h, nil, "v")
	a.subscribe(t, "r", nil)
	a.expect(t, TypeOK)
	b := connect(t, h, nil, "v")
	sse := &syncBuffer{}
	sseDone := make(chan error, 1)
	go func() {
		sseDone <- h.ServeSSE(context.Background(), sse, func() error { return nil }, nil, "v", "r", nil)
	}()
	waitFor(t, func() bool { return h.Viewers("r") == 2 })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*testClient{a, b} {
		if code := c.waitClosed(t); code != CloseGoingAway {
			t.Fatalf("closed with %d; want 1001", code)
		}
	}
	select {
	case err := <-sseDone:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("SSE stream still open after shutdown")
	}
	if _, err := h.Publish(t.Context(), "r", "x", nil, nil); err != ErrClosed {
		t.Fatalf("Publish after shutdown = %v; want ErrClosed", err)
	}
	late := connect(t, h, nil, "v")
	if code := late.waitClosed(t); code != CloseGoingAway {
		t.Fatalf("connection after shutdown closed with %d; want 1001", code)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5 s")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// A panic in the code handling a client message closes that connection
// with 1011 and sends nothing about it.
func TestPanicIsNotEchoed(t *testing.T) {
	h := newTestHub(t, Config{Authorize: func(context.Context, any, string, string) (string, bool) { panic("secret detail") }})
	c := connect(t, h, nil, "v")
	c.subscribe(t, "r", nil)
	if code := c.waitClosed(t); code != CloseInternal {
		t.Fatalf("closed with %d; want 1011", code)
	}
	for len(c.conn.out) > 0 {
		if b := <-c.conn.out; strings.Contains(string(b), "secret") {
			t.Fatalf("panic echoed: %s", b)
		}
	}
}

// Events that arrive out of order (two instances publishing at once) are
// delivered in order: a gap is filled from the Log, rendered by Render, and
// the late original is dropped as a duplicate.
func TestOutOfOrderDeliveryFilledFromLog(t *testing.T) {
	log := newMemLog()
	h := newTestHub(t, Config{Log: log, Render: func(_ context.Context, ev Event) map[string]string {
		return map[string]string{"en/member": fmt.Sprintf("<p>rendered %d</p>", ev.Seq)}
	}})
	c := connect(t, h, nil, "en/member")
	c.subscribe(t, "r", ptr(0))
	c.expect(t, TypeOK)
	var evs []Event
	for range 3 {
		seq, _ := log.Append(t.Context(), "r", "comment.added", nil)
		evs = append(evs, Event{Type: "comment.added", Room: "r", Seq: seq, HTML: map[string]string{"en/member": "<p>live</p>"}})
	}
	h.deliver(evs[0])
	h.deliver(evs[2])
	h.deliver(evs[1])
	h.deliver(evs[2])
	for i, html := range []string{"<p>live</p>", "<p>rendered 2</p>", "<p>live</p>"} {
		if m := c.expect(t, "comment.added"); m.Seq != int64(i+1) || m.HTML != html {
			t.Fatalf("got %+v; want seq %d with %s", m, i+1, html)
		}
	}
	select {
	case b := <-c.conn.out:
		if !strings.Contains(string(b), "presence") {
			t.Fatalf("duplicate delivered: %s", b)
		}
	case <-time.After(100 * time.Millisecond):
	}
}

// discardConn is a websocket that accepts and drops every write.
type discardConn struct{ *fakeConn }

func (d *discardConn) WriteMessage(int, []byte) error { return nil }

// BenchmarkBroadcast1000 measures publishing one event to 1,000 viewers of a
// room (encoding once, queueing to each, written by each connection's loop).
func BenchmarkBroadcast1000(b *testing.B) {
	h, err := NewHub(Config{Log: newMemLog(), Bus: NewLocalBus(), QueueSize: 4096})
	if err != nil {
		b.Fatal(err)
	}
	var done sync.WaitGroup
	for range 1000 {
		dc := &discardConn{fakeConn: newFakeConn()}
		done.Go(func() { h.Serve(context.Background(), dc, nil, "en/member") })
		dc.in <- []byte(`{"type":"subscribe","room":"r"}`)
	}
	for h.Viewers("r") < 1000 {
		time.Sleep(time.Millisecond)
	}
	data := []byte(`{"id":"abc","count":12}`)
	b.ResetTimer()
	for b.Loop() {
		if _, err := h.Publish(context.Background(), "r", "support.count", data, map[string]string{"en/member": "<span>12</span>"}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	_ = h.Shutdown(context.Background())
	done.Wait()
}

func TestDisconnectClosesMatchingConnections(t *testing.T) {
	h := newTestHub(t, Config{})
	a := connect(t, h, "session-a", "v")
	b := connect(t, h, "session-b", "v")
	for _, c := range []*testClient{a, b} {
		c.subscribe(t, "r", nil)
		c.expect(t, TypeOK)
	}
	if n := h.Disconnect(func(p any) bool { return p == "session-a" }); n != 1 {
		t.Fatalf("Disconnect closed %d; want 1", n)
	}
	if code := a.waitClosed(t); code != ClosePolicy {
		t.Fatalf("closed with %d; want 1008", code)
	}
	publishN(t, h, "r", 1, 1)
	b.expectSeqs(t, 1, 1)
}

func TestResubscribeStartsOverFromNewAfter(t *testing.T) {
	h := newTestHub(t, Config{})
	c := connect(t, h, nil, "v")
	c.subscribe(t, "r", ptr(0))
	c.expect(t, TypeOK)
	publishN(t, h, "r", 1, 3)
	c.expectSeqs(t, 1, 3)
	c.subscribe(t, "r", ptr(1))
	c.expectSeqs(t, 2, 3)
	c.expect(t, TypeOK)
	publishN(t, h, "r", 4, 4)
	c.expectSeqs(t, 4, 4)
	if n := h.Viewers("r"); n != 1 {
		t.Fatalf("viewers = %d; want 1", n)
	}
}
