package forum

import (
	"context"
	"errors"

	"chorus/account"
	"chorus/internal/fault"
)

// The forum service owns the roles of forum scopes: invitations to a forum
// (for a forum that is joined by invitation, or to make someone a
// facilitator) are account invitations whose scope is the forum.
var _ account.ScopeAuthority = (*Service)(nil)

// ForumScope is the scope of one forum.
func ForumScope(forumID string) account.Scope {
	return account.Scope{Kind: account.ScopeForum, ID: forumID}
}

// ValidRole accepts member and facilitator of an existing forum.
func (s *Service) ValidRole(ctx context.Context, role account.Role, sc account.Scope) error {
	if Role(role) != RoleMember && Role(role) != RoleFacilitator {
		return account.ErrRoleInvalid
	}
	if _, err := s.store.FindForum(ctx, sc.ID); err != nil {
		if errors.Is(err, fault.ErrNotFound) {
			return account.ErrScopeInvalid
		}
		return err
	}
	return nil
}

// CanInvite lets a forum's administrators invite anyone, and its
// facilitators invite members.
func (s *Service) CanInvite(ctx context.Context, p *account.Principal, role account.Role, sc account.Scope) (bool, error) {
	f, err := s.store.FindForum(ctx, sc.ID)
	if err != nil {
		return false, err
	}
	if p.AdministersOrganisation(f.OrgID) {
		return true, nil
	}
	if Role(role) != RoleMember {
		return false, nil
	}
	return s.facilitates(ctx, Viewer{Principal: p}, f)
}

// ScopeName is the forum's name.
func (s *Service) ScopeName(ctx context.Context, sc account.Scope) (string, error) {
	f, err := s.store.FindForum(ctx, sc.ID)
	if err != nil {
		return "", err
	}
	return f.Name, nil
}

// CheckAccept checks the display name the person chose.
func (s *Service) CheckAccept(ctx context.Context, role account.Role, sc account.Scope, displayName string) error {
	_, err := validDisplayName(displayName)
	return err
}

// Accept makes the person a member (or facilitator) of the forum. Someone
// already a member keeps their name; an invitation to facilitate raises
// their role.
func (s *Service) Accept(ctx context.Context, u *account.User, role account.Role, sc account.Scope, displayName string) error {
	f, err := s.store.FindForum(ctx, sc.ID)
	if err != nil {
		return err
	}
	_, err = s.addMember(ctx, f, u.ID, displayName, Role(role))
	if !errors.Is(err, ErrAlreadyMember) {
		return err
	}
	m, err := s.store.FindMember(ctx, f.ID, u.ID)
	if err != nil || Role(role) != RoleFacilitator || m.Role == RoleFacilitator {
		return err
	}
	m.Role = RoleFacilitator
	return s.store.UpdateMember(ctx, m)
}

// RequiresMFA reports whether the person is the named safeguarding lead or
// deputy of a forum: SECURITY.md asks two-step sign-in of them, as of
// administrators.
func (s *Service) RequiresMFA(ctx context.Context, userID string) (bool, error) {
	forums, err := s.store.ListForums(ctx)
	if err != nil {
		return false, err
	}
	for _, f := range forums {
		if f.SafeguardingLeadID == userID || f.SafeguardingDeputyID == userID {
			return true, nil
		}
	}
	return false, nil
}
