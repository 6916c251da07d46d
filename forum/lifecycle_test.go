package forum

import "testing"

func TestLifecycle(t *testing.T) {
	for _, tc := range []struct {
		from, to Status
		ok       bool
	}{
		{StatusSubmitted, StatusOpen, true},
		{StatusSubmitted, StatusInReview, true},
		{StatusInReview, StatusOpen, true},
		{StatusInReview, StatusResolved, false},
		{StatusOpen, StatusOnAgenda, true},
		{StatusOpen, StatusResolved, true},
		{StatusOpen, StatusActionAgreed, false},
		{StatusOnAgenda, StatusActionAgreed, true},
		{StatusActionAgreed, StatusInProgress, true},
		{StatusInProgress, StatusResolved, true},
		{StatusInProgress, StatusOpen, false},
		{StatusResolved, StatusOpen, true},
		{StatusNotPossible, StatusOpen, true},
		{StatusMerged, StatusOpen, false},
		{StatusOpen, StatusMerged, false}, // merging is the moderation issue's own action
		{StatusOpen, StatusOpen, false},
	} {
		if got := CanMove(tc.from, tc.to); got != tc.ok {
			t.Errorf("CanMove(%s, %s) = %v; want %v", tc.from, tc.to, got, tc.ok)
		}
	}
	for _, st := range Statuses {
		for _, next := range NextStatuses(st) {
			if needsResponse(next) != (next == StatusResolved || next == StatusNotPossible) {
				t.Errorf("needsResponse(%s) wrong", next)
			}
		}
	}
}

func TestStatusIsLatestStatusEvent(t *testing.T) {
	events := []*Event{
		{Seq: 1, Kind: EventStatus, Status: StatusSubmitted},
		{Seq: 2, Kind: EventStatus, Status: StatusOpen},
		{Seq: 3, Kind: EventResponse, Note: "r"},
		{Seq: 4, Kind: EventStatus, Status: StatusResolved},
		{Seq: 5, Kind: EventDetail, Note: "d"},
	}
	if got := statusOf(events); got != StatusResolved {
		t.Fatalf("statusOf = %s; want resolved", got)
	}
	if !hasResponse(events) || hasResponse(events[:2]) {
		t.Fatal("hasResponse wrong")
	}
	if statusOf(nil) != StatusSubmitted {
		t.Fatal("an issue with no history is submitted")
	}
}
