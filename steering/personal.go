package steering

import (
	"context"
	"errors"
	"time"

	"chorus/account"
)

// PersonalSeat is one steering group seat a person holds, for a
// data-rights download.
type PersonalSeat struct {
	GroupID      string    `json:"group_id"`
	GroupName    string    `json:"group_name"`
	Name         string    `json:"name_in_papers"`
	Role         string    `json:"role"`
	Organisation string    `json:"organisation"`
	AddedAt      time.Time `json:"added_at"`
}

// PersonalData returns the steering group seats the signed-in person holds.
func (s *Service) PersonalData(ctx context.Context, p *account.Principal) ([]PersonalSeat, error) {
	if p == nil || p.User == nil {
		return nil, ErrForbidden
	}
	ms, err := s.store.ListGroupMemberships(ctx, p.User.ID)
	if err != nil {
		return nil, err
	}
	out := []PersonalSeat{}
	for _, m := range ms {
		seat := PersonalSeat{GroupID: m.GroupID, Name: m.Name, Role: string(m.Role), Organisation: string(m.Organisation), AddedAt: m.AddedAt}
		g, err := s.store.FindGroup(ctx, m.GroupID)
		switch {
		case err == nil:
			seat.GroupName = g.Name
		case !errors.Is(err, ErrNotFound):
			return nil, err
		}
		out = append(out, seat)
	}
	return out, nil
}
