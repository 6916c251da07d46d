package sqlite

import (
	"context"
	"strings"
	"unicode/utf8"

	"chorus/audit"
)

// auditColumns are the audit table's columns in the order scanEntry reads
// them. "before" and "after" are SQL keywords, hence the quotes.
const auditColumns = `seq, id, at, actor_id, action, subject, scope, detail, forum, reason, "before", "after"`

// AppendEntry inserts an audit entry; SQLite's AUTOINCREMENT gives its Seq,
// and writes are serialised, so concurrent appends get distinct numbers.
func (d *DB) AppendEntry(ctx context.Context, e *audit.Entry) error {
	err := d.db.QueryRowContext(ctx, `INSERT INTO audit (id, at, actor_id, action, subject, scope, detail, forum, reason, "before", "after")
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
		e.ID, ms(e.At), e.ActorID, e.Action, e.Subject, e.Scope, e.Detail, e.Forum, e.Reason, e.Before, e.After).Scan(&e.Seq)
	return translate(err)
}

// ListEntries returns matching entries, newest first.
func (d *DB) ListEntries(ctx context.Context, f audit.Filter) ([]*audit.Entry, error) {
	var where []string
	var args []any
	eq := func(column, v string) {
		if v != "" {
			where, args = append(where, column+" = ?"), append(args, v)
		}
	}
	eq("scope", f.Scope)
	eq("subject", f.Subject)
	eq("forum", f.Forum)
	eq("actor_id", f.ActorID)
	if f.Action != "" {
		// substr rather than LIKE: no wildcards to escape, no case folding.
		// SQLite counts text in characters.
		where, args = append(where, "substr(action, 1, ?) = ?"), append(args, utf8.RuneCountInString(f.Action), f.Action)
	}
	if !f.From.IsZero() {
		where, args = append(where, "at >= ?"), append(args, ms(f.From))
	}
	if !f.To.IsZero() {
		where, args = append(where, "at < ?"), append(args, ms(f.To))
	}
	if f.Before > 0 {
		where, args = append(where, "seq < ?"), append(args, f.Before)
	}
	q := `SELECT ` + auditColumns + ` FROM audit`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q += " ORDER BY seq DESC LIMIT ?"
	args = append(args, limit)
	rows, err := d.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []*audit.Entry
	for rows.Next() {
		var e audit.Entry
		var at int64
		if err := rows.Scan(&e.Seq, &e.ID, &at, &e.ActorID, &e.Action, &e.Subject, &e.Scope, &e.Detail, &e.Forum, &e.Reason, &e.Before, &e.After); err != nil {
			return nil, translate(err)
		}
		e.At = fromMS(at)
		out = append(out, &e)
	}
	return out, translate(rows.Err())
}

// RedactContent empties the content of every entry about subject.
func (d *DB) RedactContent(ctx context.Context, subject string) error {
	_, err := d.db.ExecContext(ctx, `UPDATE audit SET "before" = '', "after" = '' WHERE subject = ?`, subject)
	return translate(err)
}
