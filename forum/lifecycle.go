package forum

// transitions are the status changes a facilitator may make. Creation adds
// "submitted" then "open" or "in review"; merging is the moderation issue's.
var transitions = map[Status][]Status{
	StatusSubmitted:    {StatusInReview, StatusOpen},
	StatusInReview:     {StatusOpen},
	StatusOpen:         {StatusOnAgenda, StatusResolved, StatusNotPossible},
	StatusOnAgenda:     {StatusOpen, StatusActionAgreed, StatusResolved, StatusNotPossible},
	StatusActionAgreed: {StatusInProgress, StatusResolved, StatusNotPossible},
	StatusInProgress:   {StatusResolved, StatusNotPossible},
	StatusResolved:     {StatusOpen},
	StatusNotPossible:  {StatusOpen},
}

// CanMove reports whether an issue may go from one status to another.
func CanMove(from, to Status) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// NextStatuses lists where an issue may go from a status.
func NextStatuses(from Status) []Status { return transitions[from] }

// Closed reports whether a status ends the active life.
func (s Status) Closed() bool {
	return s == StatusResolved || s == StatusNotPossible || s == StatusMerged
}

// needsResponse reports whether moving to a status needs a response the
// submitter can read first.
func needsResponse(to Status) bool { return to == StatusResolved || to == StatusNotPossible }

// statusOf returns the status the history says an issue has: its latest
// status event.
func statusOf(events []*Event) Status {
	st := StatusSubmitted
	for _, e := range events {
		if e.Kind == EventStatus {
			st = e.Status
		}
	}
	return st
}

// hasResponse reports whether the history holds a public response.
func hasResponse(events []*Event) bool {
	for _, e := range events {
		if e.Kind == EventResponse {
			return true
		}
	}
	return false
}
