package sqlite

import (
	"context"
	"time"

	"chorus/account"
)

const userColumns = `id, email, name, password_hash, totp_secret, disabled, created_at, language`

func scanUser(row interface{ Scan(...any) error }) (*account.User, error) {
	var u account.User
	var created int64
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, &u.TOTPSecret, &u.Disabled, &created, &u.Language); err != nil {
		return nil, translate(err)
	}
	u.CreatedAt = fromMS(created)
	return &u, nil
}

// CreateUser inserts a user.
func (d *DB) CreateUser(ctx context.Context, u *account.User) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Email, u.Name, u.PasswordHash, u.TOTPSecret, u.Disabled, ms(u.CreatedAt), u.Language)
	return translate(err)
}

// FindUserByID returns a user.
func (d *DB) FindUserByID(ctx context.Context, id string) (*account.User, error) {
	return scanUser(d.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
}

// FindUserByEmail returns a user by email.
func (d *DB) FindUserByEmail(ctx context.Context, email string) (*account.User, error) {
	return scanUser(d.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE email = ?`, email))
}

// UpdateUser replaces a user's mutable fields.
func (d *DB) UpdateUser(ctx context.Context, u *account.User) error {
	return d.execOne(ctx, `UPDATE users SET name = ?, password_hash = ?, totp_secret = ?, disabled = ?, language = ? WHERE id = ?`,
		u.Name, u.PasswordHash, u.TOTPSecret, u.Disabled, u.Language, u.ID)
}

// DeleteUser removes a user.
func (d *DB) DeleteUser(ctx context.Context, id string) error {
	return d.execOne(ctx, `DELETE FROM users WHERE id = ?`, id)
}

// ListUsers returns every user by email.
func (d *DB) ListUsers(ctx context.Context) ([]*account.User, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY email`)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []*account.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, translate(rows.Err())
}

// AddGrant inserts a grant.
func (d *DB) AddGrant(ctx context.Context, g account.Grant) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO grants (user_id, role, scope_kind, scope_id, created_at) VALUES (?, ?, ?, ?, ?)`,
		g.UserID, g.Role, g.Scope.Kind, g.Scope.ID, ms(g.CreatedAt))
	return translate(err)
}

// RemoveGrant deletes a grant.
func (d *DB) RemoveGrant(ctx context.Context, g account.Grant) error {
	return d.execOne(ctx, `DELETE FROM grants WHERE user_id = ? AND role = ? AND scope_kind = ? AND scope_id = ?`,
		g.UserID, g.Role, g.Scope.Kind, g.Scope.ID)
}

// ListGrants returns a user's grants.
func (d *DB) ListGrants(ctx context.Context, userID string) ([]account.Grant, error) {
	return d.queryGrants(ctx, `WHERE user_id = ?`, userID)
}

// ListGrantsByRole returns every grant of a role.
func (d *DB) ListGrantsByRole(ctx context.Context, role account.Role) ([]account.Grant, error) {
	return d.queryGrants(ctx, `WHERE role = ?`, role)
}

func (d *DB) queryGrants(ctx context.Context, where string, arg any) ([]account.Grant, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT user_id, role, scope_kind, scope_id, created_at FROM grants `+where+
		` ORDER BY role, scope_kind, scope_id, user_id`, arg)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []account.Grant
	for rows.Next() {
		var g account.Grant
		var created int64
		if err := rows.Scan(&g.UserID, &g.Role, &g.Scope.Kind, &g.Scope.ID, &created); err != nil {
			return nil, translate(err)
		}
		g.CreatedAt = fromMS(created)
		out = append(out, g)
	}
	return out, translate(rows.Err())
}

// CreateOrganisation inserts an organisation.
func (d *DB) CreateOrganisation(ctx context.Context, o *account.Organisation) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO organisations (id, name, created_at) VALUES (?, ?, ?)`, o.ID, o.Name, ms(o.CreatedAt))
	return translate(err)
}

func scanOrganisation(row interface{ Scan(...any) error }) (*account.Organisation, error) {
	var o account.Organisation
	var created int64
	if err := row.Scan(&o.ID, &o.Name, &created); err != nil {
		return nil, translate(err)
	}
	o.CreatedAt = fromMS(created)
	return &o, nil
}

// FindOrganisation returns an organisation.
func (d *DB) FindOrganisation(ctx context.Context, id string) (*account.Organisation, error) {
	return scanOrganisation(d.db.QueryRowContext(ctx, `SELECT id, name, created_at FROM organisations WHERE id = ?`, id))
}

// ListOrganisations returns organisations by name.
func (d *DB) ListOrganisations(ctx context.Context) ([]*account.Organisation, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT id, name, created_at FROM organisations ORDER BY name, id`)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []*account.Organisation
	for rows.Next() {
		o, err := scanOrganisation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, translate(rows.Err())
}

// CreateSession inserts a session.
func (d *DB) CreateSession(ctx context.Context, s *account.Session) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at) VALUES (?, ?, ?, ?)`,
		s.IDHash, s.UserID, ms(s.CreatedAt), ms(s.LastSeenAt))
	return translate(err)
}

// FindSession returns a session by ID hash.
func (d *DB) FindSession(ctx context.Context, idHash string) (*account.Session, error) {
	var s account.Session
	var created, seen int64
	err := d.db.QueryRowContext(ctx, `SELECT id_hash, user_id, created_at, last_seen_at FROM sessions WHERE id_hash = ?`, idHash).
		Scan(&s.IDHash, &s.UserID, &created, &seen)
	if err != nil {
		return nil, translate(err)
	}
	s.CreatedAt, s.LastSeenAt = fromMS(created), fromMS(seen)
	return &s, nil
}

// TouchSession records activity.
func (d *DB) TouchSession(ctx context.Context, idHash string, at time.Time) error {
	return d.execOne(ctx, `UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?`, ms(at), idHash)
}

// DeleteSession ends a session.
func (d *DB) DeleteSession(ctx context.Context, idHash string) error {
	_, err := d.db.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = ?`, idHash)
	return translate(err)
}

// DeleteUserSessions ends all of a user's sessions.
func (d *DB) DeleteUserSessions(ctx context.Context, userID string) error {
	_, err := d.db.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
	return translate(err)
}

const invitationColumns = `id, token_hash, role, scope_kind, scope_id, note, created_by, created_at, expires_at, revoked_at`

func scanInvitation(row interface{ Scan(...any) error }) (*account.Invitation, error) {
	var inv account.Invitation
	var created, expires, revoked int64
	if err := row.Scan(&inv.ID, &inv.TokenHash, &inv.Role, &inv.Scope.Kind, &inv.Scope.ID, &inv.Note, &inv.CreatedBy,
		&created, &expires, &revoked); err != nil {
		return nil, translate(err)
	}
	inv.CreatedAt, inv.ExpiresAt, inv.RevokedAt = fromMS(created), fromMS(expires), fromMS(revoked)
	return &inv, nil
}

// CreateInvitation inserts an invitation.
func (d *DB) CreateInvitation(ctx context.Context, inv *account.Invitation) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO invitations (`+invitationColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		inv.ID, inv.TokenHash, inv.Role, inv.Scope.Kind, inv.Scope.ID, inv.Note, inv.CreatedBy,
		ms(inv.CreatedAt), ms(inv.ExpiresAt), ms(inv.RevokedAt))
	return translate(err)
}

// FindInvitation returns an invitation by ID.
func (d *DB) FindInvitation(ctx context.Context, id string) (*account.Invitation, error) {
	return scanInvitation(d.db.QueryRowContext(ctx, `SELECT `+invitationColumns+` FROM invitations WHERE id = ?`, id))
}

// FindInvitationByToken returns an invitation by token hash.
func (d *DB) FindInvitationByToken(ctx context.Context, tokenHash string) (*account.Invitation, error) {
	return scanInvitation(d.db.QueryRowContext(ctx, `SELECT `+invitationColumns+` FROM invitations WHERE token_hash = ?`, tokenHash))
}

// ListInvitations returns invitations, newest first.
func (d *DB) ListInvitations(ctx context.Context) ([]*account.Invitation, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+invitationColumns+` FROM invitations ORDER BY created_at DESC, id`)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []*account.Invitation
	for rows.Next() {
		inv, err := scanInvitation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, inv)
	}
	return out, translate(rows.Err())
}

// RevokeInvitation marks an invitation revoked.
func (d *DB) RevokeInvitation(ctx context.Context, id string, at time.Time) error {
	return d.execOne(ctx, `UPDATE invitations SET revoked_at = ? WHERE id = ?`, ms(at), id)
}

// CreateReset inserts a password reset.
func (d *DB) CreateReset(ctx context.Context, r *account.Reset) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO resets (id, token_hash, user_id, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
		r.ID, r.TokenHash, r.UserID, r.CreatedBy, ms(r.CreatedAt), ms(r.ExpiresAt))
	return translate(err)
}

// FindResetByToken returns a reset by token hash.
func (d *DB) FindResetByToken(ctx context.Context, tokenHash string) (*account.Reset, error) {
	var r account.Reset
	var created, expires int64
	err := d.db.QueryRowContext(ctx, `SELECT id, token_hash, user_id, created_by, created_at, expires_at FROM resets WHERE token_hash = ?`, tokenHash).
		Scan(&r.ID, &r.TokenHash, &r.UserID, &r.CreatedBy, &created, &expires)
	if err != nil {
		return nil, translate(err)
	}
	r.CreatedAt, r.ExpiresAt = fromMS(created), fromMS(expires)
	return &r, nil
}

// AddClaim inserts a claim under its unique key.
func (d *DB) AddClaim(ctx context.Context, c account.Claim) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO claims (key, claimed_by, claimed_at) VALUES (?, ?, ?)`, c.Key, c.By, ms(c.At))
	return translate(err)
}

// FindClaim returns a claim.
func (d *DB) FindClaim(ctx context.Context, key string) (*account.Claim, error) {
	var c account.Claim
	var at int64
	if err := d.db.QueryRowContext(ctx, `SELECT key, claimed_by, claimed_at FROM claims WHERE key = ?`, key).Scan(&c.Key, &c.By, &at); err != nil {
		return nil, translate(err)
	}
	c.At = fromMS(at)
	return &c, nil
}

// DeleteClaim removes a claim.
func (d *DB) DeleteClaim(ctx context.Context, key string) error {
	_, err := d.db.ExecContext(ctx, `DELETE FROM claims WHERE key = ?`, key)
	return translate(err)
}

// AddAttempt records a failed attempt.
func (d *DB) AddAttempt(ctx context.Context, key string, at time.Time) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO attempts (key, at) VALUES (?, ?)`, key, ms(at))
	return translate(err)
}

// CountAttempts counts a key's attempts since a moment.
func (d *DB) CountAttempts(ctx context.Context, key string, since time.Time) (int, error) {
	var n int
	err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM attempts WHERE key = ? AND at >= ?`, key, ms(since)).Scan(&n)
	return n, translate(err)
}

// ClearAttempts forgets a key's attempts.
func (d *DB) ClearAttempts(ctx context.Context, key string) error {
	_, err := d.db.ExecContext(ctx, `DELETE FROM attempts WHERE key = ?`, key)
	return translate(err)
}
