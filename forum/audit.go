package forum

import (
	"context"
	"strings"

	"chorus/audit"
)

// CanFacilitate returns a forum when the viewer may facilitate it (its
// facilitators and its organisation's administrators), as for reading the
// forum's audit trail. It returns ErrNotFound when there is no such forum,
// ErrSignInRequired for a visitor and ErrForbidden for anyone else.
func (s *Service) CanFacilitate(ctx context.Context, v Viewer, forumID string) (*Forum, error) {
	f, err := s.store.FindForum(ctx, forumID)
	if err != nil {
		return nil, err
	}
	if v.Principal == nil {
		return nil, ErrSignInRequired
	}
	ok, err := s.facilitates(ctx, v, f)
	switch {
	case err != nil:
		return nil, err
	case !ok:
		return nil, ErrForbidden
	}
	return f, nil
}

// AuditTrail returns entries of a forum's audit trail for its facilitators.
// Decisions on what is held for safeguarding ("safeguarding." actions) keep
// their reason and content for those who safeguard the forum: others see
// that they happened, not what they said.
func (s *Service) AuditTrail(ctx context.Context, v Viewer, forumID string, f audit.Filter) ([]*audit.Entry, error) {
	fm, err := s.CanFacilitate(ctx, v, forumID)
	if err != nil {
		return nil, err
	}
	f.Forum = fm.ID
	entries, err := s.audit.List(ctx, f)
	if err != nil {
		return nil, err
	}
	if !safeguards(v, fm) {
		for _, e := range entries {
			if strings.HasPrefix(e.Action, "safeguarding.") {
				e.Reason, e.Before, e.After = "", "", ""
			}
		}
	}
	return entries, nil
}
