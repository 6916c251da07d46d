package account

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"chorus/internal/fault"
	"chorus/internal/secret"
)

// CreateInvitation makes a single-use link giving role within sc. It returns
// the invitation and the token for the link; only the token's hash is kept.
func (s *Service) CreateInvitation(ctx context.Context, by *Principal, role Role, sc Scope, note string) (*Invitation, string, error) {
	return s.CreateInvitationOnce(ctx, by, role, sc, note, "")
}

// CreateInvitationOnce is CreateInvitation for a form that carries an
// idempotency key: the same person sending the same key again (a resent
// form, ten presses at once) gets the same invitation and link, and no
// second one is made. The key must be secret (the server derives it from
// the form's key and its own secret): the link's token is derived from it.
func (s *Service) CreateInvitationOnce(ctx context.Context, by *Principal, role Role, sc Scope, note, idemKey string) (*Invitation, string, error) {
	if err := s.checkRoleScope(ctx, role, sc); err != nil {
		return nil, "", err
	}
	if ok, err := s.canInvite(ctx, by, role, sc); err != nil || !ok {
		return nil, "", errors.Join(ErrForbidden, err)
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > 200 {
		return nil, "", fault.InvalidField("note", "account.error.note_long")
	}
	token, id := secret.NewToken(), secret.NewID()
	if idemKey != "" {
		token, id = onceID("invitation-token", by.User.ID, idemKey), onceID("invitation", by.User.ID, idemKey)[:16]
	}
	now := s.now()
	inv := &Invitation{ID: id, TokenHash: secret.HashToken(token), Role: role, Scope: sc, Note: note,
		CreatedBy: by.User.ID, CreatedAt: now, ExpiresAt: now.Add(s.settings.InvitationTTL)}
	if err := s.store.CreateInvitation(ctx, inv); errors.Is(err, fault.ErrConflict) && idemKey != "" {
		// Made by an earlier try with this key: the same invitation and link.
		done, err := s.store.FindInvitation(ctx, id)
		if err != nil {
			return nil, "", err
		}
		return done, token, nil
	} else if err != nil {
		return nil, "", err
	}
	return inv, token, s.record(ctx, by, "invitation.create", "invitation:"+inv.ID, sc, "role "+string(role))
}

// Invitations lists the invitations a person may see: all for an installation
// administrator, their organisations' for an organisation administrator.
func (s *Service) Invitations(ctx context.Context, by *Principal) ([]*Invitation, error) {
	all, err := s.store.ListInvitations(ctx)
	if err != nil {
		return nil, err
	}
	return s.visibleInvitations(ctx, by, all, func(*Invitation) bool { return true })
}

// ScopeInvitations lists the invitations to one scope that a person may see.
func (s *Service) ScopeInvitations(ctx context.Context, by *Principal, sc Scope) ([]*Invitation, error) {
	all, err := s.store.ListInvitations(ctx)
	if err != nil {
		return nil, err
	}
	return s.visibleInvitations(ctx, by, all, func(inv *Invitation) bool { return inv.Scope == sc })
}

func (s *Service) visibleInvitations(ctx context.Context, by *Principal, all []*Invitation, keep func(*Invitation) bool) ([]*Invitation, error) {
	var out []*Invitation
	for _, inv := range all {
		if !keep(inv) {
			continue
		}
		if ok, err := s.canInvite(ctx, by, inv.Role, inv.Scope); err != nil {
			return nil, err
		} else if !ok {
			continue
		}
		if err := s.fillUse(ctx, inv); err != nil {
			return nil, err
		}
		out = append(out, inv)
	}
	return out, nil
}

func invitationClaim(id string) string { return "invitation:" + id }

func (s *Service) fillUse(ctx context.Context, inv *Invitation) error {
	c, err := s.store.FindClaim(ctx, invitationClaim(inv.ID))
	if errors.Is(err, fault.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	inv.UsedBy, inv.UsedAt = c.By, c.At
	return nil
}

// RevokeInvitation stops an unused invitation from working.
func (s *Service) RevokeInvitation(ctx context.Context, by *Principal, id string) error {
	inv, err := s.store.FindInvitation(ctx, id)
	if err != nil {
		return err
	}
	if ok, err := s.canInvite(ctx, by, inv.Role, inv.Scope); err != nil {
		return err
	} else if !ok {
		return ErrNotFound // someone else's invitation does not exist for this person
	}
	if err := s.fillUse(ctx, inv); err != nil {
		return err
	}
	if inv.State(s.now()) != InvitationOpen {
		return ErrInvitationGone
	}
	if err := s.store.RevokeInvitation(ctx, id, s.now()); err != nil {
		return err
	}
	return s.record(ctx, by, "invitation.revoke", "invitation:"+id, inv.Scope, "")
}

// OpenInvitation returns the invitation a link's token belongs to, if it can
// still be used; ErrInvitationGone when it is unknown, used, revoked or expired
// (one answer for all, so a guessed token learns nothing).
func (s *Service) OpenInvitation(ctx context.Context, token string) (*Invitation, error) {
	inv, err := s.store.FindInvitationByToken(ctx, secret.HashToken(token))
	if errors.Is(err, fault.ErrNotFound) {
		return nil, ErrInvitationGone
	}
	if err != nil {
		return nil, err
	}
	if err := s.fillUse(ctx, inv); err != nil {
		return nil, err
	}
	if inv.State(s.now()) != InvitationOpen {
		return nil, ErrInvitationGone
	}
	return inv, nil
}

// AcceptInvitation uses an invitation: it creates an account for the new
// person, or adds the role to a signed-in person's account (p non-nil). Of
// many concurrent uses of one link exactly one succeeds.
func (s *Service) AcceptInvitation(ctx context.Context, token string, p *Principal, n NewUser) (*User, error) {
	inv, err := s.OpenInvitation(ctx, token)
	if err != nil {
		return nil, err
	}
	if a, ok := s.scopes[inv.Scope.Kind]; ok {
		if err := a.CheckAccept(ctx, inv.Role, inv.Scope, n.DisplayName); err != nil {
			return nil, err
		}
		if n.Name == "" {
			n.Name = n.DisplayName
		}
	}
	var u *User
	if p != nil {
		u = p.User
	} else {
		if err := n.normalise(); err != nil {
			return nil, err
		}
		if _, err := s.store.FindUserByEmail(ctx, n.Email); err == nil {
			return nil, ErrEmailTaken
		} else if !errors.Is(err, fault.ErrNotFound) {
			return nil, err
		}
		if u, err = s.createUser(ctx, n); err != nil {
			return nil, err
		}
	}
	claimErr := s.store.AddClaim(ctx, Claim{Key: invitationClaim(inv.ID), By: u.ID, At: s.now()})
	if claimErr != nil {
		if p == nil { // nobody knows the new account: remove it again
			if err := s.store.DeleteUser(ctx, u.ID); err != nil {
				return nil, errors.Join(claimErr, err)
			}
		}
		if errors.Is(claimErr, fault.ErrConflict) {
			return nil, ErrInvitationGone
		}
		return nil, claimErr
	}
	if a, ok := s.scopes[inv.Scope.Kind]; ok { // a scope another domain owns: it gives the role
		if err := a.Accept(ctx, u, inv.Role, inv.Scope, n.DisplayName); err != nil {
			return nil, err
		}
		return u, s.record(ctx, &Principal{User: u}, "invitation.accept", "invitation:"+inv.ID, Scope{}, "role "+string(inv.Role)+" "+inv.Scope.String())
	}
	err = s.store.AddGrant(ctx, Grant{UserID: u.ID, Role: inv.Role, Scope: inv.Scope, CreatedAt: s.now()})
	if err != nil && !errors.Is(err, fault.ErrConflict) { // already had the role: the use still counts
		return nil, err
	}
	if p != nil { // a role change: sign in again with a new session
		if err := s.store.DeleteUserSessions(ctx, u.ID); err != nil {
			return nil, err
		}
	}
	return u, s.record(ctx, &Principal{User: u}, "invitation.accept", "invitation:"+inv.ID, inv.Scope, "role "+string(inv.Role))
}

// onceID derives a record's ID (or a token) from a form's idempotency key,
// for one person: a retried form makes the same ID, which the store's unique
// key turns into a conflict rather than a second record.
func onceID(kind, userID, idemKey string) string {
	return secret.HashToken(kind + "|" + userID + "|" + idemKey)
}
