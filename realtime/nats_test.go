package realtime

import (
	"context"
	"sync"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// startNATS runs an embedded NATS server on a free port for t.
func startNATS(t *testing.T) string {
	t.Helper()
	s, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server not ready")
	}
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	return s.ClientURL()
}

func natsHub(t *testing.T, url string, log Log) *Hub {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close) // after the hub's shutdown (cleanups run last first)
	return newTestHub(t, Config{Log: log, Bus: NewNATSBus(nc, "")})
}

// Two instances share one Log and a NATS server: events published on either
// reach viewers on both, each exactly once and in order, and a viewer can
// resume on the other instance.
func TestNATSTwoHubs(t *testing.T) {
	url := startNATS(t)
	log := newMemLog()
	a, b := natsHub(t, url, log), natsHub(t, url, log)
	va := connect(t, a, nil, "en/member")
	vb := connect(t, b, nil, "en/member")
	for _, v := range []*testClient{va, vb} {
		v.subscribe(t, "issue:1", ptr(0))
		v.expect(t, TypeOK)
	}
	const perHub = 40
	var wg sync.WaitGroup
	for _, h := range []*Hub{a, b} {
		wg.Go(func() {
			for range perHub {
				if _, err := h.Publish(context.Background(), "issue:1", "comment.added", []byte(`{}`), map[string]string{"en/member": "<p>c</p>"}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	for _, v := range []*testClient{va, vb} {
		v.expectSeqs(t, 1, 2*perHub)
	}
	// Nothing more arrives (no duplicates).
	select {
	case extra := <-vb.conn.out:
		if m := string(extra); !contains(m, `"presence"`) {
			t.Fatalf("extra message %s", m)
		}
	case <-time.After(200 * time.Millisecond):
	}
	// A viewer of A drops, events go on through B, and it resumes on B.
	va.conn.Close()
	va.waitClosed(t)
	for range 5 {
		if _, err := b.Publish(t.Context(), "issue:1", "comment.added", nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	vb.expectSeqs(t, 81, 85)
	moved := connect(t, b, nil, "en/member")
	moved.subscribe(t, "issue:1", ptr(2*perHub))
	moved.expectSeqs(t, 81, 85)
	moved.expect(t, TypeOK)
	if _, err := a.Publish(t.Context(), "issue:1", "comment.added", nil, nil); err != nil {
		t.Fatal(err)
	}
	moved.expectSeqs(t, 86, 86)
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// Presence through NATS: viewers on two instances are counted together.
func TestNATSPresence(t *testing.T) {
	url := startNATS(t)
	log := newMemLog()
	a, b := natsHub(t, url, log), natsHub(t, url, log)
	va, vb := connect(t, a, nil, "en/member"), connect(t, b, nil, "en/member")
	va.subscribe(t, "forum:9", nil)
	va.waitPresence(t, 1)
	vb.subscribe(t, "forum:9", nil)
	vb.waitPresence(t, 2)
	va.waitPresence(t, 2)
	vb.conn.Close()
	vb.waitClosed(t)
	va.waitPresence(t, 1)
}
