package sqlite

import (
	"context"
	"fmt"
)

// migrations are applied in order, each once, each in its own transaction.
// Never edit a migration that has shipped: append a new one.
var migrations = []string{
	// 1: accounts and the audit trail.
	`CREATE TABLE users (
		id TEXT PRIMARY KEY,
		email TEXT NOT NULL UNIQUE,
		name TEXT NOT NULL,
		password_hash TEXT NOT NULL,
		totp_secret TEXT NOT NULL DEFAULT '',
		disabled INTEGER NOT NULL DEFAULT 0,
		created_at INTEGER NOT NULL
	);
	CREATE TABLE grants (
		user_id TEXT NOT NULL,
		role TEXT NOT NULL,
		scope_kind TEXT NOT NULL,
		scope_id TEXT NOT NULL,
		created_at INTEGER NOT NULL,
		PRIMARY KEY (user_id, role, scope_kind, scope_id)
	);
	CREATE INDEX grants_role ON grants (role);
	CREATE TABLE organisations (
		id TEXT PRIMARY KEY,
		name TEXT NOT NULL,
		created_at INTEGER NOT NULL
	);
	CREATE TABLE sessions (
		id_hash TEXT PRIMARY KEY,
		user_id TEXT NOT NULL,
		created_at INTEGER NOT NULL,
		last_seen_at INTEGER NOT NULL
	);
	CREATE INDEX sessions_user ON sessions (user_id);
	CREATE TABLE invitations (
		id TEXT PRIMARY KEY,
		token_hash TEXT NOT NULL UNIQUE,
		role TEXT NOT NULL,
		scope_kind TEXT NOT NULL,
		scope_id TEXT NOT NULL,
		note TEXT NOT NULL,
		created_by TEXT NOT NULL,
		created_at INTEGER NOT NULL,
		expires_at INTEGER NOT NULL,
		revoked_at INTEGER NOT NULL DEFAULT 0
	);
	CREATE TABLE resets (
		id TEXT PRIMARY KEY,
		token_hash TEXT NOT NULL UNIQUE,
		user_id TEXT NOT NULL,
		created_by TEXT NOT NULL,
		created_at INTEGER NOT NULL,
		expires_at INTEGER NOT NULL
	);
	CREATE TABLE claims (
		key TEXT PRIMARY KEY,
		claimed_by TEXT NOT NULL,
		claimed_at INTEGER NOT NULL
	);
	CREATE TABLE attempts (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		key TEXT NOT NULL,
		at INTEGER NOT NULL
	);
	CREATE INDEX attempts_key ON attempts (key, at);
	CREATE TABLE audit (
		seq INTEGER PRIMARY KEY AUTOINCREMENT,
		id TEXT NOT NULL UNIQUE,
		at INTEGER NOT NULL,
		actor_id TEXT NOT NULL,
		action TEXT NOT NULL,
		subject TEXT NOT NULL,
		scope TEXT NOT NULL,
		detail TEXT NOT NULL
	);
	CREATE INDEX audit_scope ON audit (scope, seq);
	CREATE INDEX audit_subject ON audit (subject, seq);`,

	// 2: forums, issues and what families do with them. Lists (languages,
	// themes) are stored as JSON arrays.
	`CREATE TABLE forums (
		id TEXT PRIMARY KEY,
		org_id TEXT NOT NULL,
		name TEXT NOT NULL,
		area TEXT NOT NULL,
		description TEXT NOT NULL,
		languages TEXT NOT NULL,
		pre_moderate INTEGER NOT NULL,
		allow_anonymous INTEGER NOT NULL,
		visitor_support INTEGER NOT NULL,
		open_join INTEGER NOT NULL,
		response_target_days INTEGER NOT NULL,
		safeguarding_lead_id TEXT NOT NULL,
		themes TEXT NOT NULL,
		created_at INTEGER NOT NULL
	);
	CREATE TABLE members (
		forum_id TEXT NOT NULL,
		user_id TEXT NOT NULL,
		display_name TEXT NOT NULL,
		role TEXT NOT NULL,
		joined_at INTEGER NOT NULL,
		PRIMARY KEY (forum_id, user_id)
	);
	CREATE INDEX members_user ON members (user_id);
	CREATE TABLE issues (
		id TEXT PRIMARY KEY,
		forum_id TEXT NOT NULL,
		title TEXT NOT NULL,
		body TEXT NOT NULL,
		lang TEXT NOT NULL,
		author_id TEXT NOT NULL,
		author_name TEXT NOT NULL,
		anonymous INTEGER NOT NULL,
		themes TEXT NOT NULL,
		created_at INTEGER NOT NULL,
		status TEXT NOT NULL,
		status_seq INTEGER NOT NULL DEFAULT 0
	);
	CREATE INDEX issues_forum ON issues (forum_id, created_at);
	CREATE TABLE events (
		issue_id TEXT NOT NULL,
		seq INTEGER NOT NULL,
		kind TEXT NOT NULL,
		status TEXT NOT NULL,
		actor TEXT NOT NULL,
		actor_id TEXT NOT NULL,
		note TEXT NOT NULL,
		private INTEGER NOT NULL,
		at INTEGER NOT NULL,
		PRIMARY KEY (issue_id, seq)
	);
	CREATE TABLE follow_ups (
		selector TEXT PRIMARY KEY,
		secret_hash TEXT NOT NULL,
		issue_id TEXT NOT NULL,
		created_at INTEGER NOT NULL
	);
	CREATE TABLE supports (
		issue_id TEXT NOT NULL,
		key TEXT NOT NULL,
		at INTEGER NOT NULL,
		PRIMARY KEY (issue_id, key)
	);
	CREATE TABLE comments (
		id TEXT PRIMARY KEY,
		issue_id TEXT NOT NULL,
		author_id TEXT NOT NULL,
		author_name TEXT NOT NULL,
		body TEXT NOT NULL,
		created_at INTEGER NOT NULL
	);
	CREATE INDEX comments_issue ON comments (issue_id, created_at);
	CREATE TABLE idempotency (
		key TEXT PRIMARY KEY,
		result TEXT NOT NULL,
		at INTEGER NOT NULL
	);`,

	// 3: comment edits, follows, notifications and reports.
	`ALTER TABLE comments ADD COLUMN edited_at INTEGER NOT NULL DEFAULT 0;
	CREATE TABLE comment_versions (
		comment_id TEXT NOT NULL,
		seq INTEGER NOT NULL,
		body TEXT NOT NULL,
		at INTEGER NOT NULL,
		PRIMARY KEY (comment_id, seq)
	);
	CREATE TABLE follows (
		issue_id TEXT NOT NULL,
		user_id TEXT NOT NULL,
		at INTEGER NOT NULL,
		PRIMARY KEY (issue_id, user_id)
	);
	CREATE TABLE notifications (
		id TEXT PRIMARY KEY,
		user_id TEXT NOT NULL,
		issue_id TEXT NOT NULL,
		title TEXT NOT NULL,
		kind TEXT NOT NULL,
		status TEXT NOT NULL,
		at INTEGER NOT NULL,
		read INTEGER NOT NULL DEFAULT 0
	);
	CREATE INDEX notifications_user ON notifications (user_id, at);
	CREATE TABLE reports (
		id TEXT PRIMARY KEY,
		forum_id TEXT NOT NULL,
		issue_id TEXT NOT NULL,
		comment_id TEXT NOT NULL,
		reporter_id TEXT NOT NULL,
		reason TEXT NOT NULL,
		at INTEGER NOT NULL
	);
	CREATE INDEX reports_forum ON reports (forum_id, at);`,
	// Realtime: each room's events, numbered from 1 under a unique (room, seq) key.
	`CREATE TABLE realtime_events (
		room TEXT NOT NULL,
		seq INTEGER NOT NULL,
		type TEXT NOT NULL,
		data BLOB,
		PRIMARY KEY (room, seq)
	) WITHOUT ROWID;`,
	// 5: the audit trail names the forum, the reason and, where content
	// changed, what it was before and after.
	`ALTER TABLE audit ADD COLUMN forum TEXT NOT NULL DEFAULT '';
	ALTER TABLE audit ADD COLUMN reason TEXT NOT NULL DEFAULT '';
	ALTER TABLE audit ADD COLUMN before TEXT NOT NULL DEFAULT '';
	ALTER TABLE audit ADD COLUMN after TEXT NOT NULL DEFAULT '';
	CREATE INDEX audit_forum ON audit (forum, seq);`,
	// 6: moderation. Forums' moderation settings; issues and comments carry
	// what facilitators did (held, hidden, edited); comments know their
	// forum for the queue; one versions table keeps earlier texts of issues
	// and comments; reports get a reason from the short list, the
	// reporter's words, and one report per member per item.
	`ALTER TABLE forums ADD COLUMN pre_moderate_anonymous INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE forums ADD COLUMN report_threshold INTEGER NOT NULL DEFAULT 3;
	ALTER TABLE forums ADD COLUMN safeguarding_deputy_id TEXT NOT NULL DEFAULT '';
	ALTER TABLE forums ADD COLUMN escalate_hours INTEGER NOT NULL DEFAULT 24;
	ALTER TABLE forums ADD COLUMN risk_terms TEXT NOT NULL DEFAULT '[]';
	ALTER TABLE issues ADD COLUMN on_behalf INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE issues ADD COLUMN held TEXT NOT NULL DEFAULT '';
	ALTER TABLE issues ADD COLUMN held_at INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE issues ADD COLUMN hidden TEXT NOT NULL DEFAULT '';
	ALTER TABLE issues ADD COLUMN edit_note TEXT NOT NULL DEFAULT '';
	ALTER TABLE issues ADD COLUMN erased TEXT NOT NULL DEFAULT '';
	CREATE INDEX issues_held ON issues (forum_id, held_at) WHERE held != '';
	ALTER TABLE comments ADD COLUMN forum_id TEXT NOT NULL DEFAULT '';
	UPDATE comments SET forum_id = COALESCE((SELECT forum_id FROM issues WHERE issues.id = comments.issue_id), '');
	ALTER TABLE comments ADD COLUMN held TEXT NOT NULL DEFAULT '';
	ALTER TABLE comments ADD COLUMN held_at INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE comments ADD COLUMN hidden TEXT NOT NULL DEFAULT '';
	ALTER TABLE comments ADD COLUMN edit_note TEXT NOT NULL DEFAULT '';
	ALTER TABLE comments ADD COLUMN erased TEXT NOT NULL DEFAULT '';
	CREATE INDEX comments_held ON comments (forum_id, held_at) WHERE held != '';
	ALTER TABLE events ADD COLUMN ref TEXT NOT NULL DEFAULT '';
	ALTER TABLE events ADD COLUMN key TEXT NOT NULL DEFAULT '';
	CREATE UNIQUE INDEX events_key ON events (issue_id, key) WHERE key != '';
	ALTER TABLE notifications ADD COLUMN note TEXT NOT NULL DEFAULT '';
	CREATE TABLE versions (
		item_id TEXT NOT NULL,
		seq INTEGER NOT NULL,
		title TEXT NOT NULL,
		body TEXT NOT NULL,
		at INTEGER NOT NULL,
		PRIMARY KEY (item_id, seq)
	);
	INSERT INTO versions (item_id, seq, title, body, at) SELECT comment_id, seq, '', body, at FROM comment_versions;
	DROP TABLE comment_versions;
	ALTER TABLE reports ADD COLUMN item_id TEXT NOT NULL DEFAULT '';
	ALTER TABLE reports ADD COLUMN detail TEXT NOT NULL DEFAULT '';
	ALTER TABLE reports ADD COLUMN resolved INTEGER NOT NULL DEFAULT 0;
	UPDATE reports SET item_id = CASE WHEN comment_id != '' THEN comment_id ELSE issue_id END, detail = reason, reason = 'other';
	DELETE FROM reports WHERE rowid NOT IN (SELECT MIN(rowid) FROM reports GROUP BY item_id, reporter_id);
	CREATE UNIQUE INDEX reports_item_reporter ON reports (item_id, reporter_id);
	CREATE INDEX reports_open ON reports (forum_id, resolved, at);
	CREATE TABLE quotes (
		id TEXT PRIMARY KEY,
		issue_id TEXT NOT NULL,
		forum_id TEXT NOT NULL,
		text TEXT NOT NULL,
		by_id TEXT NOT NULL,
		at INTEGER NOT NULL
	);
	CREATE INDEX quotes_issue ON quotes (issue_id, at);`,
	// 7: each issue's support count, kept by triggers in the transaction
	// that adds or removes the support, so reading the live count after a
	// support is one row, not a recount of them all.
	`CREATE TABLE support_counts (
		issue_id TEXT PRIMARY KEY,
		n INTEGER NOT NULL
	) WITHOUT ROWID;
	INSERT INTO support_counts (issue_id, n) SELECT issue_id, COUNT(*) FROM supports GROUP BY issue_id;
	CREATE TRIGGER supports_counted AFTER INSERT ON supports BEGIN
		INSERT INTO support_counts (issue_id, n) VALUES (NEW.issue_id, 1)
			ON CONFLICT (issue_id) DO UPDATE SET n = n + 1;
	END;
	CREATE TRIGGER supports_uncounted AFTER DELETE ON supports BEGIN
		UPDATE support_counts SET n = n - 1 WHERE issue_id = OLD.issue_id;
	END;
	CREATE TRIGGER supports_moved AFTER UPDATE OF issue_id ON supports WHEN NEW.issue_id <> OLD.issue_id BEGIN
		UPDATE support_counts SET n = n - 1 WHERE issue_id = OLD.issue_id;
		INSERT INTO support_counts (issue_id, n) VALUES (NEW.issue_id, 1)
			ON CONFLICT (issue_id) DO UPDATE SET n = n + 1;
	END;`,
	// 8: steering groups, meetings, agendas, decisions, actions and their
	// histories, the quiet voice and minutes (steering.go).
	steeringMigration,
	// 9: the notification centre, email preferences and records, follow-up visits (notify.go).
	notificationsMigration,
	// 10: email in Easy Read (notify.go).
	easyReadMigration,
	// 11: erasure requests, and reading what a person wrote by author (erasure.go).
	erasureMigration,
}

// migrate brings the schema up to date: it applies, in order, every
// migration the database has not recorded.
func (d *DB) migrate(ctx context.Context) error {
	if _, err := d.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	rows, err := d.db.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	done := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("read schema version: %w", err)
		}
		done[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	for v := 1; v <= len(migrations); v++ {
		if done[v] {
			continue
		}
		tx, err := d.db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migration %d: %w", v, err)
		}
		if _, err := tx.ExecContext(ctx, migrations[v-1]); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", v, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version) VALUES (?)`, v); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", v, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %d: %w", v, err)
		}
	}
	return nil
}
