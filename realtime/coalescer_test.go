package realtime

import (
	"sync"
	"testing"
	"time"
)

func TestCoalescerAtMostTwoPerSecondLatestWins(t *testing.T) {
	var mu sync.Mutex
	var got []any
	var at []time.Time
	c := NewCoalescer(500*time.Millisecond, func(key string, v any) {
		mu.Lock()
		got = append(got, v)
		at = append(at, time.Now())
		mu.Unlock()
	})
	defer c.Close()
	start := time.Now()
	for i := 1; i <= 120; i++ { // a burst of supports over 1.2 s
		c.Set("issue:1", i)
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(700 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	elapsed := time.Since(start)
	if max := int(elapsed/(500*time.Millisecond)) + 1; len(got) > max || len(got) < 2 {
		t.Fatalf("%d updates in %v (%v); want at most %d", len(got), elapsed, got, max)
	}
	if got[0] != 1 || got[len(got)-1] != 120 {
		t.Fatalf("updates %v; want first 1 and last 120", got)
	}
	for i := 1; i < len(at); i++ {
		if d := at[i].Sub(at[i-1]); d < 490*time.Millisecond {
			t.Fatalf("updates %v apart; want >= 500ms", d)
		}
	}
}

func TestCoalescerKeysIndependentAndCloseStops(t *testing.T) {
	calls := make(chan string, 10)
	c := NewCoalescer(time.Hour, func(key string, v any) { calls <- key })
	c.Set("a", 1)
	c.Set("b", 1)
	c.Set("a", 2) // held for an hour
	c.Close()
	c.Set("c", 1)
	if len(calls) != 2 {
		t.Fatalf("%d calls; want 2 (a and b at once)", len(calls))
	}
}
