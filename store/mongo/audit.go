package mongo

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"chorus/audit"
	"chorus/internal/fault"
)

// auditDoc is one audit entry. _id is the entry's random ID; seq is unique
// (index seq_unique) and gives the order.
type auditDoc struct {
	ID      string    `bson:"_id"`
	Seq     int64     `bson:"seq"`
	At      time.Time `bson:"at"`
	ActorID string    `bson:"actor_id"`
	Action  string    `bson:"action"`
	Subject string    `bson:"subject"`
	Scope   string    `bson:"scope"`
	Detail  string    `bson:"detail"`
	// Entries stored before these fields existed lack them: they read as
	// empty.
	Forum  string `bson:"forum"`
	Reason string `bson:"reason"`
	Before string `bson:"before"`
	After  string `bson:"after"`
}

func (doc *auditDoc) entry() *audit.Entry {
	return &audit.Entry{ID: doc.ID, Seq: doc.Seq, At: doc.At.UTC(), ActorID: doc.ActorID, Action: doc.Action,
		Subject: doc.Subject, Scope: doc.Scope, Detail: doc.Detail, Forum: doc.Forum, Reason: doc.Reason,
		Before: doc.Before, After: doc.After}
}

// sameEntry reports whether a stored entry is the one being appended (the
// sequence number aside), as when the driver retried an insert that had in
// fact landed.
func (doc *auditDoc) sameEntry(o *auditDoc) bool {
	return doc.ID == o.ID && doc.At.Equal(o.At.Truncate(time.Millisecond)) && doc.ActorID == o.ActorID &&
		doc.Action == o.Action && doc.Subject == o.Subject && doc.Scope == o.Scope && doc.Detail == o.Detail &&
		doc.Forum == o.Forum && doc.Reason == o.Reason && doc.Before == o.Before && doc.After == o.After
}

// Appending retries on conflict; these bound the work one append may do.
const (
	// seqProbes is how many next numbers an append tries, one after another,
	// before it reads the current highest number again. Conflicts between
	// goroutines of one process are resolved by probing alone; a long run of
	// conflicts means another instance is far ahead.
	seqProbes = 4
	// maxAppendTries bounds the inserts of one append. Each conflict means
	// another append succeeded, so reaching it takes that many concurrent
	// appends.
	maxAppendTries = 1000
)

// AppendEntry inserts an entry and sets its Seq.
//
// Numbers come from the store, not a counter: the entry is inserted with the
// next number after one known to be taken, under the unique seq index, and
// on a duplicate key it tries the number after. Every candidate is one above
// a number already taken, so numbers have no gaps and an entry never appears
// below one already visible; concurrent appends, from this process or other
// instances, all succeed with distinct numbers. An $inc'd counter would not
// do on FerretDB, which does not apply updates atomically.
func (d *DB) AppendEntry(ctx context.Context, e *audit.Entry) error {
	doc := auditDoc{ID: e.ID, At: utc(e.At), ActorID: e.ActorID, Action: e.Action, Subject: e.Subject, Scope: e.Scope, Detail: e.Detail,
		Forum: e.Forum, Reason: e.Reason, Before: e.Before, After: e.After}
	var next int64 // 0: read the highest number first
	if last := d.auditSeq.load(); last > 0 {
		next = last + 1
	}
	probes := 0
	for try := 0; try < maxAppendTries; try++ {
		if next == 0 {
			last, err := d.lastAuditSeq(ctx)
			if err != nil {
				return err
			}
			d.auditSeq.raise(last)
			next, probes = last+1, 0
		}
		doc.Seq = next
		err := insert(ctx, d.audit, doc)
		if err == nil {
			d.auditSeq.raise(next)
			e.Seq = next
			return nil
		}
		if !errors.Is(err, fault.ErrConflict) {
			return err
		}
		// FerretDB does not say which unique key was taken: look at _id.
		var stored auditDoc
		switch ferr := findOne(ctx, d.audit, bson.D{{Key: "_id", Value: doc.ID}}, &stored); {
		case ferr == nil:
			if stored.sameEntry(&doc) {
				e.Seq = stored.Seq
				return nil
			}
			return fault.ErrConflict.Wrap(fmt.Errorf("audit entry %s already exists: %w", doc.ID, err))
		case !errors.Is(ferr, fault.ErrNotFound):
			return ferr
		}
		// The number is taken: it is now known to exist.
		d.auditSeq.raise(next)
		if probes++; probes < seqProbes {
			next++
		} else {
			next = 0
		}
	}
	return fmt.Errorf("mongo: audit entry %s: no free sequence number after %d tries", doc.ID, maxAppendTries)
}

// lastAuditSeq returns the highest sequence number stored, 0 when none is.
func (d *DB) lastAuditSeq(ctx context.Context) (int64, error) {
	var doc struct {
		Seq int64 `bson:"seq"`
	}
	opts := options.FindOne().SetSort(bson.D{{Key: "seq", Value: -1}}).SetProjection(bson.D{{Key: "seq", Value: 1}})
	err := translate(d.audit.FindOne(ctx, bson.D{}, opts).Decode(&doc))
	if errors.Is(err, fault.ErrNotFound) {
		return 0, nil
	}
	return doc.Seq, err
}

// ListEntries returns entries matching f, newest (highest Seq) first.
//
// Equality filters come first: FerretDB 1.x pushes those down to its
// backend and applies the rest (the action prefix, the time range, the
// paging bound) to what they matched.
func (d *DB) ListEntries(ctx context.Context, f audit.Filter) ([]*audit.Entry, error) {
	filter := bson.D{}
	for _, eq := range []struct{ key, v string }{
		{"scope", f.Scope}, {"subject", f.Subject}, {"forum", f.Forum}, {"actor_id", f.ActorID},
	} {
		if eq.v != "" {
			filter = append(filter, bson.E{Key: eq.key, Value: eq.v})
		}
	}
	if f.Action != "" {
		// An anchored, quoted pattern is a plain prefix match.
		filter = append(filter, bson.E{Key: "action", Value: bson.D{{Key: "$regex", Value: "^" + regexp.QuoteMeta(f.Action)}}})
	}
	var at bson.D
	if !f.From.IsZero() {
		at = append(at, bson.E{Key: "$gte", Value: utc(f.From)})
	}
	if !f.To.IsZero() {
		at = append(at, bson.E{Key: "$lt", Value: utc(f.To)})
	}
	if len(at) > 0 {
		filter = append(filter, bson.E{Key: "at", Value: at})
	}
	if f.Before > 0 {
		filter = append(filter, bson.E{Key: "seq", Value: bson.D{{Key: "$lt", Value: f.Before}}})
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	var docs []auditDoc
	opts := options.Find().SetSort(bson.D{{Key: "seq", Value: -1}}).SetLimit(int64(limit))
	if err := findAll(ctx, d.audit, filter, &docs, opts); err != nil {
		return nil, err
	}
	out := make([]*audit.Entry, len(docs))
	for i := range docs {
		out[i] = docs[i].entry()
	}
	return out, nil
}

// RedactContent empties the content of every entry about subject. Nothing
// else writes these fields after the insert, so an update in place is safe
// on FerretDB too.
func (d *DB) RedactContent(ctx context.Context, subject string) error {
	_, err := d.audit.UpdateMany(ctx, bson.D{{Key: "subject", Value: subject}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "before", Value: ""}, {Key: "after", Value: ""}}}})
	return translate(err)
}

// seqHint is the highest sequence number this process knows to be taken, 0
// for none yet. It saves reading the highest number from the store before
// each append (a full scan on FerretDB 1.x, which sorts in memory); being
// stale costs only a few conflicts, never a wrong number.
type seqHint struct{ v atomic.Int64 }

func (h *seqHint) load() int64 { return h.v.Load() }

// raise records that n is taken.
func (h *seqHint) raise(n int64) {
	for {
		cur := h.v.Load()
		if n <= cur || h.v.CompareAndSwap(cur, n) {
			return
		}
	}
}
