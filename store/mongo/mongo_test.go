package mongo_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"chorus/audit"
	"chorus/internal/fault"
	"chorus/internal/secret"
	"chorus/internal/testenv/mongotest"
	"chorus/realtime"
	"chorus/store/mongo"
	"chorus/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(mongotest.Run(m)) }

// MustOpen opens a store on a new, empty database for t.
func MustOpen(t *testing.T) *mongo.DB {
	t.Helper()
	uri, name := mongotest.Database(t)
	return mustOpenAt(t, uri, name)
}

// mustOpenAt opens a store on a given database, closed when t ends.
func mustOpenAt(t *testing.T, uri, name string) *mongo.DB {
	t.Helper()
	db, err := mongo.Open(t.Context(), uri, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := db.Close(ctx); err != nil {
			t.Error(err)
		}
	})
	return db
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return MustOpen(t) })
}

func TestAuditContract(t *testing.T) {
	storetest.RunAudit(t, func(t *testing.T) audit.Store { return MustOpen(t) })
}

func TestForumContract(t *testing.T) {
	storetest.RunForum(t, func(t *testing.T) storetest.ForumStore { return MustOpen(t) })
}

func TestNotifyContract(t *testing.T) {
	storetest.RunNotify(t, func(t *testing.T) storetest.NotifyStore { return MustOpen(t) })
}

func TestSteeringContract(t *testing.T) {
	storetest.RunSteering(t, func(t *testing.T) storetest.SteeringStore { return MustOpen(t) })
}

// TestIndexes checks that Open created every index the store's correctness
// rests on, unique where it must be.
func TestIndexes(t *testing.T) {
	uri, name := mongotest.Database(t)
	mustOpenAt(t, uri, name)
	client := mustClient(t, uri)
	want := map[string]map[string]bool{ // collection → index name → unique
		"users":       {"email_unique": true},
		"grants":      {"grant_unique": true, "role": false},
		"sessions":    {"user": false},
		"invitations": {"token_hash_unique": true, "created": false},
		"resets":      {"token_hash_unique": true},
		"attempts":    {"key_at": false},
		"audit":       {"seq_unique": true, "scope_seq": false, "subject_seq": false, "forum_seq": false},
		"members":     {"member_unique": true, "user": false},
		"issues":      {"forum": false},
		"events":      {"issue_seq_unique": true},
		"supports":    {"support_unique": true},
		"comments":    {"issue_created": false, "forum_held": false},

		"versions":      {"item_seq_unique": true},
		"follows":       {"follow_unique": true},
		"notifications": {"user_at": false},
		"reports":       {"forum_at": false, "report_unique": true},

		"notice_preferences": {"frequency": false},
		"mail_deliveries":    {"unsent": false},

		"steering_members": {"member_unique": true, "user": false},
		"meetings":         {"group_starts": false},
		"agenda_items":     {"meeting_order": false},
		"decisions":        {"group_at": false},
		"actions":          {"group_created": false, "issue_ids": false},
		"action_events":    {"action_seq_unique": true, "action_key_unique": true},
		"quiet_questions":  {"meeting_seq_unique": true},
		"quiet_supports":   {"support_unique": true},
	}
	for coll, ixs := range want {
		specs, err := client.Database(name).Collection(coll).Indexes().ListSpecifications(t.Context())
		if err != nil {
			t.Fatalf("%s: %v", coll, err)
		}
		got := map[string]bool{}
		for _, s := range specs {
			got[s.Name] = s.Unique != nil && *s.Unique
		}
		for ix, unique := range ixs {
			u, ok := got[ix]
			switch {
			case !ok:
				t.Errorf("%s: index %s missing (have %v)", coll, ix, got)
			case u != unique:
				t.Errorf("%s: index %s unique = %v; want %v", coll, ix, u, unique)
			}
		}
	}
}

// TestOpenTwice opens one database from two stores, as two instances or a
// restart do: index creation must be idempotent, and both see one data set.
func TestOpenTwice(t *testing.T) {
	uri, name := mongotest.Database(t)
	a := mustOpenAt(t, uri, name)
	b := mustOpenAt(t, uri, name)
	ctx := t.Context()
	if err := a.AddAttempt(ctx, "k", time.Now()); err != nil {
		t.Fatal(err)
	}
	n, err := b.CountAttempts(ctx, "k", time.Now().Add(-time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("second store counts %d, %v; want 1", n, err)
	}
}

// TestAuditAppendAcrossInstances appends concurrently from several stores on
// one database, as several Chorus instances do: each store's knowledge of the
// last number is stale by the others' appends, yet all must be kept with
// distinct, gapless numbers.
func TestAuditAppendAcrossInstances(t *testing.T) {
	uri, name := mongotest.Database(t)
	const instances, each = 3, 10
	stores := make([]*mongo.DB, instances)
	for i := range stores {
		stores[i] = mustOpenAt(t, uri, name)
	}
	ctx := t.Context()
	var wg sync.WaitGroup
	for _, s := range stores {
		for range each {
			wg.Go(func() {
				if err := s.AppendEntry(ctx, &audit.Entry{ID: secret.NewID(), At: time.Now(), Action: "test.append", Subject: "x:1"}); err != nil {
					t.Error(err)
				}
			})
		}
	}
	wg.Wait()
	all, err := stores[0].ListEntries(ctx, audit.Filter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var seqs []int64
	for _, e := range all {
		seqs = append(seqs, e.Seq)
	}
	slices.Sort(seqs)
	if len(seqs) != instances*each {
		t.Fatalf("%d entries; want %d", len(seqs), instances*each)
	}
	for i, s := range seqs {
		if s != int64(i+1) {
			t.Fatalf("sequence numbers %v; want 1..%d without gaps or repeats", seqs, instances*each)
		}
	}
}

// TestAuditDuplicateID: appending an entry whose ID is taken by another
// entry is a conflict, not an endless retry; appending the very same entry
// again (a retried request) keeps the first.
func TestAuditDuplicateID(t *testing.T) {
	s, ctx := MustOpen(t), t.Context()
	at := time.Date(2026, 3, 4, 5, 6, 7, 891e6, time.UTC)
	e := &audit.Entry{ID: "fixed-id", At: at, Action: "a.b", Subject: "x:1"}
	if err := s.AppendEntry(ctx, e); err != nil {
		t.Fatal(err)
	}
	again := *e
	again.Seq = 0
	if err := s.AppendEntry(ctx, &again); err != nil || again.Seq != e.Seq {
		t.Fatalf("same entry again: seq %d, %v; want seq %d, nil", again.Seq, err, e.Seq)
	}
	other := &audit.Entry{ID: "fixed-id", At: at, Action: "c.d", Subject: "x:2"}
	if err := s.AppendEntry(ctx, other); !errors.Is(err, fault.ErrConflict) {
		t.Fatalf("other entry with a taken ID: %v; want ErrConflict", err)
	}
	all, err := s.ListEntries(ctx, audit.Filter{})
	if err != nil || len(all) != 1 {
		t.Fatalf("entries %v, %v; want just the first", all, err)
	}
}

// TestStoredShape pins what the documents look like: string _ids (never
// ObjectIDs) and BSON dates in UTC.
func TestStoredShape(t *testing.T) {
	uri, name := mongotest.Database(t)
	s := mustOpenAt(t, uri, name)
	ctx := t.Context()
	if err := s.AddAttempt(ctx, "k", time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.FixedZone("X", 3600))); err != nil {
		t.Fatal(err)
	}
	var raw bson.Raw
	if err := mustClient(t, uri).Database(name).Collection("attempts").FindOne(ctx, bson.D{}).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	if id := raw.Lookup("_id"); id.Type != bson.TypeString {
		t.Errorf("_id is %v; want a string", id.Type)
	}
	at := raw.Lookup("at")
	if at.Type != bson.TypeDateTime || at.Time().UTC() != time.Date(2026, 1, 2, 2, 4, 5, 6e6, time.UTC) {
		t.Errorf("at = %v (%v); want the BSON date 2026-01-02T02:04:05.006Z", at, at.Type)
	}
}

// TestUnavailable: a server that cannot be reached is ErrUnavailable, in
// Open as in Ping.
func TestUnavailable(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	// Port 9 (discard) on loopback: nothing listens there in a test run.
	_, err := mongo.Open(ctx, "mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=500&connectTimeoutMS=500", "x")
	if !errors.Is(err, fault.ErrUnavailable) {
		t.Fatalf("Open on a closed port: %v; want ErrUnavailable", err)
	}
}

// mustClient returns a plain driver client for looking behind the store.
func mustClient(t *testing.T, uri string) *driver.Client {
	t.Helper()
	c, err := driver.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c.Disconnect(ctx)
	})
	return c
}

func TestRealtimeContract(t *testing.T) {
	storetest.RunRealtime(t, func(t *testing.T) realtime.Log { return MustOpen(t) })
}

func TestRetentionContract(t *testing.T) {
	storetest.RunRetention(t, func(t *testing.T) storetest.RetentionStore { return MustOpen(t) })
}
