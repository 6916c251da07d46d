// Package mongo is the storage adapter for MongoDB, used when Chorus outgrows
// one machine and several instances share one database. It implements the
// domain packages' Store interfaces with the official driver.
//
// It must be correct on any MongoDB-compatible server, FerretDB 1.x included,
// so it relies only on what all of them do atomically (see ARCHITECTURE.md):
//
//   - Anything many people may do at once is an insert under a unique index:
//     users are unique on email, grants on (user, role, scope kind, scope id),
//     sessions are keyed by the hash of their ID, claims by their key. Of
//     concurrent inserts exactly one wins; the others get ErrConflict.
//   - Counts are derived from inserted documents (failed attempts are
//     documents, counted), never kept with $inc, which FerretDB does not apply
//     atomically.
//   - Audit entries are numbered by inserting under a unique seq index and
//     retrying with the next number on conflict (audit.go).
//   - Realtime events are numbered per room the same way, under a unique
//     (room, seq) index (realtime.go).
//   - A document updated in place (a user's name, a session's last activity)
//     has one writer at a time by nature; last writer wins.
//
// It uses no multi-document transactions, change streams or $text indexes,
// which FerretDB 1.24 lacks. FerretDB 1.24 on PostgreSQL also sorts in memory
// (it pushes only equality filters down, never a sort), so a sorted list
// costs a scan of whatever its filter matches: keep sorted queries to
// bounded sets, filtered by equality. Records keep the domain's random string IDs as
// _id (never ObjectIDs, which embed a creation time). Times are stored as BSON
// dates: UTC, to the millisecond.
package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"chorus/account"
	"chorus/audit"
	"chorus/internal/fault"
)

// DB is an open MongoDB store: one client and one database.
type DB struct {
	client *driver.Client
	db     *driver.Database

	users         *driver.Collection
	grants        *driver.Collection
	organisations *driver.Collection
	sessions      *driver.Collection
	invitations   *driver.Collection
	resets        *driver.Collection
	claims        *driver.Collection
	attempts      *driver.Collection
	audit         *driver.Collection

	// The forum domain (forum.go).
	forums      *driver.Collection
	members     *driver.Collection
	issues      *driver.Collection
	events      *driver.Collection
	followUps   *driver.Collection
	supports    *driver.Collection
	comments    *driver.Collection
	idempotency *driver.Collection

	versions      *driver.Collection
	follows       *driver.Collection
	notifications *driver.Collection
	reports       *driver.Collection
	quotes        *driver.Collection

	// Realtime events (realtime.go) and, per room, the highest sequence
	// number this process has seen taken.
	realtime    *driver.Collection
	realtimeSeq realtimeSeqs

	// auditSeq is the highest audit sequence number this process has seen
	// taken (see audit.go).
	auditSeq seqHint
}

var (
	_ account.Store = (*DB)(nil)
	_ audit.Store   = (*DB)(nil)
)

// Client defaults. A URI option of the same name (w, retryWrites,
// serverSelectionTimeoutMS, connectTimeoutMS, timeoutMS, ...) overrides them.
const (
	// serverSelectionTimeout bounds how long an operation waits for a
	// reachable server before failing with ErrUnavailable.
	serverSelectionTimeout = 10 * time.Second
	// connectTimeout bounds one TCP/TLS connection attempt.
	connectTimeout = 10 * time.Second
	// opTimeout is the backstop for an operation whose context has no
	// deadline; a request's own deadline, when shorter, wins.
	opTimeout = 30 * time.Second
)

// Open connects to the server at uri, checks that it answers and ensures
// every index the store relies on exists in database. Opening the same
// database again (another instance, a restart) is safe: index creation is
// idempotent. It returns ErrUnavailable when the server cannot be reached.
func Open(ctx context.Context, uri, database string) (*DB, error) {
	if database == "" {
		return nil, errors.New("mongo: database name required")
	}
	opts := options.Client().
		SetAppName("chorus").
		// Acknowledged only once a majority of a replica set has it, so an
		// acknowledged write survives a failover; a standalone treats it as w:1.
		SetWriteConcern(writeconcern.Majority()).
		SetRetryWrites(true).
		SetRetryReads(true).
		SetServerSelectionTimeout(serverSelectionTimeout).
		SetConnectTimeout(connectTimeout).
		SetTimeout(opTimeout).
		// Last, so that options written in the URI win over the defaults.
		ApplyURI(uri)
	client, err := driver.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("mongo: connect: %w", err)
	}
	d := newDB(client, database)
	if err := d.Ping(ctx); err != nil {
		return nil, errors.Join(err, d.Close(ctx))
	}
	if err := d.upgrade(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("mongo: upgrade stored documents: %w", err), d.Close(ctx))
	}
	if err := d.ensureIndexes(ctx); err != nil {
		return nil, errors.Join(err, d.Close(ctx))
	}
	return d, nil
}

func newDB(client *driver.Client, database string) *DB {
	db := client.Database(database)
	return &DB{
		client:        client,
		db:            db,
		users:         db.Collection("users"),
		grants:        db.Collection("grants"),
		organisations: db.Collection("organisations"),
		sessions:      db.Collection("sessions"),
		invitations:   db.Collection("invitations"),
		resets:        db.Collection("resets"),
		claims:        db.Collection("claims"),
		attempts:      db.Collection("attempts"),
		audit:         db.Collection("audit"),
		forums:        db.Collection("forums"),
		members:       db.Collection("members"),
		issues:        db.Collection("issues"),
		events:        db.Collection("events"),
		followUps:     db.Collection("follow_ups"),
		supports:      db.Collection("supports"),
		comments:      db.Collection("comments"),
		idempotency:   db.Collection("idempotency"),

		versions:      db.Collection("versions"),
		follows:       db.Collection("follows"),
		notifications: db.Collection("notifications"),
		reports:       db.Collection("reports"),
		quotes:        db.Collection("quotes"),
		realtime:      db.Collection("realtime_events"),
	}
}

// Close disconnects, waiting for operations in flight until ctx is done.
func (d *DB) Close(ctx context.Context) error {
	if err := d.client.Disconnect(ctx); err != nil && !errors.Is(err, driver.ErrClientDisconnected) {
		return fmt.Errorf("mongo: disconnect: %w", err)
	}
	return nil
}

// Ping reports whether the primary answers; ErrUnavailable when it does not.
func (d *DB) Ping(ctx context.Context) error {
	if err := d.client.Ping(ctx, readpref.Primary()); err != nil {
		return fault.ErrUnavailable.Wrap(err)
	}
	return nil
}

// index is one index a collection needs.
type index struct {
	name   string
	keys   bson.D
	unique bool
}

// indexes lists every index by collection. Unique indexes are how the store
// stays correct under concurrency on servers without atomic updates; the
// others serve the queries in account.go, audit.go and forum.go. _id needs none.
// Never change an index under an existing name: give it a new name (the old
// one then has to be dropped by hand or by a later migration step).
var indexes = map[string][]index{
	"users": {
		{name: "email_unique", keys: bson.D{{Key: "email", Value: 1}}, unique: true},
	},
	"grants": {
		{name: "grant_unique", keys: bson.D{{Key: "user_id", Value: 1}, {Key: "role", Value: 1}, {Key: "scope_kind", Value: 1}, {Key: "scope_id", Value: 1}}, unique: true},
		{name: "role", keys: bson.D{{Key: "role", Value: 1}}},
	},
	"sessions": {
		{name: "user", keys: bson.D{{Key: "user_id", Value: 1}}},
	},
	"invitations": {
		{name: "token_hash_unique", keys: bson.D{{Key: "token_hash", Value: 1}}, unique: true},
		{name: "created", keys: bson.D{{Key: "created_at", Value: -1}}},
	},
	"resets": {
		{name: "token_hash_unique", keys: bson.D{{Key: "token_hash", Value: 1}}, unique: true},
	},
	"attempts": {
		{name: "key_at", keys: bson.D{{Key: "key", Value: 1}, {Key: "at", Value: 1}}},
	},
	"audit": {
		{name: "seq_unique", keys: bson.D{{Key: "seq", Value: 1}}, unique: true},
		{name: "scope_seq", keys: bson.D{{Key: "scope", Value: 1}, {Key: "seq", Value: -1}}},
		{name: "subject_seq", keys: bson.D{{Key: "subject", Value: 1}, {Key: "seq", Value: -1}}},
		{name: "forum_seq", keys: bson.D{{Key: "forum", Value: 1}, {Key: "seq", Value: -1}}},
	},
	// The forum domain (forum.go). Forums, issues, follow-ups (by selector),
	// comments, notifications, reports and idempotency records (by key) are
	// unique on _id.
	"members": {
		{name: "member_unique", keys: bson.D{{Key: "forum_id", Value: 1}, {Key: "user_id", Value: 1}}, unique: true},
		{name: "user", keys: bson.D{{Key: "user_id", Value: 1}}},
	},
	"issues": {
		{name: "forum", keys: bson.D{{Key: "forum_id", Value: 1}}},
	},
	"events": {
		{name: "issue_seq_unique", keys: bson.D{{Key: "issue_id", Value: 1}, {Key: "seq", Value: 1}}, unique: true},
		{name: "issue_key_unique", keys: bson.D{{Key: "issue_id", Value: 1}, {Key: "key", Value: 1}}, unique: true},
	},
	"supports": {
		{name: "support_unique", keys: bson.D{{Key: "issue_id", Value: 1}, {Key: "key", Value: 1}}, unique: true},
	},
	"comments": {
		{name: "issue_created", keys: bson.D{{Key: "issue_id", Value: 1}, {Key: "created_at", Value: 1}}},
		{name: "forum_held", keys: bson.D{{Key: "forum_id", Value: 1}, {Key: "held", Value: 1}}},
	},
	"versions": {
		{name: "item_seq_unique", keys: bson.D{{Key: "item_id", Value: 1}, {Key: "seq", Value: 1}}, unique: true},
	},
	"follows": {
		{name: "follow_unique", keys: bson.D{{Key: "issue_id", Value: 1}, {Key: "user_id", Value: 1}}, unique: true},
	},
	"notifications": {
		{name: "user_at", keys: bson.D{{Key: "user_id", Value: 1}, {Key: "at", Value: -1}}},
	},
	"reports": {
		{name: "forum_at", keys: bson.D{{Key: "forum_id", Value: 1}, {Key: "at", Value: -1}}},
		{name: "report_unique", keys: bson.D{{Key: "item_id", Value: 1}, {Key: "reporter_id", Value: 1}}, unique: true},
	},
	"quotes": {
		{name: "issue_at", keys: bson.D{{Key: "issue_id", Value: 1}, {Key: "at", Value: 1}}},
	},
	"realtime_events": {
		{name: "room_seq_unique", keys: bson.D{{Key: "room", Value: 1}, {Key: "seq", Value: 1}}, unique: true},
	},
	// The steering domain (steering.go). Groups, meetings, agenda items,
	// decisions, actions and questions are unique on _id, minutes on their
	// meeting's ID (their _id).
	"steering_members": {
		{name: "member_unique", keys: bson.D{{Key: "group_id", Value: 1}, {Key: "user_id", Value: 1}}, unique: true},
		{name: "user", keys: bson.D{{Key: "user_id", Value: 1}}},
	},
	"meetings": {
		{name: "group_starts", keys: bson.D{{Key: "group_id", Value: 1}, {Key: "starts_at", Value: 1}}},
	},
	"agenda_items": {
		{name: "meeting_order", keys: bson.D{{Key: "meeting_id", Value: 1}, {Key: "ord", Value: 1}}},
	},
	"decisions": {
		{name: "group_at", keys: bson.D{{Key: "group_id", Value: 1}, {Key: "at", Value: 1}}},
	},
	"actions": {
		{name: "group_created", keys: bson.D{{Key: "group_id", Value: 1}, {Key: "created_at", Value: 1}}},
		{name: "issue_ids", keys: bson.D{{Key: "issue_ids", Value: 1}}},
	},
	"action_events": {
		{name: "action_seq_unique", keys: bson.D{{Key: "action_id", Value: 1}, {Key: "seq", Value: 1}}, unique: true},
		{name: "action_key_unique", keys: bson.D{{Key: "action_id", Value: 1}, {Key: "key", Value: 1}}, unique: true},
	},
	"quiet_questions": {
		{name: "meeting_seq_unique", keys: bson.D{{Key: "meeting_id", Value: 1}, {Key: "seq", Value: 1}}, unique: true},
	},
	"quiet_supports": {
		{name: "support_unique", keys: bson.D{{Key: "question_id", Value: 1}, {Key: "key", Value: 1}}, unique: true},
	},
	// Notification preferences (by person) and email records (by their
	// unique key) are unique on _id; these serve the digest and retry sweeps.
	"notice_preferences": {
		{name: "frequency", keys: bson.D{{Key: "frequency", Value: 1}}},
	},
	"mail_deliveries": {
		{name: "unsent", keys: bson.D{{Key: "sent", Value: 1}, {Key: "at", Value: 1}}},
	},
}

// ensureIndexes creates every missing index (and so every collection that has
// one). Creating an index that already exists with the same definition is a
// no-op on MongoDB and FerretDB alike, so every instance does this at start.
// One index per command: FerretDB 1.24 panics (and drops the connection) when
// one createIndexes command names several indexes of which some exist.
func (d *DB) ensureIndexes(ctx context.Context) error {
	for coll, ixs := range indexes {
		for _, ix := range ixs {
			o := options.Index().SetName(ix.name)
			if ix.unique {
				o.SetUnique(true)
			}
			if _, err := d.db.Collection(coll).Indexes().CreateOne(ctx, driver.IndexModel{Keys: ix.keys, Options: o}); err != nil {
				return fmt.Errorf("mongo: create index %s on %s: %w", ix.name, coll, translate(err))
			}
		}
	}
	return nil
}

// translate maps driver errors to domain faults: a missing document is
// ErrNotFound, a taken unique key ErrConflict, a server that cannot be reached
// in time ErrUnavailable. Anything else is returned as it is (an internal
// error at the edge).
func translate(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, driver.ErrNoDocuments):
		return fault.ErrNotFound
	case driver.IsDuplicateKeyError(err):
		return fault.ErrConflict.Wrap(err)
	case unavailable(err):
		return fault.ErrUnavailable.Wrap(err)
	}
	return err
}

// unavailable reports whether err says the server could not be reached or did
// not answer in time, rather than that it refused the operation.
func unavailable(err error) bool {
	var sse topology.ServerSelectionError
	return errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, driver.ErrClientDisconnected) ||
		errors.As(err, &sse) ||
		driver.IsTimeout(err) ||
		driver.IsNetworkError(err)
}

// findOne decodes the single document matching filter into v.
func findOne(ctx context.Context, c *driver.Collection, filter any, v any) error {
	return translate(c.FindOne(ctx, filter).Decode(v))
}

// findAll decodes every document matching filter, in the order opts give,
// into the slice v points to.
func findAll(ctx context.Context, c *driver.Collection, filter any, v any, opts ...options.Lister[options.FindOptions]) error {
	cur, err := c.Find(ctx, filter, opts...)
	if err != nil {
		return translate(err)
	}
	// All closes the cursor and reports decoding errors as well as reading ones.
	return translate(cur.All(ctx, v))
}

// insert inserts one document; ErrConflict when a unique key is taken.
func insert(ctx context.Context, c *driver.Collection, doc any) error {
	_, err := c.InsertOne(ctx, doc)
	return translate(err)
}

// updateOne applies update to the document matching filter; ErrNotFound when
// none matches.
func updateOne(ctx context.Context, c *driver.Collection, filter, update any) error {
	res, err := c.UpdateOne(ctx, filter, update)
	if err != nil {
		return translate(err)
	}
	if res.MatchedCount == 0 {
		return fault.ErrNotFound
	}
	return nil
}

// deleteOne deletes the document matching filter; ErrNotFound when none does.
func deleteOne(ctx context.Context, c *driver.Collection, filter any) error {
	res, err := c.DeleteOne(ctx, filter)
	if err != nil {
		return translate(err)
	}
	if res.DeletedCount == 0 {
		return fault.ErrNotFound
	}
	return nil
}

// deleteMany deletes every document matching filter; none is not an error.
func deleteMany(ctx context.Context, c *driver.Collection, filter any) error {
	_, err := c.DeleteMany(ctx, filter)
	return translate(err)
}

// utc prepares a time for storage. BSON dates hold milliseconds since the
// epoch, so the driver truncates below the millisecond.
func utc(t time.Time) time.Time { return t.UTC() }

// optTime stores an optional time: absent (nil) when zero, so that "not
// revoked" is no field rather than year 1.
func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// fromOpt reads an optional time back; zero when absent.
func fromOpt(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}
