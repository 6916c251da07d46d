package sqlite

import (
	"context"

	"fmt"
	"strings"

	"chorus/account"
	"chorus/forum"
	"chorus/notify"
	"chorus/steering"
)

var (
	_ account.ErasureStore  = (*DB)(nil)
	_ forum.PersonStore     = (*DB)(nil)
	_ steering.ErasureStore = (*DB)(nil)
	_ notify.ErasureStore   = (*DB)(nil)
)

// erasureMigration: requests for erasure (data rights), and indexes to read
// what a person wrote by author rather than by forum.
const erasureMigration = `CREATE TABLE erasure_requests (
		id TEXT PRIMARY KEY,
		user_id TEXT NOT NULL,
		status TEXT NOT NULL,
		reason TEXT NOT NULL,
		requested_at INTEGER NOT NULL,
		handled_at INTEGER NOT NULL,
		handled_by TEXT NOT NULL,
		former_id TEXT NOT NULL
	);
	CREATE INDEX erasure_requests_user ON erasure_requests (user_id, requested_at);
	CREATE INDEX issues_author ON issues (author_id) WHERE author_id != '';
	CREATE INDEX comments_author ON comments (author_id);
	CREATE INDEX supports_key ON supports (key);
	CREATE INDEX follows_user ON follows (user_id);
	CREATE INDEX reports_reporter ON reports (reporter_id);`

const erasureColumns = `id, user_id, status, reason, requested_at, handled_at, handled_by, former_id`

func scanErasure(row interface{ Scan(...any) error }) (*account.ErasureRequest, error) {
	var r account.ErasureRequest
	var requested, handled int64
	if err := row.Scan(&r.ID, &r.UserID, &r.Status, &r.Reason, &requested, &handled, &r.HandledBy, &r.FormerID); err != nil {
		return nil, translate(err)
	}
	r.RequestedAt, r.HandledAt = fromMS(requested), fromMS(handled)
	return &r, nil
}

// AddErasureRequest inserts a request.
func (d *DB) AddErasureRequest(ctx context.Context, r *account.ErasureRequest) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO erasure_requests (`+erasureColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.UserID, r.Status, r.Reason, ms(r.RequestedAt), ms(r.HandledAt), r.HandledBy, r.FormerID)
	return translate(err)
}

// FindErasureRequest returns a request.
func (d *DB) FindErasureRequest(ctx context.Context, id string) (*account.ErasureRequest, error) {
	return scanErasure(d.db.QueryRowContext(ctx, `SELECT `+erasureColumns+` FROM erasure_requests WHERE id = ?`, id))
}

// ListErasureRequests returns a person's requests, or all, newest first.
func (d *DB) ListErasureRequests(ctx context.Context, userID string) ([]*account.ErasureRequest, error) {
	if userID == "" {
		return queryAll(ctx, d, scanErasure, `SELECT `+erasureColumns+` FROM erasure_requests ORDER BY requested_at DESC, id`)
	}
	return queryAll(ctx, d, scanErasure, `SELECT `+erasureColumns+` FROM erasure_requests WHERE user_id = ? ORDER BY requested_at DESC, id`, userID)
}

// UpdateErasureRequest replaces a request's status, reason, handling and former ID.
func (d *DB) UpdateErasureRequest(ctx context.Context, r *account.ErasureRequest) error {
	return d.execOne(ctx, `UPDATE erasure_requests SET user_id = ?, status = ?, reason = ?, handled_at = ?, handled_by = ?, former_id = ? WHERE id = ?`,
		r.UserID, r.Status, r.Reason, ms(r.HandledAt), r.HandledBy, r.FormerID, r.ID)
}

// inTx runs statements in one transaction: an erasure's part of a store
// happens whole or not at all.
func (d *DB) inTx(ctx context.Context, stmts []stmt) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return translate(err)
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s.q, s.args...); err != nil {
			tx.Rollback()
			return fmt.Errorf("%s: %w", strings.Fields(s.q)[0]+" "+s.table(), translate(err))
		}
	}
	return translate(tx.Commit())
}

type stmt struct {
	q    string
	args []any
}

func (s stmt) table() string {
	f := strings.Fields(s.q)
	for i, w := range f {
		if (w == "FROM" || w == "UPDATE" || w == "INTO") && i+1 < len(f) {
			return f[i+1]
		}
	}
	return ""
}

// ForgetUser turns a person's account into a former member's, then
// rewrites the database file so that no free page or write-ahead log frame
// keeps the old rows.
func (d *DB) ForgetUser(ctx context.Context, userID string, former *account.User) error {
	uid, fid := userID, former.ID
	err := d.inTx(ctx, []stmt{
		{`UPDATE invitations SET note = '' WHERE 'invitation:' || id IN (SELECT key FROM claims WHERE claimed_by = ?)`, []any{uid}},
		// A note may name the person's email address (it tells them of the invitation).
		{`UPDATE invitations SET note = '' WHERE instr(lower(note), (SELECT lower(email) FROM users WHERE id = ?)) > 0`, []any{uid}},
		{`UPDATE users SET id = ?, email = ?, name = ?, password_hash = '', totp_secret = '', disabled = 1, language = '' WHERE id = ?`,
			[]any{fid, former.Email, former.Name, uid}},
		{`DELETE FROM grants WHERE user_id = ?`, []any{uid}},
		{`DELETE FROM sessions WHERE user_id = ?`, []any{uid}},
		{`DELETE FROM resets WHERE user_id = ?`, []any{uid}},
		{`UPDATE resets SET created_by = ? WHERE created_by = ?`, []any{fid, uid}},
		{`UPDATE invitations SET created_by = ? WHERE created_by = ?`, []any{fid, uid}},
		{`UPDATE claims SET claimed_by = ? WHERE claimed_by = ?`, []any{fid, uid}},
		{`UPDATE audit SET actor_id = ? WHERE actor_id = ?`, []any{fid, uid}},
		{`UPDATE audit SET subject = ? WHERE subject = ?`, []any{"user:" + fid, "user:" + uid}},
		{`UPDATE erasure_requests SET user_id = ? WHERE user_id = ?`, []any{fid, uid}},
		{`UPDATE erasure_requests SET handled_by = ? WHERE handled_by = ?`, []any{fid, uid}},
	})
	if err != nil {
		return err
	}
	return d.scrub(ctx)
}

// scrub rebuilds the database file from its live rows and empties the
// write-ahead log, so that erased rows leave no bytes behind.
func (d *DB) scrub(ctx context.Context) error {
	if _, err := d.db.ExecContext(ctx, `VACUUM`); err != nil {
		return translate(err)
	}
	_, err := d.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return translate(err)
}

// ListIssuesByAuthor returns a person's named issues, oldest first.
func (d *DB) ListIssuesByAuthor(ctx context.Context, userID string) ([]*forum.Issue, error) {
	if userID == "" {
		return nil, nil
	}
	return queryAll(ctx, d, scanIssue, `SELECT `+issueColumns+` FROM issues WHERE author_id = ? ORDER BY created_at, id`, userID)
}

// ListCommentsByAuthor returns a person's comments, oldest first.
func (d *DB) ListCommentsByAuthor(ctx context.Context, userID string) ([]*forum.Comment, error) {
	if userID == "" {
		return nil, nil
	}
	return queryAll(ctx, d, scanComment, `SELECT `+commentColumns+` FROM comments WHERE author_id = ? ORDER BY created_at, id`, userID)
}

// ListSupportsByKey returns the supports given under a key.
func (d *DB) ListSupportsByKey(ctx context.Context, key string) ([]*forum.Support, error) {
	return queryAll(ctx, d, func(row interface{ Scan(...any) error }) (*forum.Support, error) {
		var s forum.Support
		var at int64
		if err := row.Scan(&s.IssueID, &s.Key, &at); err != nil {
			return nil, translate(err)
		}
		s.At = fromMS(at)
		return &s, nil
	}, `SELECT issue_id, key, at FROM supports WHERE key = ? ORDER BY at, issue_id`, key)
}

// ListFollowsByUser returns the issues a person follows.
func (d *DB) ListFollowsByUser(ctx context.Context, userID string) ([]*forum.Follow, error) {
	return queryAll(ctx, d, func(row interface{ Scan(...any) error }) (*forum.Follow, error) {
		var f forum.Follow
		var at int64
		if err := row.Scan(&f.IssueID, &f.UserID, &at); err != nil {
			return nil, translate(err)
		}
		f.At = fromMS(at)
		return &f, nil
	}, `SELECT issue_id, user_id, at FROM follows WHERE user_id = ? ORDER BY at, issue_id`, userID)
}

// ListReportsByReporter returns a person's reports, newest first.
func (d *DB) ListReportsByReporter(ctx context.Context, userID string) ([]*forum.Report, error) {
	return queryAll(ctx, d, func(row interface{ Scan(...any) error }) (*forum.Report, error) {
		var r forum.Report
		var at int64
		if err := row.Scan(&r.ID, &r.ForumID, &r.IssueID, &r.CommentID, &r.ReporterID, &r.Reason, &r.Detail, &at, &r.Resolved); err != nil {
			return nil, translate(err)
		}
		r.At = fromMS(at)
		return &r, nil
	}, `SELECT id, forum_id, issue_id, comment_id, reporter_id, reason, detail, at, resolved FROM reports WHERE reporter_id = ? ORDER BY at DESC, id`, userID)
}

// ForgetPerson removes a person from the forums for an erasure.
func (d *DB) ForgetPerson(ctx context.Context, userID, formerID, formerName string) error {
	uid, fid := userID, formerID
	return d.inTx(ctx, []stmt{
		{`DELETE FROM members WHERE user_id = ?`, []any{uid}},
		{`DELETE FROM follows WHERE user_id = ?`, []any{uid}},
		{`DELETE FROM notifications WHERE user_id = ?`, []any{uid}},
		{`UPDATE issues SET author_id = ?, author_name = ? WHERE author_id = ?`, []any{fid, formerName, uid}},
		{`UPDATE comments SET author_id = ?, author_name = ? WHERE author_id = ?`, []any{fid, formerName, uid}},
		{`UPDATE events SET actor_id = ? WHERE actor_id = ?`, []any{fid, uid}},
		{`UPDATE supports SET key = ? WHERE key = ?`, []any{"u:" + fid, "u:" + uid}},
		{`UPDATE reports SET reporter_id = ?, detail = '' WHERE reporter_id = ?`, []any{fid, uid}},
		{`UPDATE quotes SET by_id = ? WHERE by_id = ?`, []any{fid, uid}},
		{`UPDATE forums SET safeguarding_lead_id = '' WHERE safeguarding_lead_id = ?`, []any{uid}},
		{`UPDATE forums SET safeguarding_deputy_id = '' WHERE safeguarding_deputy_id = ?`, []any{uid}},
	})
}

// ForgetSeatHolder removes a person from steering groups for an erasure.
func (d *DB) ForgetSeatHolder(ctx context.Context, userID, formerID, formerName string, names []string) error {
	uid, fid := userID, formerID
	stmts := []stmt{
		{`DELETE FROM steering_members WHERE user_id = ?`, []any{uid}},
		{`UPDATE agenda_items SET lead_id = ? WHERE lead_id = ?`, []any{fid, uid}},
		{`UPDATE decisions SET by_id = ? WHERE by_id = ?`, []any{fid, uid}},
		{`UPDATE action_events SET by_id = ? WHERE by_id = ?`, []any{fid, uid}},
		{`UPDATE minutes SET chair_id = ? WHERE chair_id = ?`, []any{fid, uid}},
		{`UPDATE minutes SET parent_rep_id = ? WHERE parent_rep_id = ?`, []any{fid, uid}},
		// Amendments are a JSON list; an ID is a quoted string in it.
		{`UPDATE minutes SET amendments = replace(amendments, ?, ?) WHERE instr(amendments, ?) > 0`, []any{`"` + uid + `"`, `"` + fid + `"`, `"` + uid + `"`}},
		{`UPDATE quiet_supports SET key = ? WHERE key = ?`, []any{"u:" + fid, "u:" + uid}},
	}
	for _, n := range names {
		if n = strings.TrimSpace(n); n != "" {
			stmts = append(stmts, stmt{`UPDATE actions SET owner = ? WHERE lower(trim(owner)) = lower(?)`, []any{formerName, n}})
		}
	}
	return d.inTx(ctx, stmts)
}

// ForgetMail deletes a person's notification preferences and email records.
func (d *DB) ForgetMail(ctx context.Context, userID string) error {
	return d.inTx(ctx, []stmt{
		{`DELETE FROM notice_preferences WHERE user_id = ?`, []any{userID}},
		{`DELETE FROM mail_deliveries WHERE user_id = ?`, []any{userID}},
	})
}

// ScrubLiveEvents empties the stored live events whose data holds any of
// needles (an ID, an email address, a name as a JSON string): each keeps
// its room and number, so resuming clients see no gap, but becomes type
// "erased" with no data. It returns how many it emptied.
func (d *DB) ScrubLiveEvents(ctx context.Context, needles [][]byte) (int, error) {
	total := 0
	for _, n := range needles {
		if len(n) == 0 {
			continue
		}
		res, err := d.db.ExecContext(ctx, `UPDATE realtime_events SET type = 'erased', data = NULL WHERE data IS NOT NULL AND instr(data, ?) > 0`, n)
		if err != nil {
			return total, translate(err)
		}
		k, err := res.RowsAffected()
		if err != nil {
			return total, err
		}
		total += int(k)
	}
	return total, nil
}
