package realtime

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// waitPresence reads until a presence count of want arrives.
func (tc *testClient) waitPresence(t *testing.T, want int) {
	t.Helper()
	wantData := fmt.Sprintf(`{"count":%d}`, want)
	deadline := time.Now().Add(5 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		m := tc.nextAny(t)
		if m.Type == TypePresence {
			if last = string(m.Data); last == wantData {
				return
			}
		}
	}
	t.Fatalf("no presence count of %d (last %s)", want, last)
}

// Two instances on one bus count each other's viewers: two viewers, one on
// each, both see 2; when one leaves, the other sees 1.
func TestPresenceCountsViewersOnEveryInstance(t *testing.T) {
	bus, log := NewLocalBus(), newMemLog()
	cfg := Config{Log: log, Bus: bus, PresenceRate: 20 * time.Millisecond}
	a, b := newTestHub(t, cfg), newTestHub(t, cfg)
	va, vb := connect(t, a, nil, "en/member"), connect(t, b, nil, "en/member")
	va.subscribe(t, "issue:1", nil)
	va.waitPresence(t, 1)
	vb.subscribe(t, "issue:1", nil)
	vb.waitPresence(t, 2)
	va.waitPresence(t, 2)

	vb.conn.Close()
	vb.waitClosed(t)
	va.waitPresence(t, 1)
}

// An instance that stops sharing (it crashed) no longer counts after three
// share intervals; one that shuts down is forgotten at once.
func TestPresenceForgetsSilentInstance(t *testing.T) {
	bus := NewLocalBus()
	h := newTestHub(t, Config{Bus: bus, PresenceRate: 10 * time.Millisecond, PresenceShare: 50 * time.Millisecond})
	v := connect(t, h, nil, "en/member")
	v.subscribe(t, "forum:1", nil)
	v.waitPresence(t, 1)
	ghost := Event{Type: typePresenceShare, Room: "forum:1", Data: []byte(`{"instance":"ghost","count":3}`)}
	if err := bus.Publish(context.Background(), ghost); err != nil {
		t.Fatal(err)
	}
	v.waitPresence(t, 4)
	v.waitPresence(t, 1) // ghost silent for three intervals

	other, err := NewHub(Config{Log: newMemLog(), Bus: bus, PresenceRate: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	w := connect(t, other, nil, "en/member")
	w.subscribe(t, "forum:1", nil)
	v.waitPresence(t, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := other.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	w.waitClosed(t)
	v.waitPresence(t, 1) // well before other's count could expire (default 30 s)
}

// Presence shares travel between instances only: viewers never receive them.
func TestPresenceSharesNotSentToViewers(t *testing.T) {
	bus := NewLocalBus()
	a := newTestHub(t, Config{Bus: bus, PresenceRate: 10 * time.Millisecond})
	b := newTestHub(t, Config{Bus: bus, PresenceRate: 10 * time.Millisecond})
	va, vb := connect(t, a, nil, "v"), connect(t, b, nil, "v")
	va.subscribe(t, "r", nil)
	vb.subscribe(t, "r", nil)
	va.waitPresence(t, 2)
	deadline := time.After(200 * time.Millisecond)
	for {
		select {
		case raw := <-va.conn.out:
			if contains(string(raw), typePresenceShare) || contains(string(raw), "instance") {
				t.Fatalf("a viewer received %s", raw)
			}
		case <-deadline:
			return
		}
	}
}

// A presence update goes out only when it tells someone something: the
// count changed, or a viewer joined who has not been sent it. A viewer
// who joins as another leaves (the count unchanged) still gets the count.
func TestPresenceSkipsUnchangedCounts(t *testing.T) {
	h := newTestHub(t, Config{PresenceRate: 10 * time.Millisecond})
	a := connect(t, h, nil, "v")
	a.subscribe(t, "r", nil)
	a.waitPresence(t, 1)

	h.mu.Lock()
	r := h.rooms["r"]
	h.mu.Unlock()
	for range 5 {
		h.presenceChanged(r) // nothing changed
		time.Sleep(15 * time.Millisecond)
	}
	b := connect(t, h, nil, "v")
	b.subscribe(t, "r", nil)
	b.waitPresence(t, 2)
	// a's next presence message must be the new count, not a repeat of 1.
	a.waitPresenceNext(t, 2)

	// b leaves and c joins within one interval: the count stays 2, and c
	// is sent it.
	slow := newTestHub(t, Config{PresenceRate: 300 * time.Millisecond})
	x := connect(t, slow, nil, "v")
	x.subscribe(t, "r", nil)
	x.waitPresence(t, 1)
	y := connect(t, slow, nil, "v")
	y.subscribe(t, "r", nil)
	x.waitPresenceNext(t, 2)
	y.conn.Close()
	y.waitClosed(t)
	z := connect(t, slow, nil, "v")
	z.subscribe(t, "r", nil)
	z.waitPresence(t, 2)
}

// waitPresenceNext fails unless the next presence message counts want.
func (tc *testClient) waitPresenceNext(t *testing.T, want int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		if m := tc.nextAny(t); m.Type == TypePresence {
			if got := string(m.Data); got != fmt.Sprintf(`{"count":%d}`, want) {
				t.Fatalf("presence %s; want a count of %d", got, want)
			}
			return
		}
	}
	t.Fatalf("no presence message")
}
