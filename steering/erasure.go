package steering

import (
	"context"

	"chorus/account"
)

// ErasureStore forgets a person from steering groups for an erasure.
type ErasureStore interface {
	// ForgetSeatHolder deletes a person's seats and makes every record that
	// named them (agenda items they led, decisions, action updates, minutes
	// sign-offs and amendments, quiet-voice supports) name formerID; an
	// action whose owner is written as one of names (case aside) is owned
	// by formerName. Decisions and actions keep their text. Running it
	// again changes nothing.
	ForgetSeatHolder(ctx context.Context, userID, formerID, formerName string, names []string) error
}

// ForgetPerson carries out the steering side of an erasure, for an
// installation administrator: the person's seats go, and the group's papers
// keep what was decided and done under "Former member" instead of their
// name (the account's name and the names their seats carried).
func (s *Service) ForgetPerson(ctx context.Context, by *account.Principal, userID, formerID, formerName string, names []string) error {
	if by == nil || !by.IsAdmin() {
		return ErrForbidden
	}
	seats, err := s.store.ListGroupMemberships(ctx, userID)
	if err != nil {
		return err
	}
	for _, m := range seats {
		if m.Name != "" {
			names = append(names, m.Name)
		}
	}
	return s.store.ForgetSeatHolder(ctx, userID, formerID, formerName, names)
}
