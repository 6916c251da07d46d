package account

import (
	"context"
	"errors"
	"strings"

	"chorus/internal/fault"
	"chorus/internal/secret"
)

// Member is a user with their grants, as administrators see them.
type Member struct {
	User   *User
	Grants []Grant
}

// Users lists the people an administrator may manage: everyone for an
// installation administrator; for an organisation administrator, people with
// a role in one of their organisations.
func (s *Service) Users(ctx context.Context, by *Principal) ([]Member, error) {
	if !by.AdministersAny() {
		return nil, ErrForbidden
	}
	users, err := s.store.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	var out []Member
	for _, u := range users {
		grants, err := s.store.ListGrants(ctx, u.ID)
		if err != nil {
			return nil, err
		}
		if by.IsAdmin() || by.sharesScope(grants) {
			out = append(out, Member{User: u, Grants: grants})
		}
	}
	return out, nil
}

func (p *Principal) sharesScope(grants []Grant) bool {
	for _, g := range grants {
		if g.Scope.Kind == ScopeOrganisation && p.AdministersOrganisation(g.Scope.ID) {
			return true
		}
	}
	return false
}

// UserByID returns one person an administrator may manage.
func (s *Service) UserByID(ctx context.Context, by *Principal, id string) (*Member, error) {
	if !by.AdministersAny() {
		return nil, ErrForbidden
	}
	u, err := s.store.FindUserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	grants, err := s.store.ListGrants(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if !by.IsAdmin() && !by.sharesScope(grants) {
		return nil, ErrNotFound
	}
	return &Member{User: u, Grants: grants}, nil
}

// SetDisabled disables or re-enables an account. Disabling ends its sessions.
// Only installation administrators do this, and never to themselves.
func (s *Service) SetDisabled(ctx context.Context, by *Principal, userID string, disabled bool) error {
	if !by.IsAdmin() {
		return ErrForbidden
	}
	if by.User.ID == userID {
		return ErrSelf
	}
	u, err := s.store.FindUserByID(ctx, userID)
	if err != nil {
		return err
	}
	u.Disabled = disabled
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return err
	}
	action := "user.enable"
	if disabled {
		action = "user.disable"
		if err := s.store.DeleteUserSessions(ctx, userID); err != nil {
			return err
		}
	}
	return s.record(ctx, by, action, "user:"+userID, Scope{}, "")
}

// GrantRole gives a person a role; their sessions end so that the new role
// takes effect with a fresh session (and MFA where the role needs it).
func (s *Service) GrantRole(ctx context.Context, by *Principal, userID string, role Role, sc Scope) error {
	if err := s.checkRoleScope(ctx, role, sc); err != nil {
		return err
	}
	if !by.canGrant(role, sc) {
		return ErrForbidden
	}
	if _, err := s.store.FindUserByID(ctx, userID); err != nil {
		return err
	}
	err := s.store.AddGrant(ctx, Grant{UserID: userID, Role: role, Scope: sc, CreatedAt: s.now()})
	if errors.Is(err, fault.ErrConflict) {
		return ErrGrantExists
	}
	if err != nil {
		return err
	}
	if err := s.store.DeleteUserSessions(ctx, userID); err != nil {
		return err
	}
	return s.record(ctx, by, "role.grant", "user:"+userID, sc, "role "+string(role)+" "+sc.String())
}

// RevokeRole takes a role away. The last installation administrator keeps
// theirs, so the installation can always be administered.
func (s *Service) RevokeRole(ctx context.Context, by *Principal, userID string, role Role, sc Scope) error {
	if !by.canGrant(role, sc) {
		return ErrForbidden
	}
	if role == RoleAdmin {
		admins, err := s.store.ListGrantsByRole(ctx, RoleAdmin)
		if err != nil {
			return err
		}
		if len(admins) <= 1 {
			return ErrLastAdmin
		}
	}
	if err := s.store.RemoveGrant(ctx, Grant{UserID: userID, Role: role, Scope: sc}); err != nil {
		return err
	}
	if err := s.store.DeleteUserSessions(ctx, userID); err != nil {
		return err
	}
	return s.record(ctx, by, "role.revoke", "user:"+userID, sc, "role "+string(role)+" "+sc.String())
}

// CreateReset makes a single-use link for a person to set a new password. It
// returns the token for the link; only its hash is kept.
func (s *Service) CreateReset(ctx context.Context, by *Principal, userID string) (string, error) {
	if !by.IsAdmin() {
		return "", ErrForbidden
	}
	if _, err := s.store.FindUserByID(ctx, userID); err != nil {
		return "", err
	}
	token := secret.NewToken()
	now := s.now()
	r := &Reset{ID: secret.NewID(), TokenHash: secret.HashToken(token), UserID: userID, CreatedBy: by.User.ID, CreatedAt: now, ExpiresAt: now.Add(s.settings.ResetTTL)}
	if err := s.store.CreateReset(ctx, r); err != nil {
		return "", err
	}
	return token, s.record(ctx, by, "user.reset_create", "user:"+userID, Scope{}, "")
}

func resetClaim(id string) string { return "reset:" + id }

// OpenReset returns the reset a token belongs to while it can be used.
func (s *Service) OpenReset(ctx context.Context, token string) (*Reset, error) {
	r, err := s.store.FindResetByToken(ctx, secret.HashToken(token))
	if errors.Is(err, fault.ErrNotFound) {
		return nil, ErrResetGone
	}
	if err != nil {
		return nil, err
	}
	if !s.now().Before(r.ExpiresAt) {
		return nil, ErrResetGone
	}
	if _, err := s.store.FindClaim(ctx, resetClaim(r.ID)); err == nil {
		return nil, ErrResetGone
	} else if !errors.Is(err, fault.ErrNotFound) {
		return nil, err
	}
	return r, nil
}

// UseReset sets a new password through a reset link, once, and ends the
// person's sessions everywhere.
func (s *Service) UseReset(ctx context.Context, token, password, password2 string) (*User, error) {
	r, err := s.OpenReset(ctx, token)
	if err != nil {
		return nil, err
	}
	if err := ValidatePassword(password); err != nil {
		return nil, err
	}
	if password != password2 {
		return nil, ErrPasswordMatch
	}
	u, err := s.store.FindUserByID(ctx, r.UserID)
	if err != nil {
		return nil, err
	}
	if err := s.store.AddClaim(ctx, Claim{Key: resetClaim(r.ID), By: u.ID, At: s.now()}); err != nil {
		if errors.Is(err, fault.ErrConflict) {
			return nil, ErrResetGone
		}
		return nil, err
	}
	u.PasswordHash = secret.HashPassword(password)
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return nil, err
	}
	if err := s.store.DeleteUserSessions(ctx, u.ID); err != nil {
		return nil, err
	}
	return u, s.record(ctx, &Principal{User: u}, "user.reset_use", "user:"+u.ID, Scope{}, "")
}

// CreateOrganisation adds an organisation (a region that runs forums and
// steering groups). Installation administrators only.
func (s *Service) CreateOrganisation(ctx context.Context, by *Principal, name string) (*Organisation, error) {
	return s.CreateOrganisationOnce(ctx, by, name, "")
}

// CreateOrganisationOnce is CreateOrganisation for a form that carries an
// idempotency key: the same person sending the same key again gets the same
// organisation, and no second one is made.
func (s *Service) CreateOrganisationOnce(ctx context.Context, by *Principal, name, idemKey string) (*Organisation, error) {
	if !by.IsAdmin() {
		return nil, ErrForbidden
	}
	name = strings.TrimSpace(name)
	if err := ValidateName("name", name); err != nil {
		return nil, err
	}
	o := &Organisation{ID: secret.NewID(), Name: name, CreatedAt: s.now()}
	if idemKey != "" {
		o.ID = onceID("organisation", by.User.ID, idemKey)[:16]
	}
	if err := s.store.CreateOrganisation(ctx, o); errors.Is(err, fault.ErrConflict) && idemKey != "" {
		return s.store.FindOrganisation(ctx, o.ID) // made by an earlier try with this key
	} else if err != nil {
		return nil, err
	}
	return o, s.record(ctx, by, "organisation.create", "organisation:"+o.ID, OrganisationScope(o.ID), "")
}

// Organisations lists every organisation.
func (s *Service) Organisations(ctx context.Context) ([]*Organisation, error) {
	return s.store.ListOrganisations(ctx)
}
