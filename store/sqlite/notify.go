package sqlite

import (
	"context"
	"encoding/json"
	"time"

	"chorus/forum"
	"chorus/notify"
)

var _ notify.Store = (*DB)(nil)

// notificationsMigration: notifications may name something besides their
// issue; people have a language for email, preferences (what, how often) and
// a record of each email sent or due, under a unique key so that a digest
// goes out once however many instances sweep; follow-up threads remember the
// last event their holder saw.
const notificationsMigration = `ALTER TABLE notifications ADD COLUMN ref TEXT NOT NULL DEFAULT '';
	ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT '';
	ALTER TABLE follow_ups ADD COLUMN seen_seq INTEGER NOT NULL DEFAULT 0;
	CREATE TABLE notice_preferences (
		user_id TEXT PRIMARY KEY,
		frequency TEXT NOT NULL,
		muted TEXT NOT NULL,
		updated_at INTEGER NOT NULL
	);
	CREATE INDEX notice_preferences_frequency ON notice_preferences (frequency);
	CREATE TABLE mail_deliveries (
		key TEXT PRIMARY KEY,
		user_id TEXT NOT NULL,
		kind TEXT NOT NULL,
		ref TEXT NOT NULL,
		at INTEGER NOT NULL,
		attempts INTEGER NOT NULL,
		sent_at INTEGER NOT NULL,
		error TEXT NOT NULL
	);
	CREATE INDEX mail_deliveries_unsent ON mail_deliveries (sent_at, at);`

// easyReadMigration: a person may want email in Easy Read.
const easyReadMigration = `ALTER TABLE notice_preferences ADD COLUMN easy_read INTEGER NOT NULL DEFAULT 0;`

// MarkNotificationRead marks one of a person's notifications read.
func (d *DB) MarkNotificationRead(ctx context.Context, userID, id string) error {
	return d.execOne(ctx, `UPDATE notifications SET read = 1 WHERE id = ? AND user_id = ?`, id, userID)
}

// SetFollowUpSeen records the last event a follow-up code's holder saw.
func (d *DB) SetFollowUpSeen(ctx context.Context, selector string, seq int64) error {
	return d.execOne(ctx, `UPDATE follow_ups SET seen_seq = ? WHERE selector = ?`, seq, selector)
}

// FindPreferences returns a person's notification preferences.
func (d *DB) FindPreferences(ctx context.Context, userID string) (*notify.Preferences, error) {
	return scanPreferences(d.db.QueryRowContext(ctx, `SELECT `+preferenceColumns+` FROM notice_preferences WHERE user_id = ?`, userID))
}

const preferenceColumns = `user_id, frequency, muted, easy_read, updated_at`

func scanPreferences(row interface{ Scan(...any) error }) (*notify.Preferences, error) {
	var p notify.Preferences
	var muted string
	var at int64
	if err := row.Scan(&p.UserID, &p.Frequency, &muted, &p.EasyRead, &at); err != nil {
		return nil, translate(err)
	}
	if err := json.Unmarshal([]byte(muted), &p.Muted); err != nil {
		return nil, err
	}
	p.UpdatedAt = fromMS(at)
	return &p, nil
}

// SavePreferences inserts or replaces a person's preferences.
func (d *DB) SavePreferences(ctx context.Context, p *notify.Preferences) error {
	muted, err := json.Marshal(orEmpty(p.Muted))
	if err != nil {
		return err
	}
	_, err = d.db.ExecContext(ctx, `INSERT INTO notice_preferences (`+preferenceColumns+`) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET frequency = excluded.frequency, muted = excluded.muted, easy_read = excluded.easy_read,
		updated_at = excluded.updated_at`,
		p.UserID, p.Frequency, string(muted), p.EasyRead, ms(p.UpdatedAt))
	return translate(err)
}

func orEmpty(k []forum.NoticeKind) []forum.NoticeKind {
	if k == nil {
		return []forum.NoticeKind{}
	}
	return k
}

// ListPreferencesByFrequency returns the preferences of everyone with a
// frequency, by user ID.
func (d *DB) ListPreferencesByFrequency(ctx context.Context, f notify.Frequency) ([]*notify.Preferences, error) {
	return queryAll(ctx, d, scanPreferences, `SELECT `+preferenceColumns+` FROM notice_preferences WHERE frequency = ? ORDER BY user_id`, f)
}

const deliveryColumns = `key, user_id, kind, ref, at, attempts, sent_at, error`

func scanDelivery(row interface{ Scan(...any) error }) (*notify.Delivery, error) {
	var x notify.Delivery
	var at, sent int64
	if err := row.Scan(&x.Key, &x.UserID, &x.Kind, &x.Ref, &at, &x.Attempts, &sent, &x.Error); err != nil {
		return nil, translate(err)
	}
	x.At = fromMS(at)
	x.SentAt = fromMS(sent)
	return &x, nil
}

// AddDelivery inserts an email record; ErrConflict when its key is taken.
func (d *DB) AddDelivery(ctx context.Context, x *notify.Delivery) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO mail_deliveries (`+deliveryColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		x.Key, x.UserID, x.Kind, x.Ref, ms(x.At), x.Attempts, ms(x.SentAt), x.Error)
	return translate(err)
}

// FindDelivery returns an email record.
func (d *DB) FindDelivery(ctx context.Context, key string) (*notify.Delivery, error) {
	return scanDelivery(d.db.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM mail_deliveries WHERE key = ?`, key))
}

// UpdateDelivery records an email's attempts, sending time and last error.
func (d *DB) UpdateDelivery(ctx context.Context, x *notify.Delivery) error {
	return d.execOne(ctx, `UPDATE mail_deliveries SET attempts = ?, sent_at = ?, error = ? WHERE key = ?`,
		x.Attempts, ms(x.SentAt), x.Error, x.Key)
}

// ListUnsent returns emails not yet sent, recorded before a time and tried
// fewer than max times, oldest first.
func (d *DB) ListUnsent(ctx context.Context, before time.Time, maxAttempts int) ([]*notify.Delivery, error) {
	return queryAll(ctx, d, scanDelivery, `SELECT `+deliveryColumns+` FROM mail_deliveries WHERE sent_at = 0 AND at < ? AND attempts < ? ORDER BY at LIMIT 100`,
		ms(before), maxAttempts)
}

// ListUndelivered returns every unsent email record, newest first.
func (d *DB) ListUndelivered(ctx context.Context, limit int) ([]*notify.Delivery, error) {
	return queryAll(ctx, d, scanDelivery, `SELECT `+deliveryColumns+` FROM mail_deliveries WHERE sent_at = 0 ORDER BY at DESC, key LIMIT ?`, limit)
}

const notificationColumns = `id, user_id, issue_id, title, kind, status, at, read, note, ref`

func scanNotification(row interface{ Scan(...any) error }) (*forum.Notification, error) {
	var n forum.Notification
	var at int64
	if err := row.Scan(&n.ID, &n.UserID, &n.IssueID, &n.Title, &n.Kind, &n.Status, &at, &n.Read, &n.Note, &n.Ref); err != nil {
		return nil, translate(err)
	}
	n.At = fromMS(at)
	return &n, nil
}

// FindNotification returns one of a person's notifications.
func (d *DB) FindNotification(ctx context.Context, userID, id string) (*forum.Notification, error) {
	return scanNotification(d.db.QueryRowContext(ctx, `SELECT `+notificationColumns+` FROM notifications WHERE id = ? AND user_id = ?`, id, userID))
}

// ListUnreadSince returns a person's unread notifications after a cursor
// and before a time, oldest first.
func (d *DB) ListUnreadSince(ctx context.Context, userID string, after notify.Cursor, before time.Time, limit int) ([]*forum.Notification, error) {
	return queryAll(ctx, d, scanNotification, `SELECT `+notificationColumns+` FROM notifications
		WHERE user_id = ? AND read = 0 AND (at > ? OR (at = ? AND id > ?)) AND at < ? ORDER BY at, id LIMIT ?`,
		userID, ms(after.At), ms(after.At), after.ID, ms(before), limit)
}
