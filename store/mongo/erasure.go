package mongo

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"chorus/account"
	"chorus/forum"
	"chorus/internal/fault"
	"chorus/notify"
	"chorus/steering"
)

var (
	_ account.ErasureStore  = (*DB)(nil)
	_ forum.PersonStore     = (*DB)(nil)
	_ steering.ErasureStore = (*DB)(nil)
	_ notify.ErasureStore   = (*DB)(nil)
)

// erasureDoc is a request for erasure (data rights).
type erasureDoc struct {
	ID          string     `bson:"_id"`
	UserID      string     `bson:"user_id"`
	Status      string     `bson:"status"`
	Reason      string     `bson:"reason"`
	RequestedAt time.Time  `bson:"requested_at"`
	HandledAt   *time.Time `bson:"handled_at,omitempty"`
	HandledBy   string     `bson:"handled_by"`
	FormerID    string     `bson:"former_id"`
}

func (doc *erasureDoc) request() *account.ErasureRequest {
	return &account.ErasureRequest{ID: doc.ID, UserID: doc.UserID, Status: account.ErasureStatus(doc.Status), Reason: doc.Reason,
		RequestedAt: doc.RequestedAt.UTC(), HandledAt: fromOpt(doc.HandledAt), HandledBy: doc.HandledBy, FormerID: doc.FormerID}
}

func init() {
	indexes["erasure_requests"] = []index{{name: "user_requested", keys: bson.D{{Key: "user_id", Value: 1}, {Key: "requested_at", Value: -1}}}}
	// Reading what a person wrote by author, not by forum.
	indexes["issues"] = append(indexes["issues"], index{name: "author", keys: bson.D{{Key: "author_id", Value: 1}}})
	indexes["comments"] = append(indexes["comments"], index{name: "author", keys: bson.D{{Key: "author_id", Value: 1}}})
	indexes["supports"] = append(indexes["supports"], index{name: "key", keys: bson.D{{Key: "key", Value: 1}}})
	indexes["follows"] = append(indexes["follows"], index{name: "user", keys: bson.D{{Key: "user_id", Value: 1}}})
	indexes["reports"] = append(indexes["reports"], index{name: "reporter", keys: bson.D{{Key: "reporter_id", Value: 1}}})
	imports["erasure_requests"] = tableImport{coll: "erasure_requests", doc: func(r *row) any {
		return erasureDoc{ID: r.str("id"), UserID: r.str("user_id"), Status: r.str("status"), Reason: r.str("reason"),
			RequestedAt: r.time("requested_at"), HandledAt: r.optTime("handled_at"), HandledBy: r.str("handled_by"), FormerID: r.str("former_id")}
	}}
}

func (d *DB) erasures() *driver.Collection { return d.db.Collection("erasure_requests") }

// AddErasureRequest inserts a request.
func (d *DB) AddErasureRequest(ctx context.Context, r *account.ErasureRequest) error {
	return insert(ctx, d.erasures(), erasureDoc{ID: r.ID, UserID: r.UserID, Status: string(r.Status), Reason: r.Reason,
		RequestedAt: utc(r.RequestedAt), HandledAt: optTime(r.HandledAt), HandledBy: r.HandledBy, FormerID: r.FormerID})
}

// FindErasureRequest returns a request.
func (d *DB) FindErasureRequest(ctx context.Context, id string) (*account.ErasureRequest, error) {
	var doc erasureDoc
	if err := findOne(ctx, d.erasures(), bson.D{{Key: "_id", Value: id}}, &doc); err != nil {
		return nil, err
	}
	return doc.request(), nil
}

// ListErasureRequests returns a person's requests, or all, newest first.
func (d *DB) ListErasureRequests(ctx context.Context, userID string) ([]*account.ErasureRequest, error) {
	filter := bson.D{}
	if userID != "" {
		filter = bson.D{{Key: "user_id", Value: userID}}
	}
	var docs []erasureDoc
	opts := options.Find().SetSort(bson.D{{Key: "requested_at", Value: -1}, {Key: "_id", Value: 1}})
	if err := findAll(ctx, d.erasures(), filter, &docs, opts); err != nil {
		return nil, err
	}
	out := make([]*account.ErasureRequest, len(docs))
	for i := range docs {
		out[i] = docs[i].request()
	}
	return out, nil
}

// UpdateErasureRequest replaces a request's status, reason, handling and former ID.
func (d *DB) UpdateErasureRequest(ctx context.Context, r *account.ErasureRequest) error {
	set := bson.D{{Key: "user_id", Value: r.UserID}, {Key: "status", Value: string(r.Status)}, {Key: "reason", Value: r.Reason},
		{Key: "handled_by", Value: r.HandledBy}, {Key: "former_id", Value: r.FormerID}}
	update := bson.D{{Key: "$set", Value: set}}
	if r.HandledAt.IsZero() {
		update = append(update, bson.E{Key: "$unset", Value: bson.D{{Key: "handled_at", Value: ""}}})
	} else {
		update[0].Value = append(set, bson.E{Key: "handled_at", Value: utc(r.HandledAt)})
	}
	return updateOne(ctx, d.erasures(), bson.D{{Key: "_id", Value: r.ID}}, update)
}

// rename is one "field = from → to" rewrite across a collection.
type rename struct {
	coll       string
	field      string
	from, to   any
	extraSet   bson.D // set on the same documents
	deleteOnly bool   // delete the matching documents instead
}

func (d *DB) apply(ctx context.Context, list []rename) error {
	for _, r := range list {
		c := d.db.Collection(r.coll)
		filter := bson.D{{Key: r.field, Value: r.from}}
		if r.deleteOnly {
			if err := deleteMany(ctx, c, filter); err != nil {
				return err
			}
			continue
		}
		set := append(bson.D{{Key: r.field, Value: r.to}}, r.extraSet...)
		if _, err := c.UpdateMany(ctx, filter, bson.D{{Key: "$set", Value: set}}); err != nil {
			return translate(err)
		}
	}
	return nil
}

// ForgetUser turns a person's account into a former member's. A document's
// _id cannot change, so the former member's user document is inserted
// (once) and the person's deleted. Without multi-document transactions each
// step is idempotent instead: run again, it finishes what a failure left.
func (d *DB) ForgetUser(ctx context.Context, userID string, former *account.User) error {
	uid, fid := userID, former.ID
	var claims []claimDoc
	if err := findAll(ctx, d.claims, bson.D{{Key: "by", Value: uid}}, &claims); err != nil {
		return err
	}
	for _, cl := range claims {
		if id, ok := strings.CutPrefix(cl.Key, "invitation:"); ok {
			if _, err := d.invitations.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: "note", Value: ""}}}}); err != nil {
				return translate(err)
			}
		}
	}
	// A note may name the person's email address (it tells them of the
	// invitation).
	var old userDoc
	switch err := findOne(ctx, d.users, bson.D{{Key: "_id", Value: uid}}, &old); {
	case err == nil && uid != fid && old.Email != "":
		filter := bson.D{{Key: "note", Value: bson.D{{Key: "$regex", Value: regexp.QuoteMeta(old.Email)}, {Key: "$options", Value: "i"}}}}
		if _, err := d.invitations.UpdateMany(ctx, filter, bson.D{{Key: "$set", Value: bson.D{{Key: "note", Value: ""}}}}); err != nil {
			return translate(err)
		}
	case err != nil && !errors.Is(err, fault.ErrNotFound):
		return err
	}
	if uid != fid {
		err := insert(ctx, d.users, userDoc{ID: fid, Email: former.Email, Name: former.Name, Disabled: true, CreatedAt: utc(former.CreatedAt)})
		if err != nil && !errors.Is(err, fault.ErrConflict) {
			return err
		}
		if err := deleteMany(ctx, d.users, bson.D{{Key: "_id", Value: uid}}); err != nil {
			return err
		}
	}
	return d.apply(ctx, []rename{
		{coll: "grants", field: "user_id", from: uid, deleteOnly: true},
		{coll: "sessions", field: "user_id", from: uid, deleteOnly: true},
		{coll: "resets", field: "user_id", from: uid, deleteOnly: true},
		{coll: "resets", field: "created_by", from: uid, to: fid},
		{coll: "invitations", field: "created_by", from: uid, to: fid},
		{coll: "claims", field: "by", from: uid, to: fid},
		{coll: "audit", field: "actor_id", from: uid, to: fid},
		{coll: "audit", field: "subject", from: "user:" + uid, to: "user:" + fid},
		{coll: "erasure_requests", field: "user_id", from: uid, to: fid},
		{coll: "erasure_requests", field: "handled_by", from: uid, to: fid},
	})
}

// ListIssuesByAuthor returns a person's named issues, oldest first.
func (d *DB) ListIssuesByAuthor(ctx context.Context, userID string) ([]*forum.Issue, error) {
	if userID == "" {
		return nil, nil
	}
	var docs []issueDoc
	opts := options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}, {Key: "_id", Value: 1}})
	if err := findAll(ctx, d.issues, bson.D{{Key: "author_id", Value: userID}}, &docs, opts); err != nil {
		return nil, err
	}
	out := make([]*forum.Issue, len(docs))
	for i := range docs {
		out[i] = docs[i].issue()
	}
	return out, nil
}

// ListCommentsByAuthor returns a person's comments, oldest first.
func (d *DB) ListCommentsByAuthor(ctx context.Context, userID string) ([]*forum.Comment, error) {
	if userID == "" {
		return nil, nil
	}
	var docs []commentDoc
	opts := options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}, {Key: "_id", Value: 1}})
	if err := findAll(ctx, d.comments, bson.D{{Key: "author_id", Value: userID}}, &docs, opts); err != nil {
		return nil, err
	}
	out := make([]*forum.Comment, len(docs))
	for i := range docs {
		out[i] = docs[i].comment()
	}
	return out, nil
}

// ListSupportsByKey returns the supports given under a key.
func (d *DB) ListSupportsByKey(ctx context.Context, key string) ([]*forum.Support, error) {
	var docs []supportDoc
	opts := options.Find().SetSort(bson.D{{Key: "at", Value: 1}, {Key: "issue_id", Value: 1}})
	if err := findAll(ctx, d.supports, bson.D{{Key: "key", Value: key}}, &docs, opts); err != nil {
		return nil, err
	}
	out := make([]*forum.Support, len(docs))
	for i, doc := range docs {
		out[i] = &forum.Support{IssueID: doc.IssueID, Key: doc.Key, At: doc.At.UTC()}
	}
	return out, nil
}

// ListFollowsByUser returns the issues a person follows.
func (d *DB) ListFollowsByUser(ctx context.Context, userID string) ([]*forum.Follow, error) {
	var docs []followDoc
	opts := options.Find().SetSort(bson.D{{Key: "at", Value: 1}, {Key: "issue_id", Value: 1}})
	if err := findAll(ctx, d.follows, bson.D{{Key: "user_id", Value: userID}}, &docs, opts); err != nil {
		return nil, err
	}
	out := make([]*forum.Follow, len(docs))
	for i, doc := range docs {
		out[i] = &forum.Follow{IssueID: doc.IssueID, UserID: doc.UserID, At: doc.At.UTC()}
	}
	return out, nil
}

// ListReportsByReporter returns a person's reports, newest first.
func (d *DB) ListReportsByReporter(ctx context.Context, userID string) ([]*forum.Report, error) {
	var docs []reportDoc
	opts := options.Find().SetSort(bson.D{{Key: "at", Value: -1}, {Key: "_id", Value: 1}})
	if err := findAll(ctx, d.reports, bson.D{{Key: "reporter_id", Value: userID}}, &docs, opts); err != nil {
		return nil, err
	}
	out := make([]*forum.Report, len(docs))
	for i, doc := range docs {
		out[i] = &forum.Report{ID: doc.ID, ForumID: doc.ForumID, IssueID: doc.IssueID, CommentID: doc.CommentID,
			ReporterID: doc.ReporterID, Reason: forum.ReportReason(doc.Reason), Detail: doc.Detail, At: doc.At.UTC(), Resolved: doc.Resolved}
	}
	return out, nil
}

// ForgetPerson removes a person from the forums for an erasure.
func (d *DB) ForgetPerson(ctx context.Context, userID, formerID, formerName string) error {
	uid, fid := userID, formerID
	return d.apply(ctx, []rename{
		{coll: "members", field: "user_id", from: uid, deleteOnly: true},
		{coll: "follows", field: "user_id", from: uid, deleteOnly: true},
		{coll: "notifications", field: "user_id", from: uid, deleteOnly: true},
		{coll: "issues", field: "author_id", from: uid, to: fid, extraSet: bson.D{{Key: "author_name", Value: formerName}}},
		{coll: "comments", field: "author_id", from: uid, to: fid, extraSet: bson.D{{Key: "author_name", Value: formerName}}},
		{coll: "events", field: "actor_id", from: uid, to: fid},
		{coll: "supports", field: "key", from: "u:" + uid, to: "u:" + fid},
		{coll: "reports", field: "reporter_id", from: uid, to: fid, extraSet: bson.D{{Key: "detail", Value: ""}}},
		{coll: "quotes", field: "by_id", from: uid, to: fid},
		{coll: "forums", field: "safeguarding_lead_id", from: uid, to: ""},
		{coll: "forums", field: "safeguarding_deputy_id", from: uid, to: ""},
	})
}

// ForgetSeatHolder removes a person from steering groups for an erasure.
func (d *DB) ForgetSeatHolder(ctx context.Context, userID, formerID, formerName string, names []string) error {
	uid, fid := userID, formerID
	err := d.apply(ctx, []rename{
		{coll: "steering_members", field: "user_id", from: uid, deleteOnly: true},
		{coll: "agenda_items", field: "lead_id", from: uid, to: fid},
		{coll: "decisions", field: "by_id", from: uid, to: fid},
		{coll: "action_events", field: "by_id", from: uid, to: fid},
		{coll: "minutes", field: "chair_id", from: uid, to: fid},
		{coll: "minutes", field: "parent_rep_id", from: uid, to: fid},
		{coll: "quiet_supports", field: "key", from: "u:" + uid, to: "u:" + fid},
	})
	if err != nil {
		return err
	}
	// Amendments: rewrite each document that has one by the person.
	var mins []minutesDoc
	if err := findAll(ctx, d.db.Collection("minutes"), bson.D{{Key: "amendments.by_id", Value: uid}}, &mins); err != nil {
		return err
	}
	for _, m := range mins {
		for i := range m.Amendments {
			if m.Amendments[i].ByID == uid {
				m.Amendments[i].ByID = fid
			}
		}
		if _, err := d.db.Collection("minutes").UpdateOne(ctx, bson.D{{Key: "_id", Value: m.MeetingID}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "amendments", Value: m.Amendments}}}}); err != nil {
			return translate(err)
		}
	}
	// Owners written as the person's name: compared case aside, in Go,
	// since owners are free text.
	var actions []actionDoc
	if err := findAll(ctx, d.db.Collection("actions"), bson.D{{Key: "owner", Value: bson.D{{Key: "$ne", Value: ""}}}}, &actions,
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "owner", Value: 1}})); err != nil {
		return err
	}
	for _, a := range actions {
		for _, n := range names {
			if n = strings.TrimSpace(n); n != "" && strings.EqualFold(strings.TrimSpace(a.Owner), n) {
				if _, err := d.db.Collection("actions").UpdateOne(ctx, bson.D{{Key: "_id", Value: a.ID}},
					bson.D{{Key: "$set", Value: bson.D{{Key: "owner", Value: formerName}}}}); err != nil {
					return translate(err)
				}
				break
			}
		}
	}
	return nil
}

// ForgetMail deletes a person's notification preferences and email records.
func (d *DB) ForgetMail(ctx context.Context, userID string) error {
	return d.apply(ctx, []rename{
		{coll: "notice_preferences", field: "_id", from: userID, deleteOnly: true},
		{coll: "mail_deliveries", field: "user_id", from: userID, deleteOnly: true},
	})
}

// ScrubLiveEvents empties the stored live events whose data holds any of
// needles, keeping their room and number (type "erased", no data). The data
// is binary, so the events are read and compared here: an erasure is rare,
// and the event log is read once.
func (d *DB) ScrubLiveEvents(ctx context.Context, needles [][]byte) (int, error) {
	cur, err := d.realtime.Find(ctx, bson.D{{Key: "data", Value: bson.D{{Key: "$exists", Value: true}}}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "data", Value: 1}}))
	if err != nil {
		return 0, translate(err)
	}
	var ids []string
	for cur.Next(ctx) {
		var doc realtimeDoc
		if err := cur.Decode(&doc); err != nil {
			cur.Close(ctx)
			return 0, translate(err)
		}
		for _, n := range needles {
			if len(n) > 0 && bytes.Contains(doc.Data, n) {
				ids = append(ids, doc.ID)
				break
			}
		}
	}
	if err := cur.Err(); err != nil {
		cur.Close(ctx)
		return 0, translate(err)
	}
	cur.Close(ctx)
	for _, id := range ids {
		if _, err := d.realtime.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "type", Value: "erased"}}}, {Key: "$unset", Value: bson.D{{Key: "data", Value: ""}}}}); err != nil {
			return 0, translate(err)
		}
	}
	return len(ids), nil
}
