package steering

import (
	"context"
	"errors"
	"slices"

	"chorus/account"
	"chorus/internal/fault"
)

// The steering service owns the roles of group scopes: an invitation to a
// steering group is an account invitation whose scope is the group and whose
// role is the seat (chair, member, parent carer representative, observer).
var _ account.ScopeAuthority = (*Service)(nil)

// GroupScope is the scope of one steering group.
func GroupScope(groupID string) account.Scope {
	return account.Scope{Kind: account.ScopeGroup, ID: groupID}
}

// ValidRole accepts a group role of an existing group.
func (s *Service) ValidRole(ctx context.Context, role account.Role, sc account.Scope) error {
	if !slices.Contains(Roles, Role(role)) {
		return account.ErrRoleInvalid
	}
	if _, err := s.store.FindGroup(ctx, sc.ID); errors.Is(err, fault.ErrNotFound) {
		return account.ErrScopeInvalid
	} else if err != nil {
		return err
	}
	return nil
}

// CanInvite lets the group's administrators invite to any seat, and its
// chair invite members, parent carer representatives and observers.
func (s *Service) CanInvite(ctx context.Context, p *account.Principal, role account.Role, sc account.Scope) (bool, error) {
	st, err := s.Seat(ctx, p, sc.ID)
	if err != nil {
		return false, err
	}
	if st.Admin {
		return true, nil
	}
	return st.Chairs() && Role(role) != RoleChair, nil
}

// ScopeName is the group's name.
func (s *Service) ScopeName(ctx context.Context, sc account.Scope) (string, error) {
	g, err := s.store.FindGroup(ctx, sc.ID)
	if err != nil {
		return "", err
	}
	return g.Name, nil
}

// CheckAccept checks the name the person gives for the group's papers (it
// may be empty: their account name is used).
func (s *Service) CheckAccept(ctx context.Context, role account.Role, sc account.Scope, displayName string) error {
	if runes(clean(displayName)) > MaxName {
		return ErrNameLong
	}
	return nil
}

// Accept gives the person their seat. Someone already in the group keeps
// their seat and takes the invitation's role.
func (s *Service) Accept(ctx context.Context, u *account.User, role account.Role, sc account.Scope, displayName string) error {
	name := clean(displayName)
	if name == "" {
		name = u.Name
	}
	m := &Member{GroupID: sc.ID, UserID: u.ID, Name: name, Role: Role(role), AddedAt: s.now()}
	err := s.store.AddGroupMember(ctx, m)
	if !errors.Is(err, fault.ErrConflict) {
		return err
	}
	members, err := s.store.ListGroupMembers(ctx, sc.ID)
	if err != nil {
		return err
	}
	for _, old := range members {
		if old.UserID == u.ID {
			old.Role = Role(role)
			return s.store.UpdateGroupMember(ctx, old)
		}
	}
	return nil
}

// RequiresMFA: no steering seat needs two-step sign-in beyond what the
// person's other roles ask.
func (s *Service) RequiresMFA(ctx context.Context, userID string) (bool, error) { return false, nil }
