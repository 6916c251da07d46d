package steering

import (
	"testing"
	"time"
)

func TestRateActions(t *testing.T) {
	today := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC).Format(time.DateOnly)
	list := []*Action{
		{ID: "a", Status: ActionAgreed, Due: "2026-11-01"},      // red
		{ID: "b", Status: ActionInProgress, Due: "2026-10-15"},  // red, due earlier
		{ID: "c", Status: ActionAgreed, Due: "2026-12-01"},      // amber
		{ID: "d", Status: ActionAgreed, Due: "2027-03-01"},      // green
		{ID: "e", Status: ActionAgreed},                         // green: no due date
		{ID: "f", Status: ActionDone, Due: "2026-01-01"},        // complete, however late
		{ID: "g", Status: ActionNotPossible, Due: "2026-01-01"}, // complete
	}
	for _, a := range list {
		a.RAG = Rate(a.Status, a.Due, today)
	}
	counts, red := rateActions(list)
	want := map[RAG]int{RAGRed: 2, RAGAmber: 1, RAGGreen: 2, RAGComplete: 2}
	if len(counts) != len(RAGs) {
		t.Fatalf("%d ratings; want %d", len(counts), len(RAGs))
	}
	for i, rc := range counts {
		if rc.RAG != RAGs[i] || rc.Count != want[rc.RAG] {
			t.Errorf("%s = %d; want %d", rc.RAG, rc.Count, want[rc.RAG])
		}
	}
	if len(red) != 2 || red[0].ID != "b" || red[1].ID != "a" {
		t.Errorf("overdue %v; want b then a", red)
	}
}
