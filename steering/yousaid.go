package steering

import (
	"context"
	"errors"
	"slices"

	"chorus/forum"
	"chorus/internal/fault"
)

// "You said, we did": the public board of what families raised, what the
// group decided and what changed, with dates. Only issues the public may
// see appear, with what the public may see of them.

// Story is one issue's way through a steering group.
type Story struct {
	Issue     *forum.AgendaIssue
	Group     *Group
	Meetings  []*Meeting // published meetings whose agenda held it
	Decisions []*Decision
	Actions   []*Action
}

// Board is a group's or a forum's "you said, we did".
type Board struct {
	Group   *Group       // for a group's board
	Forum   *forum.Forum // for a forum's board
	Stories []*Story
	// Counts for the summary; public pages show small ones as "fewer than 5".
	Raised, Decided, Done int
}

// GroupBoard returns a group's "you said, we did"; anyone may read it.
func (s *Service) GroupBoard(ctx context.Context, groupID string) (*Board, error) {
	g, err := s.store.FindGroup(ctx, groupID)
	if err != nil {
		return nil, err
	}
	b := &Board{Group: g}
	if b.Stories, err = s.stories(ctx, g, ""); err != nil {
		return nil, err
	}
	b.count()
	return b, nil
}

// ForumBoard returns a forum's "you said, we did" across every group that
// takes up its issues; anyone may read it.
func (s *Service) ForumBoard(ctx context.Context, forumID string) (*Board, error) {
	f, err := s.forums.Forum(ctx, forumID)
	if err != nil {
		return nil, err
	}
	groups, err := s.store.ListGroups(ctx)
	if err != nil {
		return nil, err
	}
	b := &Board{Forum: f}
	for _, g := range groups {
		if !slices.Contains(g.ForumIDs, forumID) {
			continue
		}
		st, err := s.stories(ctx, g, forumID)
		if err != nil {
			return nil, err
		}
		b.Stories = append(b.Stories, st...)
	}
	b.count()
	return b, nil
}

func (b *Board) count() {
	for _, st := range b.Stories {
		b.Raised++
		if len(st.Decisions) > 0 || len(st.Actions) > 0 {
			b.Decided++
		}
		for _, a := range st.Actions {
			if a.Status == ActionDone {
				b.Done++
				break
			}
		}
	}
}

// stories gathers, for one group, every issue its published agendas or
// actions took up (only one forum's when forumID is set).
func (s *Service) stories(ctx context.Context, g *Group, forumID string) ([]*Story, error) {
	meetings, err := s.store.ListMeetings(ctx, g.ID)
	if err != nil {
		return nil, err
	}
	decisions, err := s.store.ListDecisions(ctx, g.ID, "")
	if err != nil {
		return nil, err
	}
	actions, err := s.actions(ctx, g.ID)
	if err != nil {
		return nil, err
	}
	byIssue := map[string]*Story{}
	var order []string
	story := func(issueID string) (*Story, error) {
		if st, ok := byIssue[issueID]; ok {
			return st, nil
		}
		ai, err := s.forums.AgendaIssue(ctx, issueID)
		if errors.Is(err, fault.ErrNotFound) || (err == nil && forumID != "" && ai.ForumID != forumID) {
			byIssue[issueID] = nil
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		st := &Story{Issue: ai, Group: g}
		byIssue[issueID] = st
		order = append(order, issueID)
		return st, nil
	}
	itemIssue := map[string]string{}
	for _, m := range meetings {
		if m.Status == MeetingDraft {
			continue
		}
		items, err := s.store.ListItems(ctx, m.ID)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			if it.Kind != ItemIssue {
				continue
			}
			itemIssue[it.ID] = it.IssueID
			st, err := story(it.IssueID)
			if err != nil {
				return nil, err
			}
			if st != nil {
				st.Meetings = append(st.Meetings, m)
			}
		}
	}
	for _, d := range decisions {
		if st := byIssue[itemIssue[d.ItemID]]; st != nil {
			st.Decisions = append(st.Decisions, d)
		}
	}
	for _, a := range actions {
		for _, id := range a.IssueIDs {
			st, err := story(id)
			if err != nil {
				return nil, err
			}
			if st != nil {
				st.Actions = append(st.Actions, a)
			}
		}
	}
	out := make([]*Story, 0, len(order))
	for _, id := range order {
		out = append(out, byIssue[id])
	}
	return out, nil
}
