package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"chorus/realtime"
)

// RunRealtime runs the realtime event log contract against logs made by
// open (each a new, empty store).
func RunRealtime(t *testing.T, open func(t *testing.T) realtime.Log) {
	t.Run("Latest", func(t *testing.T) {
		l := open(t)
		if n, err := l.Latest(t.Context(), "issue:empty"); err != nil || n != 0 {
			t.Fatalf("Latest of an empty room = %d, %v; want 0", n, err)
		}
		for range 3 {
			if _, err := l.Append(t.Context(), "issue:x", "comment.added", []byte(`{}`)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := l.Append(t.Context(), "issue:y", "comment.added", []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
		if n, err := l.Latest(t.Context(), "issue:x"); err != nil || n != 3 {
			t.Fatalf("Latest = %d, %v; want 3", n, err)
		}
	})
	t.Run("NumbersFromOnePerRoom", func(t *testing.T) {
		l := open(t)
		for i, room := range []string{"issue:a", "issue:a", "issue:b", "issue:a", "issue:b"} {
			want := map[int]int64{0: 1, 1: 2, 2: 1, 3: 3, 4: 2}[i]
			seq, err := l.Append(t.Context(), room, "comment.added", []byte(fmt.Sprintf(`{"n":%d}`, i)))
			if err != nil || seq != want {
				t.Fatalf("append %d to %s = %d, %v; want %d", i, room, seq, err, want)
			}
		}
	})
	t.Run("ConcurrentAppendsGetConsecutiveNumbers", func(t *testing.T) {
		l := open(t)
		const n = 32
		seqs := make([]int64, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				seqs[i], errs[i] = l.Append(t.Context(), "issue:hot", "support", []byte(`{}`))
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("append %d: %v", i, err)
			}
		}
		slices.Sort(seqs)
		for i, s := range seqs {
			if s != int64(i+1) {
				t.Fatalf("sorted seqs = %v; want 1..%d each once", seqs, n)
			}
		}
		evs, err := l.Since(t.Context(), "issue:hot", 0, 100)
		if err != nil || len(evs) != n {
			t.Fatalf("Since = %d events, %v; want %d", len(evs), err, n)
		}
	})
	t.Run("SinceReturnsInOrderAfterWithLimit", func(t *testing.T) {
		l := open(t)
		for i := 1; i <= 10; i++ {
			if _, err := l.Append(t.Context(), "forum:f", "issue.added", []byte(fmt.Sprintf(`{"i":%d}`, i))); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := l.Append(t.Context(), "forum:other", "x", nil); err != nil {
			t.Fatal(err)
		}
		evs, err := l.Since(t.Context(), "forum:f", 4, 3)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range evs {
			got = append(got, fmt.Sprintf("%s/%d/%s/%s", e.Room, e.Seq, e.Type, e.Data))
		}
		want := []string{`forum:f/5/issue.added/{"i":5}`, `forum:f/6/issue.added/{"i":6}`, `forum:f/7/issue.added/{"i":7}`}
		if !slices.Equal(got, want) {
			t.Fatalf("Since(4, 3) = %v; want %v", got, want)
		}
		evs, err = l.Since(t.Context(), "forum:f", 10, 5)
		if err != nil || len(evs) != 0 {
			t.Fatalf("Since(last) = %v, %v; want none", evs, err)
		}
		evs, err = l.Since(t.Context(), "forum:none", 0, 5)
		if err != nil || len(evs) != 0 {
			t.Fatalf("Since(unknown room) = %v, %v; want none", evs, err)
		}
	})
}
