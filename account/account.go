// Package account is about people and what they may do: accounts, roles within
// scopes, organisations, sessions, invitations, password resets and multi-factor
// sign-in. It knows nothing of HTTP or of any database.
package account

import (
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is what a grant lets a person do within its scope.
type Role string

// Roles. Later domains add forum and steering roles on the same grant model.
const (
	// RoleAdmin administers the whole installation (scope: installation).
	RoleAdmin Role = "admin"
	// RoleOrgAdmin administers one organisation's forums and steering groups.
	RoleOrgAdmin Role = "org_admin"
)

// ScopeKind says what kind of thing a grant applies to.
type ScopeKind string

// Scope kinds.
const (
	ScopeInstallation ScopeKind = "installation"
	ScopeOrganisation ScopeKind = "organisation"
	// ScopeForum is one parent carer forum; the forum domain owns its roles
	// (see ScopeAuthority).
	ScopeForum ScopeKind = "forum"
	// ScopeGroup is one steering group; the steering domain owns its roles.
	ScopeGroup ScopeKind = "group"
)

// Scope is the thing a role applies to: the whole installation, or one
// organisation (a region that holds many forums and steering groups).
type Scope struct {
	Kind ScopeKind
	ID   string // empty for the installation
}

// Installation is the scope of an installation administrator.
var Installation = Scope{Kind: ScopeInstallation}

// OrganisationScope returns the scope of one organisation.
func OrganisationScope(id string) Scope { return Scope{Kind: ScopeOrganisation, ID: id} }

// String renders a scope as "kind" or "kind:id" (used as an audit subject).
func (s Scope) String() string {
	if s.ID == "" {
		return string(s.Kind)
	}
	return string(s.Kind) + ":" + s.ID
}

// RoleScope reports the kind of scope a role is granted in.
func RoleScope(r Role) (ScopeKind, bool) {
	switch r {
	case RoleAdmin:
		return ScopeInstallation, true
	case RoleOrgAdmin:
		return ScopeOrganisation, true
	}
	return "", false
}

// User is a person with an account.
type User struct {
	ID           string
	Email        string // lower-cased, unique
	Name         string // how the person is named to administrators
	PasswordHash string // argon2id, PHC format
	TOTPSecret   string // base32; empty until multi-factor sign-in is set up
	Disabled     bool
	CreatedAt    time.Time
	// Language is the tag of the language the person last chose, for
	// what Chorus sends them (email); empty: English.
	Language string
}

// HasMFA reports whether the person has set up multi-factor sign-in.
func (u *User) HasMFA() bool { return u.TOTPSecret != "" }

// Grant gives one person one role within one scope.
type Grant struct {
	UserID    string
	Role      Role
	Scope     Scope
	CreatedAt time.Time
}

// Organisation is a body that runs forums and steering groups, such as a region.
type Organisation struct {
	ID        string
	Name      string
	CreatedAt time.Time
}

// Session is a signed-in browser. Only a hash of its ID is stored.
type Session struct {
	IDHash     string
	UserID     string
	CreatedAt  time.Time
	LastSeenAt time.Time
}

// Invitation is a single-use, expiring, revocable link that gives its opener an
// account with a role within a scope. Only a hash of its token is stored.
type Invitation struct {
	ID        string
	TokenHash string
	Role      Role
	Scope     Scope
	Note      string // who it is meant for, as the administrator wrote it
	CreatedBy string
	CreatedAt time.Time
	ExpiresAt time.Time
	RevokedAt time.Time // zero unless revoked
	// Filled by the service from the invitation's claim.
	UsedBy string
	UsedAt time.Time
}

// State is where an invitation stands at a moment.
func (inv *Invitation) State(now time.Time) InvitationState {
	switch {
	case !inv.UsedAt.IsZero():
		return InvitationUsed
	case !inv.RevokedAt.IsZero():
		return InvitationRevoked
	case !now.Before(inv.ExpiresAt):
		return InvitationExpired
	}
	return InvitationOpen
}

// InvitationState is an invitation's state.
type InvitationState string

// Invitation states.
const (
	InvitationOpen    InvitationState = "open"
	InvitationUsed    InvitationState = "used"
	InvitationRevoked InvitationState = "revoked"
	InvitationExpired InvitationState = "expired"
)

// Reset is a single-use, expiring link to set a new password, made by an
// administrator. Only a hash of its token is stored.
type Reset struct {
	ID        string
	TokenHash string
	UserID    string
	CreatedBy string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Claim records that a single-use thing (an invitation, a reset, the first
// setup) has been used. It is inserted under a unique key, so of many
// concurrent users exactly one wins, on every store.
type Claim struct {
	Key string
	By  string
	At  time.Time
}

// Password length bounds: long passphrases welcome, no composition rules.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 128
)

// NormalizeEmail trims and lower-cases an email address.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// ValidateEmail checks an already normalised address.
func ValidateEmail(email string) error {
	if email == "" {
		return ErrEmailRequired
	}
	if len(email) > 254 {
		return ErrEmailInvalid
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || !strings.Contains(email[strings.LastIndex(email, "@"):], ".") {
		return ErrEmailInvalid
	}
	return nil
}

// ValidatePassword checks a new password's length in characters.
func ValidatePassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordLen {
		return ErrPasswordShort
	}
	if n > MaxPasswordLen {
		return ErrPasswordLong
	}
	return nil
}

// ValidateName checks a person's or organisation's name.
func ValidateName(field, name string) error {
	n := utf8.RuneCountInString(name)
	if n == 0 {
		return nameRequired(field)
	}
	if n > 120 {
		return nameLong(field)
	}
	return nil
}
