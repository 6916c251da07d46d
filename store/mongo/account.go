package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"chorus/account"
	"chorus/internal/secret"
)

// Documents as stored. Field names are snake_case like the SQLite columns,
// so the two adapters read alike; changing one is a data migration.

type userDoc struct {
	ID           string    `bson:"_id"`
	Email        string    `bson:"email"`
	Name         string    `bson:"name"`
	PasswordHash string    `bson:"password_hash"`
	TOTPSecret   string    `bson:"totp_secret"`
	Disabled     bool      `bson:"disabled"`
	CreatedAt    time.Time `bson:"created_at"`
	Language     string    `bson:"language,omitempty"`
}

func (u *userDoc) user() *account.User {
	return &account.User{ID: u.ID, Email: u.Email, Name: u.Name, PasswordHash: u.PasswordHash,
		TOTPSecret: u.TOTPSecret, Disabled: u.Disabled, CreatedAt: u.CreatedAt.UTC(), Language: u.Language}
}

// CreateUser inserts a user; ErrConflict when the email is taken (the unique
// email index decides between concurrent sign-ups).
func (d *DB) CreateUser(ctx context.Context, u *account.User) error {
	return insert(ctx, d.users, userDoc{ID: u.ID, Email: u.Email, Name: u.Name, PasswordHash: u.PasswordHash,
		TOTPSecret: u.TOTPSecret, Disabled: u.Disabled, CreatedAt: utc(u.CreatedAt), Language: u.Language})
}

// FindUserByID returns a user.
func (d *DB) FindUserByID(ctx context.Context, id string) (*account.User, error) {
	return d.findUser(ctx, bson.D{{Key: "_id", Value: id}})
}

// FindUserByEmail returns a user by normalised email.
func (d *DB) FindUserByEmail(ctx context.Context, email string) (*account.User, error) {
	return d.findUser(ctx, bson.D{{Key: "email", Value: email}})
}

func (d *DB) findUser(ctx context.Context, filter bson.D) (*account.User, error) {
	var doc userDoc
	if err := findOne(ctx, d.users, filter, &doc); err != nil {
		return nil, err
	}
	return doc.user(), nil
}

// UpdateUser replaces a user's name, password hash, TOTP secret, disabled
// flag and language. The email and creation time never change.
func (d *DB) UpdateUser(ctx context.Context, u *account.User) error {
	return updateOne(ctx, d.users, bson.D{{Key: "_id", Value: u.ID}}, bson.D{{Key: "$set", Value: bson.D{
		{Key: "name", Value: u.Name},
		{Key: "password_hash", Value: u.PasswordHash},
		{Key: "totp_secret", Value: u.TOTPSecret},
		{Key: "disabled", Value: u.Disabled},
		{Key: "language", Value: u.Language},
	}}})
}

// DeleteUser removes a user.
func (d *DB) DeleteUser(ctx context.Context, id string) error {
	return deleteOne(ctx, d.users, bson.D{{Key: "_id", Value: id}})
}

// ListUsers returns every user, ordered by email.
func (d *DB) ListUsers(ctx context.Context) ([]*account.User, error) {
	var docs []userDoc
	if err := findAll(ctx, d.users, bson.D{}, &docs, options.Find().SetSort(bson.D{{Key: "email", Value: 1}})); err != nil {
		return nil, err
	}
	out := make([]*account.User, len(docs))
	for i := range docs {
		out[i] = docs[i].user()
	}
	return out, nil
}

// grantDoc is a grant. Its _id is random; the unique grant index over (user,
// role, scope kind, scope id) is what makes a grant exist at most once.
type grantDoc struct {
	ID        string    `bson:"_id"`
	UserID    string    `bson:"user_id"`
	Role      string    `bson:"role"`
	ScopeKind string    `bson:"scope_kind"`
	ScopeID   string    `bson:"scope_id"`
	CreatedAt time.Time `bson:"created_at"`
}

func grantKey(g account.Grant) bson.D {
	return bson.D{
		{Key: "user_id", Value: g.UserID},
		{Key: "role", Value: string(g.Role)},
		{Key: "scope_kind", Value: string(g.Scope.Kind)},
		{Key: "scope_id", Value: g.Scope.ID},
	}
}

// AddGrant inserts a grant; ErrConflict when the same grant exists.
func (d *DB) AddGrant(ctx context.Context, g account.Grant) error {
	return insert(ctx, d.grants, grantDoc{ID: secret.NewID(), UserID: g.UserID, Role: string(g.Role),
		ScopeKind: string(g.Scope.Kind), ScopeID: g.Scope.ID, CreatedAt: utc(g.CreatedAt)})
}

// RemoveGrant deletes a grant.
func (d *DB) RemoveGrant(ctx context.Context, g account.Grant) error {
	return deleteOne(ctx, d.grants, grantKey(g))
}

// ListGrants returns one user's grants, ordered by role then scope.
func (d *DB) ListGrants(ctx context.Context, userID string) ([]account.Grant, error) {
	return d.findGrants(ctx, bson.D{{Key: "user_id", Value: userID}})
}

// ListGrantsByRole returns every grant of a role.
func (d *DB) ListGrantsByRole(ctx context.Context, role account.Role) ([]account.Grant, error) {
	return d.findGrants(ctx, bson.D{{Key: "role", Value: string(role)}})
}

func (d *DB) findGrants(ctx context.Context, filter bson.D) ([]account.Grant, error) {
	// The same order as the SQLite adapter, so results never depend on the store.
	sort := bson.D{{Key: "role", Value: 1}, {Key: "scope_kind", Value: 1}, {Key: "scope_id", Value: 1}, {Key: "user_id", Value: 1}}
	var docs []grantDoc
	if err := findAll(ctx, d.grants, filter, &docs, options.Find().SetSort(sort)); err != nil {
		return nil, err
	}
	out := make([]account.Grant, len(docs))
	for i, g := range docs {
		out[i] = account.Grant{UserID: g.UserID, Role: account.Role(g.Role),
			Scope: account.Scope{Kind: account.ScopeKind(g.ScopeKind), ID: g.ScopeID}, CreatedAt: g.CreatedAt.UTC()}
	}
	return out, nil
}

type organisationDoc struct {
	ID        string    `bson:"_id"`
	Name      string    `bson:"name"`
	CreatedAt time.Time `bson:"created_at"`
}

// CreateOrganisation inserts an organisation.
func (d *DB) CreateOrganisation(ctx context.Context, o *account.Organisation) error {
	return insert(ctx, d.organisations, organisationDoc{ID: o.ID, Name: o.Name, CreatedAt: utc(o.CreatedAt)})
}

// FindOrganisation returns an organisation.
func (d *DB) FindOrganisation(ctx context.Context, id string) (*account.Organisation, error) {
	var doc organisationDoc
	if err := findOne(ctx, d.organisations, bson.D{{Key: "_id", Value: id}}, &doc); err != nil {
		return nil, err
	}
	return &account.Organisation{ID: doc.ID, Name: doc.Name, CreatedAt: doc.CreatedAt.UTC()}, nil
}

// ListOrganisations returns organisations ordered by name.
func (d *DB) ListOrganisations(ctx context.Context) ([]*account.Organisation, error) {
	var docs []organisationDoc
	sort := bson.D{{Key: "name", Value: 1}, {Key: "_id", Value: 1}}
	if err := findAll(ctx, d.organisations, bson.D{}, &docs, options.Find().SetSort(sort)); err != nil {
		return nil, err
	}
	out := make([]*account.Organisation, len(docs))
	for i, o := range docs {
		out[i] = &account.Organisation{ID: o.ID, Name: o.Name, CreatedAt: o.CreatedAt.UTC()}
	}
	return out, nil
}

// sessionDoc is a session, keyed by the hash of its ID.
type sessionDoc struct {
	IDHash     string    `bson:"_id"`
	UserID     string    `bson:"user_id"`
	CreatedAt  time.Time `bson:"created_at"`
	LastSeenAt time.Time `bson:"last_seen_at"`
}

// CreateSession inserts a session.
func (d *DB) CreateSession(ctx context.Context, s *account.Session) error {
	return insert(ctx, d.sessions, sessionDoc{IDHash: s.IDHash, UserID: s.UserID, CreatedAt: utc(s.CreatedAt), LastSeenAt: utc(s.LastSeenAt)})
}

// FindSession returns a session by the hash of its ID.
func (d *DB) FindSession(ctx context.Context, idHash string) (*account.Session, error) {
	var doc sessionDoc
	if err := findOne(ctx, d.sessions, bson.D{{Key: "_id", Value: idHash}}, &doc); err != nil {
		return nil, err
	}
	return &account.Session{IDHash: doc.IDHash, UserID: doc.UserID, CreatedAt: doc.CreatedAt.UTC(), LastSeenAt: doc.LastSeenAt.UTC()}, nil
}

// TouchSession records activity on a session. Concurrent touches of one
// session may overwrite each other on FerretDB; any of them is a fine answer
// to "when was it last seen".
func (d *DB) TouchSession(ctx context.Context, idHash string, at time.Time) error {
	return updateOne(ctx, d.sessions, bson.D{{Key: "_id", Value: idHash}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "last_seen_at", Value: utc(at)}}}})
}

// DeleteSession ends one session; ending a missing one is not an error.
func (d *DB) DeleteSession(ctx context.Context, idHash string) error {
	return deleteMany(ctx, d.sessions, bson.D{{Key: "_id", Value: idHash}})
}

// DeleteUserSessions ends every session of a user.
func (d *DB) DeleteUserSessions(ctx context.Context, userID string) error {
	return deleteMany(ctx, d.sessions, bson.D{{Key: "user_id", Value: userID}})
}

type invitationDoc struct {
	ID        string     `bson:"_id"`
	TokenHash string     `bson:"token_hash"`
	Role      string     `bson:"role"`
	ScopeKind string     `bson:"scope_kind"`
	ScopeID   string     `bson:"scope_id"`
	Note      string     `bson:"note"`
	CreatedBy string     `bson:"created_by"`
	CreatedAt time.Time  `bson:"created_at"`
	ExpiresAt time.Time  `bson:"expires_at"`
	RevokedAt *time.Time `bson:"revoked_at,omitempty"`
}

func (doc *invitationDoc) invitation() *account.Invitation {
	return &account.Invitation{ID: doc.ID, TokenHash: doc.TokenHash, Role: account.Role(doc.Role),
		Scope: account.Scope{Kind: account.ScopeKind(doc.ScopeKind), ID: doc.ScopeID}, Note: doc.Note,
		CreatedBy: doc.CreatedBy, CreatedAt: doc.CreatedAt.UTC(), ExpiresAt: doc.ExpiresAt.UTC(), RevokedAt: fromOpt(doc.RevokedAt)}
}

// CreateInvitation inserts an invitation. UsedBy and UsedAt are not stored:
// they come from the invitation's claim.
func (d *DB) CreateInvitation(ctx context.Context, inv *account.Invitation) error {
	return insert(ctx, d.invitations, invitationDoc{ID: inv.ID, TokenHash: inv.TokenHash, Role: string(inv.Role),
		ScopeKind: string(inv.Scope.Kind), ScopeID: inv.Scope.ID, Note: inv.Note, CreatedBy: inv.CreatedBy,
		CreatedAt: utc(inv.CreatedAt), ExpiresAt: utc(inv.ExpiresAt), RevokedAt: optTime(inv.RevokedAt)})
}

// FindInvitation returns an invitation by ID.
func (d *DB) FindInvitation(ctx context.Context, id string) (*account.Invitation, error) {
	return d.findInvitation(ctx, bson.D{{Key: "_id", Value: id}})
}

// FindInvitationByToken returns an invitation by its token hash.
func (d *DB) FindInvitationByToken(ctx context.Context, tokenHash string) (*account.Invitation, error) {
	return d.findInvitation(ctx, bson.D{{Key: "token_hash", Value: tokenHash}})
}

func (d *DB) findInvitation(ctx context.Context, filter bson.D) (*account.Invitation, error) {
	var doc invitationDoc
	if err := findOne(ctx, d.invitations, filter, &doc); err != nil {
		return nil, err
	}
	return doc.invitation(), nil
}

// ListInvitations returns invitations, newest first.
func (d *DB) ListInvitations(ctx context.Context) ([]*account.Invitation, error) {
	var docs []invitationDoc
	sort := bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: 1}}
	if err := findAll(ctx, d.invitations, bson.D{}, &docs, options.Find().SetSort(sort)); err != nil {
		return nil, err
	}
	out := make([]*account.Invitation, len(docs))
	for i := range docs {
		out[i] = docs[i].invitation()
	}
	return out, nil
}

// RevokeInvitation marks an invitation revoked.
func (d *DB) RevokeInvitation(ctx context.Context, id string, at time.Time) error {
	return updateOne(ctx, d.invitations, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "revoked_at", Value: utc(at)}}}})
}

type resetDoc struct {
	ID        string    `bson:"_id"`
	TokenHash string    `bson:"token_hash"`
	UserID    string    `bson:"user_id"`
	CreatedBy string    `bson:"created_by"`
	CreatedAt time.Time `bson:"created_at"`
	ExpiresAt time.Time `bson:"expires_at"`
}

// CreateReset inserts a password reset.
func (d *DB) CreateReset(ctx context.Context, r *account.Reset) error {
	return insert(ctx, d.resets, resetDoc{ID: r.ID, TokenHash: r.TokenHash, UserID: r.UserID, CreatedBy: r.CreatedBy,
		CreatedAt: utc(r.CreatedAt), ExpiresAt: utc(r.ExpiresAt)})
}

// FindResetByToken returns a reset by its token hash.
func (d *DB) FindResetByToken(ctx context.Context, tokenHash string) (*account.Reset, error) {
	var doc resetDoc
	if err := findOne(ctx, d.resets, bson.D{{Key: "token_hash", Value: tokenHash}}, &doc); err != nil {
		return nil, err
	}
	return &account.Reset{ID: doc.ID, TokenHash: doc.TokenHash, UserID: doc.UserID, CreatedBy: doc.CreatedBy,
		CreatedAt: doc.CreatedAt.UTC(), ExpiresAt: doc.ExpiresAt.UTC()}, nil
}

// claimDoc is a claim, keyed by what it claims: _id's uniqueness is what lets
// exactly one of many concurrent claimants win, on every server.
type claimDoc struct {
	Key string    `bson:"_id"`
	By  string    `bson:"by"`
	At  time.Time `bson:"at"`
}

// AddClaim inserts a claim; ErrConflict when the key is already claimed.
func (d *DB) AddClaim(ctx context.Context, c account.Claim) error {
	return insert(ctx, d.claims, claimDoc{Key: c.Key, By: c.By, At: utc(c.At)})
}

// FindClaim returns a claim.
func (d *DB) FindClaim(ctx context.Context, key string) (*account.Claim, error) {
	var doc claimDoc
	if err := findOne(ctx, d.claims, bson.D{{Key: "_id", Value: key}}, &doc); err != nil {
		return nil, err
	}
	return &account.Claim{Key: doc.Key, By: doc.By, At: doc.At.UTC()}, nil
}

// DeleteClaim removes a claim; removing a missing one is not an error.
func (d *DB) DeleteClaim(ctx context.Context, key string) error {
	return deleteMany(ctx, d.claims, bson.D{{Key: "_id", Value: key}})
}

// attemptDoc is one failed attempt. Each is its own document so that
// concurrent failures are all kept: a counter bumped with $inc loses
// increments on FerretDB.
type attemptDoc struct {
	ID  string    `bson:"_id"`
	Key string    `bson:"key"`
	At  time.Time `bson:"at"`
}

// AddAttempt records one failed attempt under a key.
func (d *DB) AddAttempt(ctx context.Context, key string, at time.Time) error {
	return insert(ctx, d.attempts, attemptDoc{ID: secret.NewID(), Key: key, At: utc(at)})
}

// CountAttempts counts a key's attempts at or after since.
func (d *DB) CountAttempts(ctx context.Context, key string, since time.Time) (int, error) {
	n, err := d.attempts.CountDocuments(ctx, bson.D{{Key: "key", Value: key}, {Key: "at", Value: bson.D{{Key: "$gte", Value: utc(since)}}}})
	if err != nil {
		return 0, translate(err)
	}
	return int(n), nil
}

// ClearAttempts forgets a key's attempts.
func (d *DB) ClearAttempts(ctx context.Context, key string) error {
	return deleteMany(ctx, d.attempts, bson.D{{Key: "key", Value: key}})
}
