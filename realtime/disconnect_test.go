package realtime

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/nats-io/nats.go"
)

// TestForcedDisconnectsUnderLoad: a publisher sends 2,000 numbered events to
// a room while 20 clients, over real websockets, each have their connection
// cut at random moments (the TCP connection closed under them, no close
// frame: mid-catch-up, mid-event, anywhere) and reconnect at once, resuming
// after the last event they saw. At the end every client has exactly 1..N,
// in order: nothing missed, nothing twice. On the in-process bus with one
// instance, and over an embedded NATS server with two instances sharing one
// Log, each client reconnecting to either instance at random.
func TestForcedDisconnectsUnderLoad(t *testing.T) {
	const events, clients = 2000, 20
	// A client is never so far behind that it is told to reload (tested
	// on its own): here every event must come as an event.
	cfg := func(log Log, bus Bus) Config { return Config{Log: log, Bus: bus, ReloadAfter: events} }
	t.Run("LocalBus", func(t *testing.T) {
		h := newTestHub(t, cfg(newMemLog(), NewLocalBus()))
		forcedDisconnects(t, []*Hub{h}, []string{startWS(t, h)}, events, clients)
	})
	t.Run("NATS", func(t *testing.T) {
		url, log := startNATS(t), newMemLog()
		var hubs []*Hub
		var urls []string
		for range 2 {
			nc, err := nats.Connect(url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(nc.Close) // after the hub's shutdown (cleanups run last first)
			h := newTestHub(t, cfg(log, NewNATSBus(nc, "")))
			hubs, urls = append(hubs, h), append(urls, startWS(t, h))
		}
		forcedDisconnects(t, hubs, urls, events, clients)
	})
}

func forcedDisconnects(t *testing.T, hubs []*Hub, urls []string, events, clients int) {
	const room = "issue:load"
	ctx, cancel := context.WithTimeout(t.Context(), 40*time.Second)
	defer cancel()
	var published atomic.Int64
	var cuts, resumes, caughtUp atomic.Int64
	results := make([][]int64, clients)
	errs := make(chan error, clients+1)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			got, err := loadClient(ctx, urls, room, int64(events), func() bool { return published.Load() == int64(events) }, &cuts, &resumes, &caughtUp)
			results[i] = got
			if err != nil {
				errs <- fmt.Errorf("client %d: %w", i, err)
			}
		})
	}
	// Publish in small random bursts, on every instance in turn, while the
	// clients come and go.
	wg.Go(func() {
		rng := rand.New(rand.NewPCG(1, 2))
		for n := 0; n < events; {
			burst := min(1+rng.IntN(10), events-n)
			for range burst {
				h := hubs[n%len(hubs)]
				if _, err := h.Publish(ctx, room, "comment.added", fmt.Appendf(nil, `{"n":%d}`, n+1), map[string]string{"en/member": "<p>c</p>"}); err != nil {
					errs <- fmt.Errorf("publish %d: %w", n+1, err)
					return
				}
				n++
				published.Store(int64(n))
			}
			time.Sleep(time.Duration(2+rng.IntN(10)) * time.Millisecond)
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	for i, got := range results {
		if len(got) != events {
			t.Fatalf("client %d received %d events; want %d", i, len(got), events)
		}
		for j, seq := range got {
			if seq != int64(j+1) {
				t.Fatalf("client %d: event %d has seq %d; want %d (a gap or a duplicate)", i, j, seq, j+1)
			}
		}
	}
	t.Logf("%d events to %d clients over %d instance(s): %d forced disconnects, %d resumes, %d events received while catching up; every client got 1..%d once each",
		published.Load(), clients, len(hubs), cuts.Load(), resumes.Load(), caughtUp.Load(), events)
}

// loadClient connects, subscribes after the last event it has, reads, and
// has its TCP connection cut at a random moment; again and again until it
// holds every event up to want; once all are published (done), a
// connection is sometimes left to finish. It returns the sequence numbers received,
// in order of arrival, and stops at the first gap or duplicate.
func loadClient(ctx context.Context, urls []string, room string, want int64, done func() bool, cuts, resumes, caughtUp *atomic.Int64) ([]int64, error) {
	rng := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	var got []int64
	last := int64(0)
	for attempt := 0; last < want; attempt++ {
		if ctx.Err() != nil {
			return got, fmt.Errorf("at seq %d of %d after %d connections: %w", last, want, attempt, ctx.Err())
		}
		d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
		conn, _, err := d.DialContext(ctx, urls[rng.IntN(len(urls))], http.Header{"Origin": {testOrigin}})
		if err != nil {
			return got, err
		}
		if attempt > 0 {
			resumes.Add(1)
		}
		// Cut the connection: half the time at a random moment up to 250 ms
		// in (during the handshake, the catch-up or live delivery,
		// wherever that falls), half the time right after a random number
		// of events, so that a slow machine still makes progress. Once
		// every event is published, a connection is sometimes left whole.
		var cut *time.Timer
		cutAfter := -1
		if !done() || rng.IntN(2) == 0 {
			if rng.IntN(2) == 0 {
				cut = time.AfterFunc(time.Duration(rng.IntN(250_000))*time.Microsecond, func() {
					cuts.Add(1)
					_ = conn.NetConn().Close()
				})
			} else {
				cutAfter = 1 + rng.IntN(150)
			}
		}
		sub, _ := json.Marshal(map[string]any{"type": TypeSubscribe, "room": room, "after": last})
		err = conn.WriteMessage(websocket.TextMessage, sub)
		subscribed := false
		for err == nil && last < want {
			_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			var b []byte
			if _, b, err = conn.ReadMessage(); err != nil {
				break
			}
			var m msg
			if jerr := json.Unmarshal(b, &m); jerr != nil {
				return got, fmt.Errorf("bad message %s: %v", b, jerr)
			}
			switch m.Type {
			case TypePresence:
			case TypeOK:
				if m.Seq != last {
					return got, fmt.Errorf("subscribed at %d after receiving up to %d", m.Seq, last)
				}
				subscribed = true
			case "comment.added":
				if m.Seq != last+1 {
					return append(got, m.Seq), fmt.Errorf("after seq %d got seq %d (subscribed: %v)", last, m.Seq, subscribed)
				}
				got, last = append(got, m.Seq), m.Seq
				if !subscribed {
					caughtUp.Add(1)
				}
				if cutAfter--; cutAfter == 0 {
					cuts.Add(1)
					_ = conn.NetConn().Close()
				}
			default:
				return got, fmt.Errorf("unexpected message %s", b)
			}
		}
		if cut != nil {
			cut.Stop()
		}
		_ = conn.NetConn().Close()
	}
	return got, nil
}
