package account

import (
	"context"
	"time"
)

// Store is what the account service needs from storage. Adapters return
// fault.ErrNotFound for a missing record and fault.ErrConflict for a taken
// unique key; any other error is the store failing (fault.ErrUnavailable when
// it cannot be reached).
type Store interface {
	// ErasureStore keeps erasure requests (erasure.go).
	ErasureStore

	// CreateUser inserts a user. ErrConflict when the email is taken.
	CreateUser(ctx context.Context, u *User) error
	// FindUserByID returns a user. ErrNotFound.
	FindUserByID(ctx context.Context, id string) (*User, error)
	// FindUserByEmail returns a user by normalised email. ErrNotFound.
	FindUserByEmail(ctx context.Context, email string) (*User, error)
	// UpdateUser replaces a user's name, password hash, TOTP secret,
	// disabled flag and language. ErrNotFound.
	UpdateUser(ctx context.Context, u *User) error
	// DeleteUser removes a user that was never used (an invitation whose claim
	// was lost). ErrNotFound.
	DeleteUser(ctx context.Context, id string) error
	// ListUsers returns users ordered by email.
	ListUsers(ctx context.Context) ([]*User, error)

	// AddGrant inserts a grant. ErrConflict when the same grant exists.
	AddGrant(ctx context.Context, g Grant) error
	// RemoveGrant deletes a grant. ErrNotFound.
	RemoveGrant(ctx context.Context, g Grant) error
	// ListGrants returns one user's grants, ordered by role then scope.
	ListGrants(ctx context.Context, userID string) ([]Grant, error)
	// ListGrantsByRole returns every grant of a role.
	ListGrantsByRole(ctx context.Context, role Role) ([]Grant, error)

	// CreateOrganisation inserts an organisation.
	CreateOrganisation(ctx context.Context, o *Organisation) error
	// FindOrganisation returns an organisation. ErrNotFound.
	FindOrganisation(ctx context.Context, id string) (*Organisation, error)
	// ListOrganisations returns organisations ordered by name.
	ListOrganisations(ctx context.Context) ([]*Organisation, error)

	// CreateSession inserts a session.
	CreateSession(ctx context.Context, s *Session) error
	// FindSession returns a session by the hash of its ID. ErrNotFound.
	FindSession(ctx context.Context, idHash string) (*Session, error)
	// TouchSession records activity on a session. ErrNotFound.
	TouchSession(ctx context.Context, idHash string, at time.Time) error
	// DeleteSession ends one session; ending a missing one is not an error.
	DeleteSession(ctx context.Context, idHash string) error
	// DeleteUserSessions ends every session of a user.
	DeleteUserSessions(ctx context.Context, userID string) error

	// CreateInvitation inserts an invitation.
	CreateInvitation(ctx context.Context, inv *Invitation) error
	// FindInvitation returns an invitation by ID. ErrNotFound.
	FindInvitation(ctx context.Context, id string) (*Invitation, error)
	// FindInvitationByToken returns an invitation by its token hash. ErrNotFound.
	FindInvitationByToken(ctx context.Context, tokenHash string) (*Invitation, error)
	// ListInvitations returns invitations, newest first.
	ListInvitations(ctx context.Context) ([]*Invitation, error)
	// RevokeInvitation marks an invitation revoked. ErrNotFound.
	RevokeInvitation(ctx context.Context, id string, at time.Time) error

	// CreateReset inserts a password reset.
	CreateReset(ctx context.Context, r *Reset) error
	// FindResetByToken returns a reset by its token hash. ErrNotFound.
	FindResetByToken(ctx context.Context, tokenHash string) (*Reset, error)

	// AddClaim inserts a claim. ErrConflict when the key is already claimed.
	AddClaim(ctx context.Context, c Claim) error
	// FindClaim returns a claim. ErrNotFound.
	FindClaim(ctx context.Context, key string) (*Claim, error)
	// DeleteClaim removes a claim; removing a missing one is not an error.
	DeleteClaim(ctx context.Context, key string) error

	// AddAttempt records one failed attempt under a key (an account, a
	// follow-up code selector). Attempts are inserted, never counted in place,
	// so concurrent failures are all kept.
	AddAttempt(ctx context.Context, key string, at time.Time) error
	// CountAttempts counts a key's attempts at or after since.
	CountAttempts(ctx context.Context, key string, since time.Time) (int, error)
	// ClearAttempts forgets a key's attempts.
	ClearAttempts(ctx context.Context, key string) error
}
