package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"chorus/forum"
)

// Retention: the store's part of removing what the retention periods say
// is no longer kept (see retention.go at the root and forum/retention.go).

// ClosedFollowUpIssues returns the issues with a working follow-up code
// whose status is one of statuses.
func (d *DB) ClosedFollowUpIssues(ctx context.Context, statuses []forum.Status) ([]string, error) {
	if len(statuses) == 0 {
		return nil, nil
	}
	args := make([]any, len(statuses))
	for i, s := range statuses {
		args[i] = string(s)
	}
	rows, err := d.db.QueryContext(ctx, `SELECT DISTINCT f.issue_id FROM follow_ups f JOIN issues i ON i.id = f.issue_id
		WHERE f.secret_hash != '' AND i.status IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", ")+`) ORDER BY f.issue_id`, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, translate(err)
		}
		out = append(out, id)
	}
	return out, translate(rows.Err())
}

// ExpireFollowUps stops an issue's follow-up codes working and empties its
// private events' text of the given kinds, in one transaction.
func (d *DB) ExpireFollowUps(ctx context.Context, issueID string, kinds []forum.EventKind) (codes, texts int, err error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, translate(err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE follow_ups SET secret_hash = '', issue_id = '' WHERE issue_id = ? AND secret_hash != ''`, issueID)
	if err != nil {
		return 0, 0, translate(err)
	}
	codes = affected(res)
	if len(kinds) > 0 {
		args := []any{issueID}
		for _, k := range kinds {
			args = append(args, string(k))
		}
		res, err = tx.ExecContext(ctx, `UPDATE events SET note = '' WHERE issue_id = ? AND private = 1 AND note != '' AND kind IN (`+
			strings.TrimSuffix(strings.Repeat("?, ", len(kinds)), ", ")+`)`, args...)
		if err != nil {
			return 0, 0, translate(err)
		}
		texts = affected(res)
	}
	return codes, texts, translate(tx.Commit())
}

// DeleteReadNotifications removes read notifications made before t.
func (d *DB) DeleteReadNotifications(ctx context.Context, before time.Time) (int, error) {
	res, err := d.db.ExecContext(ctx, `DELETE FROM notifications WHERE read = 1 AND at < ?`, ms(before))
	if err != nil {
		return 0, translate(err)
	}
	return affected(res), nil
}

// DeleteAuditBefore removes audit entries recorded before t.
func (d *DB) DeleteAuditBefore(ctx context.Context, before time.Time) (int, error) {
	res, err := d.db.ExecContext(ctx, `DELETE FROM audit WHERE at < ?`, ms(before))
	if err != nil {
		return 0, translate(err)
	}
	return affected(res), nil
}

func affected(res sql.Result) int {
	n, _ := res.RowsAffected()
	return int(n)
}
