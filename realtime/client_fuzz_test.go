package realtime

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

// FuzzClientMessage: whatever a browser sends on the websocket (bad JSON,
// unknown types, odd rooms, huge or negative "after"), the hub never
// panics and answers only with well-formed messages.
func FuzzClientMessage(f *testing.F) {
	for _, s := range []string{
		`{"type":"subscribe","room":"issue:1","after":0}`, `{"type":"subscribe","room":"issue:1"}`, `{"type":"unsubscribe","room":"issue:1"}`,
		`{"type":"subscribe","room":"","after":-5}`, `{"type":"subscribe","room":"r","after":9223372036854775807}`, `{"type":"x"}`,
		`{"type":"subscribe","room":"r","after":"1"}`, `{"type":"subscribe","room":{"$gt":""}}`, `[]`, `null`, `{`, "\xff", ``,
		`{"type":"subscribe","room":"r","after":1e400}`, `{"type":"subscribe","type":"unsubscribe","room":"r"}`,
	} {
		f.Add(s)
	}
	log := newMemLog()
	for range 3 {
		_, _ = log.Append(context.Background(), "r", "comment.added", []byte(`{}`))
	}
	h, err := NewHub(Config{Log: log, Bus: NewLocalBus(), PresenceRate: time.Hour})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.Shutdown(ctx)
	})
	f.Fuzz(func(t *testing.T, in string) {
		c := h.newClient(nil, "en/member")
		if !h.register(c) {
			t.Fatal("hub closed")
		}
		c.handle(context.Background(), []byte(in))
		c.handle(context.Background(), []byte(in)) // twice: subscribing again starts over
		h.unregister(c)
		for _, fr := range c.take(nil) {
			if !json.Valid(fr.data) {
				t.Fatalf("answer to %q is not JSON: %q", in, fr.data)
			}
		}
	})
}
