package forum

import "context"

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
