package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"chorus/forum"
	"chorus/notify"
)

var _ notify.Store = (*DB)(nil)

// Notification preferences and email records (the notify domain).
func (d *DB) preferences() *driver.Collection { return d.db.Collection("notice_preferences") }
func (d *DB) deliveries() *driver.Collection  { return d.db.Collection("mail_deliveries") }

// MarkNotificationRead marks one of a person's notifications read (its one
// writer is that person).
func (d *DB) MarkNotificationRead(ctx context.Context, userID, id string) error {
	return updateOne(ctx, d.notifications, bson.D{{Key: "_id", Value: id}, {Key: "user_id", Value: userID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "read", Value: true}}}})
}

// SetFollowUpSeen records the last event a follow-up code's holder saw; the
// holder is its one writer.
func (d *DB) SetFollowUpSeen(ctx context.Context, selector string, seq int64) error {
	return updateOne(ctx, d.followUps, bson.D{{Key: "_id", Value: selector}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "seen_seq", Value: seq}}}})
}

// preferencesDoc is one person's preferences, keyed by their ID and
// replaced whole by its one writer (the person, or their unsubscribe link).
type preferencesDoc struct {
	UserID    string    `bson:"_id"`
	Frequency string    `bson:"frequency"`
	Muted     []string  `bson:"muted"`
	EasyRead  bool      `bson:"easy_read"`
	UpdatedAt time.Time `bson:"updated_at"`
}

func (p *preferencesDoc) preferences() *notify.Preferences {
	out := &notify.Preferences{UserID: p.UserID, Frequency: notify.Frequency(p.Frequency), EasyRead: p.EasyRead, UpdatedAt: p.UpdatedAt.UTC()}
	for _, k := range p.Muted {
		out.Muted = append(out.Muted, forum.NoticeKind(k))
	}
	return out
}

// FindPreferences returns a person's notification preferences.
func (d *DB) FindPreferences(ctx context.Context, userID string) (*notify.Preferences, error) {
	var doc preferencesDoc
	if err := findOne(ctx, d.preferences(), bson.D{{Key: "_id", Value: userID}}, &doc); err != nil {
		return nil, err
	}
	return doc.preferences(), nil
}

// SavePreferences inserts or replaces a person's preferences.
func (d *DB) SavePreferences(ctx context.Context, p *notify.Preferences) error {
	doc := preferencesDoc{UserID: p.UserID, Frequency: string(p.Frequency), Muted: []string{}, EasyRead: p.EasyRead, UpdatedAt: utc(p.UpdatedAt)}
	for _, k := range p.Muted {
		doc.Muted = append(doc.Muted, string(k))
	}
	_, err := d.preferences().ReplaceOne(ctx, bson.D{{Key: "_id", Value: p.UserID}}, doc, options.Replace().SetUpsert(true))
	return translate(err)
}

// ListPreferencesByFrequency returns the preferences of everyone with a
// frequency, by user ID.
func (d *DB) ListPreferencesByFrequency(ctx context.Context, f notify.Frequency) ([]*notify.Preferences, error) {
	var docs []preferencesDoc
	if err := findAll(ctx, d.preferences(), bson.D{{Key: "frequency", Value: string(f)}}, &docs,
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}})); err != nil {
		return nil, err
	}
	out := make([]*notify.Preferences, len(docs))
	for i := range docs {
		out[i] = docs[i].preferences()
	}
	return out, nil
}

// deliveryDoc is one email due or sent, keyed by its unique key: inserting
// it is how one instance, once, takes the email on.
type deliveryDoc struct {
	Key      string     `bson:"_id"`
	UserID   string     `bson:"user_id"`
	Kind     string     `bson:"kind"`
	Ref      string     `bson:"ref"`
	At       time.Time  `bson:"at"`
	Attempts int        `bson:"attempts"`
	Sent     bool       `bson:"sent"`
	SentAt   *time.Time `bson:"sent_at,omitempty"`
	Error    string     `bson:"error"`
}

func (x *deliveryDoc) delivery() *notify.Delivery {
	return &notify.Delivery{Key: x.Key, UserID: x.UserID, Kind: notify.DeliveryKind(x.Kind), Ref: x.Ref, At: x.At.UTC(),
		Attempts: x.Attempts, SentAt: fromOpt(x.SentAt), Error: x.Error}
}

// AddDelivery inserts an email record; ErrConflict when its key is taken.
func (d *DB) AddDelivery(ctx context.Context, x *notify.Delivery) error {
	return insert(ctx, d.deliveries(), deliveryDoc{Key: x.Key, UserID: x.UserID, Kind: string(x.Kind), Ref: x.Ref, At: utc(x.At),
		Attempts: x.Attempts, Sent: !x.SentAt.IsZero(), SentAt: optTime(x.SentAt), Error: x.Error})
}

// FindDelivery returns an email record.
func (d *DB) FindDelivery(ctx context.Context, key string) (*notify.Delivery, error) {
	var doc deliveryDoc
	if err := findOne(ctx, d.deliveries(), bson.D{{Key: "_id", Value: key}}, &doc); err != nil {
		return nil, err
	}
	return doc.delivery(), nil
}

// UpdateDelivery records an email's attempts, sending time and last error.
// Its one writer is the instance whose claim won the attempt.
func (d *DB) UpdateDelivery(ctx context.Context, x *notify.Delivery) error {
	set := bson.D{{Key: "attempts", Value: x.Attempts}, {Key: "sent", Value: !x.SentAt.IsZero()}, {Key: "error", Value: x.Error}}
	if !x.SentAt.IsZero() {
		set = append(set, bson.E{Key: "sent_at", Value: utc(x.SentAt)})
	}
	return updateOne(ctx, d.deliveries(), bson.D{{Key: "_id", Value: x.Key}}, bson.D{{Key: "$set", Value: set}})
}

// ListUnsent returns emails not yet sent, recorded before a time and tried
// fewer than max times, oldest first.
func (d *DB) ListUnsent(ctx context.Context, before time.Time, maxAttempts int) ([]*notify.Delivery, error) {
	var docs []deliveryDoc
	filter := bson.D{{Key: "sent", Value: false}, {Key: "at", Value: bson.D{{Key: "$lt", Value: utc(before)}}},
		{Key: "attempts", Value: bson.D{{Key: "$lt", Value: maxAttempts}}}}
	if err := findAll(ctx, d.deliveries(), filter, &docs, options.Find().SetSort(bson.D{{Key: "at", Value: 1}}).SetLimit(100)); err != nil {
		return nil, err
	}
	out := make([]*notify.Delivery, len(docs))
	for i := range docs {
		out[i] = docs[i].delivery()
	}
	return out, nil
}

// ListUndelivered returns every unsent email record, newest first.
func (d *DB) ListUndelivered(ctx context.Context, limit int) ([]*notify.Delivery, error) {
	var docs []deliveryDoc
	if err := findAll(ctx, d.deliveries(), bson.D{{Key: "sent", Value: false}}, &docs,
		options.Find().SetSort(bson.D{{Key: "at", Value: -1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit))); err != nil {
		return nil, err
	}
	out := make([]*notify.Delivery, len(docs))
	for i := range docs {
		out[i] = docs[i].delivery()
	}
	return out, nil
}

func (doc *notificationDoc) notification() *forum.Notification {
	return &forum.Notification{ID: doc.ID, UserID: doc.UserID, IssueID: doc.IssueID, Title: doc.Title,
		Kind: forum.NoticeKind(doc.Kind), Status: forum.Status(doc.Status), Note: doc.Note, Ref: doc.Ref, At: doc.At.UTC(), Read: doc.Read}
}

// FindNotification returns one of a person's notifications.
func (d *DB) FindNotification(ctx context.Context, userID, id string) (*forum.Notification, error) {
	var doc notificationDoc
	if err := findOne(ctx, d.notifications, bson.D{{Key: "_id", Value: id}, {Key: "user_id", Value: userID}}, &doc); err != nil {
		return nil, err
	}
	return doc.notification(), nil
}

// ListUnreadSince returns a person's unread notifications after a cursor
// and before a time, oldest first (ties by ID, as in the SQLite adapter).
func (d *DB) ListUnreadSince(ctx context.Context, userID string, after notify.Cursor, before time.Time, limit int) ([]*forum.Notification, error) {
	from := utc(after.At)
	filter := bson.D{{Key: "user_id", Value: userID}, {Key: "read", Value: false},
		{Key: "at", Value: bson.D{{Key: "$gte", Value: from}, {Key: "$lt", Value: utc(before)}}},
		{Key: "$or", Value: bson.A{
			bson.D{{Key: "at", Value: bson.D{{Key: "$gt", Value: from}}}},
			bson.D{{Key: "at", Value: from}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: after.ID}}}},
		}}}
	var docs []notificationDoc
	if err := findAll(ctx, d.notifications, filter, &docs,
		options.Find().SetSort(bson.D{{Key: "at", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit))); err != nil {
		return nil, err
	}
	out := make([]*forum.Notification, len(docs))
	for i := range docs {
		out[i] = docs[i].notification()
	}
	return out, nil
}
