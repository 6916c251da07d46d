package account

import (
	"context"
	"errors"
	"strings"
	"time"

	"chorus/audit"
	"chorus/internal/fault"
	"chorus/internal/secret"
)

// Settings are the account rules an installation may tune.
type Settings struct {
	SessionIdle     time.Duration // a session unused this long ends
	SessionAbsolute time.Duration // no session lives longer than this
	InvitationTTL   time.Duration // default life of an invitation link
	ResetTTL        time.Duration // life of a password-reset link
	// Sign-in throttling per account: at most LoginFailures failures within
	// LoginWindow before further tries are refused until the window passes.
	LoginFailures int
	LoginWindow   time.Duration
}

// DefaultSettings are the defaults used by `go run .`.
var DefaultSettings = Settings{
	SessionIdle:     12 * time.Hour,
	SessionAbsolute: 14 * 24 * time.Hour,
	InvitationTTL:   7 * 24 * time.Hour,
	ResetTTL:        24 * time.Hour,
	LoginFailures:   10,
	LoginWindow:     15 * time.Minute,
}

// Service holds the account rules.
type Service struct {
	store    Store
	audit    *audit.Log
	clock    func() time.Time
	settings Settings
	scopes   map[ScopeKind]ScopeAuthority
}

// ScopeAuthority owns the roles of a kind of scope that another domain
// defines (a forum's members and facilitators): who may give them, what the
// scope is called, and what accepting an invitation to it does. Invitations
// to such scopes use the same links, expiry, revocation and single use as
// every other invitation.
type ScopeAuthority interface {
	// ValidRole reports whether role exists in sc (and sc exists).
	ValidRole(ctx context.Context, role Role, sc Scope) error
	// CanInvite reports whether p may invite people to role in sc.
	CanInvite(ctx context.Context, p *Principal, role Role, sc Scope) (bool, error)
	// ScopeName names sc for the invitation page.
	ScopeName(ctx context.Context, sc Scope) (string, error)
	// CheckAccept checks what the person typed (a display name) before
	// anything is created.
	CheckAccept(ctx context.Context, role Role, sc Scope, displayName string) error
	// Accept gives u the role, named displayName where the scope uses one.
	Accept(ctx context.Context, u *User, role Role, sc Scope, displayName string) error
	// RequiresMFA reports whether the person holds a duty in this kind of
	// scope that needs two-step sign-in (a forum's safeguarding lead).
	RequiresMFA(ctx context.Context, userID string) (bool, error)
}

// MFARequired reports whether the signed-in person must keep two-step
// sign-in on (their roles or duties need it).
func (s *Service) MFARequired(ctx context.Context, p *Principal) (bool, error) {
	return s.mustHaveMFA(ctx, p.User.ID, p.Grants)
}

// mustHaveMFA reports whether a person's roles, or duties another domain
// knows of, require two-step sign-in.
func (s *Service) mustHaveMFA(ctx context.Context, userID string, grants []Grant) (bool, error) {
	if requiresMFA(grants) {
		return true, nil
	}
	for _, a := range s.scopes {
		if need, err := a.RequiresMFA(ctx, userID); err != nil || need {
			return need, err
		}
	}
	return false, nil
}

// RegisterScope lets a domain own the roles of a kind of scope.
func (s *Service) RegisterScope(kind ScopeKind, a ScopeAuthority) {
	if s.scopes == nil {
		s.scopes = map[ScopeKind]ScopeAuthority{}
	}
	s.scopes[kind] = a
}

// canInvite reports whether p may give role within sc.
func (s *Service) canInvite(ctx context.Context, p *Principal, role Role, sc Scope) (bool, error) {
	if a, ok := s.scopes[sc.Kind]; ok {
		return a.CanInvite(ctx, p, role, sc)
	}
	return p.canGrant(role, sc), nil
}

// ScopeName names a scope for people: an organisation's or forum's name.
func (s *Service) ScopeName(ctx context.Context, sc Scope) (string, error) {
	if a, ok := s.scopes[sc.Kind]; ok {
		return a.ScopeName(ctx, sc)
	}
	if sc.Kind == ScopeOrganisation {
		o, err := s.store.FindOrganisation(ctx, sc.ID)
		if err != nil {
			return "", err
		}
		return o.Name, nil
	}
	return "", nil
}

// NewService returns the account service.
func NewService(store Store, log *audit.Log, clock func() time.Time, settings Settings) *Service {
	return &Service{store: store, audit: log, clock: clock, settings: settings}
}

func (s *Service) now() time.Time { return s.clock().UTC() }

// Principal is a signed-in person with their grants.
type Principal struct {
	User    *User
	Grants  []Grant
	Session *Session
}

// IsAdmin reports whether the person administers the installation.
func (p *Principal) IsAdmin() bool { return p != nil && p.has(RoleAdmin, Installation) }

// AdministersOrganisation reports whether the person administers an
// organisation, directly or as an installation administrator.
func (p *Principal) AdministersOrganisation(orgID string) bool {
	return p.IsAdmin() || (p != nil && p.has(RoleOrgAdmin, OrganisationScope(orgID)))
}

// AdministersAny reports whether the person administers anything.
func (p *Principal) AdministersAny() bool {
	if p == nil {
		return false
	}
	for _, g := range p.Grants {
		if g.Role == RoleAdmin || g.Role == RoleOrgAdmin {
			return true
		}
	}
	return false
}

func requiresMFA(grants []Grant) bool {
	for _, g := range grants {
		if g.Role == RoleAdmin || g.Role == RoleOrgAdmin {
			return true
		}
	}
	return false
}

func (p *Principal) has(r Role, sc Scope) bool {
	for _, g := range p.Grants {
		if g.Role == r && g.Scope == sc {
			return true
		}
	}
	return false
}

// canGrant reports whether p may give or take role within scope.
func (p *Principal) canGrant(r Role, sc Scope) bool {
	switch r {
	case RoleAdmin:
		return p.IsAdmin()
	case RoleOrgAdmin:
		return sc.Kind == ScopeOrganisation && p.AdministersOrganisation(sc.ID)
	}
	return false
}

// NewUser is what a person gives to create an account.
type NewUser struct {
	// DisplayName is how the person is named in a forum they join through an
	// invitation; empty elsewhere.
	DisplayName string
	Email       string
	Name        string
	Password    string
	Password2   string // the repeated password from a form; empty skips the check
}

func (n *NewUser) normalise() error {
	n.Email = NormalizeEmail(n.Email)
	n.Name = strings.TrimSpace(n.Name)
	if err := ValidateName("name", n.Name); err != nil {
		return err
	}
	if err := ValidateEmail(n.Email); err != nil {
		return err
	}
	if err := ValidatePassword(n.Password); err != nil {
		return err
	}
	if n.Password2 != "" && n.Password2 != n.Password {
		return ErrPasswordMatch
	}
	return nil
}

// createUser inserts a new account.
func (s *Service) createUser(ctx context.Context, n NewUser) (*User, error) {
	if err := n.normalise(); err != nil {
		return nil, err
	}
	u := &User{ID: secret.NewID(), Email: n.Email, Name: n.Name, PasswordHash: secret.HashPassword(n.Password), CreatedAt: s.now()}
	if err := s.store.CreateUser(ctx, u); err != nil {
		if errors.Is(err, fault.ErrConflict) {
			return nil, ErrEmailTaken
		}
		return nil, err
	}
	return u, nil
}

// NeedsSetup reports whether the installation has no administrator yet.
func (s *Service) NeedsSetup(ctx context.Context) (bool, error) {
	admins, err := s.store.ListGrantsByRole(ctx, RoleAdmin)
	return len(admins) == 0, err
}

// CreateFirstAdmin creates the installation's first administrator. It works
// once: a concurrent or later call gets ErrSetupDone.
func (s *Service) CreateFirstAdmin(ctx context.Context, n NewUser) (*User, error) {
	if err := n.normalise(); err != nil {
		return nil, err
	}
	need, err := s.NeedsSetup(ctx)
	if err != nil {
		return nil, err
	}
	if !need {
		return nil, ErrSetupDone
	}
	if err := s.store.AddClaim(ctx, Claim{Key: "setup", By: n.Email, At: s.now()}); err != nil {
		if errors.Is(err, fault.ErrConflict) {
			return nil, ErrSetupDone
		}
		return nil, err
	}
	u, err := s.AddUser(ctx, nil, n, RoleAdmin, Installation)
	if err != nil {
		// Let setup be tried again: nobody has an account from this claim.
		if derr := s.store.DeleteClaim(ctx, "setup"); derr != nil {
			return nil, errors.Join(err, derr)
		}
		return nil, err
	}
	return u, nil
}

// AddPlainUser creates an account with no role: a person who takes part in
// forums (the command line and demonstration data use it; people usually
// come through an invitation or a forum's open join).
func (s *Service) AddPlainUser(ctx context.Context, n NewUser) (*User, error) {
	u, err := s.createUser(ctx, n)
	if err != nil {
		return nil, err
	}
	return u, s.record(ctx, nil, "user.create", "user:"+u.ID, Scope{}, "")
}

// AddUser creates an account with one role. by is nil when the command line
// or the setup page acts; otherwise by must be allowed to grant the role.
func (s *Service) AddUser(ctx context.Context, by *Principal, n NewUser, role Role, sc Scope) (*User, error) {
	if err := s.checkRoleScope(ctx, role, sc); err != nil {
		return nil, err
	}
	if by != nil && !by.canGrant(role, sc) {
		return nil, ErrForbidden
	}
	u, err := s.createUser(ctx, n)
	if err != nil {
		return nil, err
	}
	if err := s.store.AddGrant(ctx, Grant{UserID: u.ID, Role: role, Scope: sc, CreatedAt: s.now()}); err != nil {
		return nil, err
	}
	return u, s.record(ctx, by, "user.create", "user:"+u.ID, sc, "role "+string(role))
}

func (s *Service) checkRoleScope(ctx context.Context, role Role, sc Scope) error {
	if a, ok := s.scopes[sc.Kind]; ok {
		return a.ValidRole(ctx, role, sc)
	}
	kind, ok := RoleScope(role)
	if !ok {
		return ErrRoleInvalid
	}
	if kind != sc.Kind {
		return ErrScopeInvalid
	}
	if sc.Kind == ScopeOrganisation {
		if _, err := s.store.FindOrganisation(ctx, sc.ID); err != nil {
			if errors.Is(err, fault.ErrNotFound) {
				return ErrScopeInvalid
			}
			return err
		}
	}
	return nil
}

func (s *Service) record(ctx context.Context, by *Principal, action, subject string, sc Scope, detail string) error {
	e := audit.Entry{Action: action, Subject: subject, Detail: detail}
	if by != nil {
		e.ActorID = by.User.ID
	}
	if sc.Kind == ScopeOrganisation {
		e.Scope = sc.String()
	}
	return s.audit.Record(ctx, e)
}

// OrganisationAdmins returns the IDs of the people who administer an
// organisation (not installation administrators), for escalations.
func (s *Service) OrganisationAdmins(ctx context.Context, orgID string) ([]string, error) {
	grants, err := s.store.ListGrantsByRole(ctx, RoleOrgAdmin)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, g := range grants {
		if g.Scope == OrganisationScope(orgID) {
			out = append(out, g.UserID)
		}
	}
	return out, nil
}

// EndSessions ends every session of a person, as when their role changes:
// they sign in again under a new session ID.
func (s *Service) EndSessions(ctx context.Context, userID string) error {
	return s.store.DeleteUserSessions(ctx, userID)
}
