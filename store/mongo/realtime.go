package mongo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"chorus/internal/fault"
	"chorus/realtime"
)

var _ realtime.Log = (*DB)(nil)

// realtimeDoc is one realtime event. _id is random (so that a driver retry of
// an insert that landed is recognised); (room, seq) is unique (index
// room_seq_unique).
type realtimeDoc struct {
	ID   string `bson:"_id"`
	Room string `bson:"room"`
	Seq  int64  `bson:"seq"`
	Type string `bson:"type"`
	Data []byte `bson:"data,omitempty"`
}

// realtimeSeqs holds, per room, the highest sequence number this process has
// seen taken, so that an append usually needs no read first.
type realtimeSeqs struct{ m sync.Map } // room -> *seqHint

func (s *realtimeSeqs) hint(room string) *seqHint {
	if h, ok := s.m.Load(room); ok {
		return h.(*seqHint)
	}
	h, _ := s.m.LoadOrStore(room, &seqHint{})
	return h.(*seqHint)
}

// Append inserts an event under the next sequence number of its room, like
// AppendEntry in audit.go: the candidate is one above a number known to be
// taken, inserted under the unique (room, seq) index, and on a duplicate key
// the next number is tried (re-reading the highest after a few). Correct on
// FerretDB, which has no atomic updates: only the unique index decides.
func (d *DB) Append(ctx context.Context, room, typ string, data []byte) (int64, error) {
	var id [16]byte
	if _, err := rand.Read(id[:]); err != nil {
		return 0, err
	}
	doc := realtimeDoc{ID: hex.EncodeToString(id[:]), Room: room, Type: typ, Data: data}
	hint := d.realtimeSeq.hint(room)
	var next int64
	if last := hint.load(); last > 0 {
		next = last + 1
	}
	probes := 0
	for try := 0; try < maxAppendTries; try++ {
		if next == 0 {
			last, err := d.lastRealtimeSeq(ctx, room)
			if err != nil {
				return 0, err
			}
			hint.raise(last)
			next, probes = last+1, 0
		}
		doc.Seq = next
		err := insert(ctx, d.realtime, doc)
		if err == nil {
			hint.raise(next)
			return next, nil
		}
		if !errors.Is(err, fault.ErrConflict) {
			return 0, err
		}
		// A retried insert that in fact landed conflicts with itself.
		var stored realtimeDoc
		switch ferr := findOne(ctx, d.realtime, bson.D{{Key: "_id", Value: doc.ID}}, &stored); {
		case ferr == nil:
			return stored.Seq, nil
		case !errors.Is(ferr, fault.ErrNotFound):
			return 0, ferr
		}
		hint.raise(next)
		if probes++; probes < seqProbes {
			next++
		} else {
			next = 0
		}
	}
	return 0, fmt.Errorf("mongo: realtime event in %s: no free sequence number after %d tries", room, maxAppendTries)
}

// lastRealtimeSeq returns the highest sequence number stored for room.
func (d *DB) lastRealtimeSeq(ctx context.Context, room string) (int64, error) {
	var doc struct {
		Seq int64 `bson:"seq"`
	}
	opts := options.FindOne().SetSort(bson.D{{Key: "seq", Value: -1}}).SetProjection(bson.D{{Key: "seq", Value: 1}})
	err := translate(d.realtime.FindOne(ctx, bson.D{{Key: "room", Value: room}}, opts).Decode(&doc))
	if errors.Is(err, fault.ErrNotFound) {
		return 0, nil
	}
	return doc.Seq, err
}

// Since returns up to limit events of room with seq > after, in order.
func (d *DB) Since(ctx context.Context, room string, after int64, limit int) ([]realtime.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	var docs []realtimeDoc
	filter := bson.D{{Key: "room", Value: room}, {Key: "seq", Value: bson.D{{Key: "$gt", Value: after}}}}
	opts := options.Find().SetSort(bson.D{{Key: "seq", Value: 1}}).SetLimit(int64(limit))
	if err := findAll(ctx, d.realtime, filter, &docs, opts); err != nil {
		return nil, err
	}
	evs := make([]realtime.Event, 0, len(docs))
	for _, doc := range docs {
		ev := realtime.Event{Room: doc.Room, Seq: doc.Seq, Type: doc.Type}
		if len(doc.Data) > 0 {
			ev.Data = doc.Data
		}
		evs = append(evs, ev)
	}
	return evs, nil
}

// Latest returns a room's highest sequence number, 0 when it has none.
func (d *DB) Latest(ctx context.Context, room string) (int64, error) {
	return d.lastRealtimeSeq(ctx, room)
}
