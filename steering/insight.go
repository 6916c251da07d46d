package steering

import (
	"context"
	"slices"
	"time"

	"chorus/account"
	"chorus/forum"
)

// A group's dashboard: its actions by rating and how many are overdue, the
// quiet-voice questions of each meeting, and the figures of its linked
// forums combined (forum.ForumInsight).

// RAGCount is how many actions have one rating.
type RAGCount struct {
	RAG   RAG
	Count int
}

// MeetingQuestions is how many quiet-voice questions one meeting had.
type MeetingQuestions struct {
	Meeting *Meeting
	Count   forum.Count
}

// GroupInsight is a group's dashboard as one viewer may see it.
type GroupInsight struct {
	*Seat
	Range forum.InsightRange
	// Exact: the group's members and administrators and the facilitators
	// of its linked forums see exact numbers; the others (members of a
	// linked forum) see the small-number rule.
	Exact bool
	// Forums are the group's linked forums; Chosen those counted (all
	// unless the viewer chose some).
	Forums []*forum.Forum
	Chosen []string
	// Actions counts the group's actions by rating, now; Overdue is the
	// red ones (past their due date), oldest due first, listed for those
	// with a seat in the group.
	Actions      []RAGCount
	OverdueCount int
	Overdue      []*Action
	// Questions counts the quiet voice of each meeting that started in the
	// range and is not a draft, earliest first.
	Questions []MeetingQuestions
	// Issues are the chosen forums' public figures combined.
	Issues *forum.ForumInsight
}

// Insight returns a group's dashboard for those who may see the group. A
// non-empty forumIDs narrows the forum figures to those linked forums.
func (s *Service) Insight(ctx context.Context, p *account.Principal, groupID string, r forum.InsightRange, forumIDs []string) (*GroupInsight, error) {
	st, err := s.seeing(ctx, p, groupID)
	if err != nil {
		return nil, err
	}
	in := &GroupInsight{Seat: st, Range: r, Exact: st.Sits() || st.Facilitator}
	for _, id := range st.Group.ForumIDs {
		f, err := s.forums.Forum(ctx, id)
		if err != nil {
			return nil, err
		}
		in.Forums = append(in.Forums, f)
		if len(forumIDs) == 0 || slices.Contains(forumIDs, id) {
			in.Chosen = append(in.Chosen, id)
		}
	}
	if len(in.Chosen) == 0 { // only unknown forums were asked for: count them all
		in.Chosen = slices.Clone(st.Group.ForumIDs)
	}
	if in.Issues, err = s.forums.CombinedInsight(ctx, in.Chosen, r, in.Exact); err != nil {
		return nil, err
	}
	actions, err := s.actions(ctx, groupID)
	if err != nil {
		return nil, err
	}
	in.Actions, in.Overdue = rateActions(actions)
	in.OverdueCount = len(in.Overdue)
	if !st.Sits() {
		in.Overdue = nil
	}
	meetings, err := s.store.ListMeetings(ctx, groupID)
	if err != nil {
		return nil, err
	}
	for _, m := range meetings {
		if m.Status == MeetingDraft || !r.Contains(m.StartsAt) {
			continue
		}
		qs, err := s.store.ListQuestions(ctx, m.ID)
		if err != nil {
			return nil, err
		}
		in.Questions = append(in.Questions, MeetingQuestions{Meeting: m, Count: forum.CountOf(len(qs), in.Exact)})
	}
	return in, nil
}

// rateActions counts actions by rating, in the order of RAGs, and lists the
// red ones, earliest due first.
func rateActions(actions []*Action) ([]RAGCount, []*Action) {
	counts := map[RAG]int{}
	var red []*Action
	for _, a := range actions {
		counts[a.RAG]++
		if a.RAG == RAGRed {
			red = append(red, a)
		}
	}
	slices.SortStableFunc(red, func(a, b *Action) int {
		switch {
		case a.Due < b.Due:
			return -1
		case a.Due > b.Due:
			return 1
		}
		return a.CreatedAt.Compare(b.CreatedAt)
	})
	out := make([]RAGCount, len(RAGs))
	for i, g := range RAGs {
		out[i] = RAGCount{RAG: g, Count: counts[g]}
	}
	return out, red
}

// InsightRange reads a dashboard's months in the installation's time zone.
func (s *Service) InsightRange(from, to string) forum.InsightRange {
	now := s.clock().In(s.loc)
	return forum.ParseInsightRange(from, to, time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC))
}
