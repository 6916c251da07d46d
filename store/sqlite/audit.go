package sqlite

import (
	"context"
	"strings"

	"chorus/audit"
)

// AppendEntry inserts an audit entry; SQLite's AUTOINCREMENT gives its Seq.
func (d *DB) AppendEntry(ctx context.Context, e *audit.Entry) error {
	err := d.db.QueryRowContext(ctx, `INSERT INTO audit (id, at, actor_id, action, subject, scope, detail) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
		e.ID, ms(e.At), e.ActorID, e.Action, e.Subject, e.Scope, e.Detail).Scan(&e.Seq)
	return translate(err)
}

// ListEntries returns matching entries, newest first.
func (d *DB) ListEntries(ctx context.Context, f audit.Filter) ([]*audit.Entry, error) {
	var where []string
	var args []any
	if f.Scope != "" {
		where, args = append(where, "scope = ?"), append(args, f.Scope)
	}
	if f.Subject != "" {
		where, args = append(where, "subject = ?"), append(args, f.Subject)
	}
	if f.Before > 0 {
		where, args = append(where, "seq < ?"), append(args, f.Before)
	}
	q := `SELECT seq, id, at, actor_id, action, subject, scope, detail FROM audit`
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
		if err := rows.Scan(&e.Seq, &e.ID, &at, &e.ActorID, &e.Action, &e.Subject, &e.Scope, &e.Detail); err != nil {
			return nil, translate(err)
		}
		e.At = fromMS(at)
		out = append(out, &e)
	}
	return out, translate(rows.Err())
}
