package forum

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestCountReadsInclude: supports stored at the same moment share count
// reads, yet each gets a count that includes its own, the counts are
// announced in the order read, and the last announced is the final count.
func TestCountReadsInclude(t *testing.T) {
	var c countReads
	var stored atomic.Int64 // the store's count
	var reads atomic.Int64
	var mu sync.Mutex
	var announced []int
	read := func(ctx context.Context) (int, error) {
		reads.Add(1)
		n := int(stored.Load())
		time.Sleep(2 * time.Millisecond) // a read takes a while: others arrive meanwhile
		mu.Lock()
		announced = append(announced, n)
		mu.Unlock()
		return n, nil
	}
	const supports = 200
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range supports {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			mine := int(stored.Add(1)) // stored: the count now includes it
			got, err := c.read(context.Background(), "i1", read)
			if err != nil || got < mine {
				t.Errorf("count %d, %v after the %d-th support", got, err, mine)
			}
		}()
	}
	close(start)
	wg.Wait()
	for i := 1; i < len(announced); i++ {
		if announced[i] < announced[i-1] {
			t.Fatalf("announced %d after %d: out of order", announced[i], announced[i-1])
		}
	}
	if last := announced[len(announced)-1]; last != supports {
		t.Errorf("last announced %d, want %d", last, supports)
	}
	if len(c.issues) != 0 {
		t.Errorf("%d issues still tracked after the reads ended", len(c.issues))
	}
	t.Logf("%d supports, %d reads", supports, reads.Load())
}
