package mongo

import (
	"context"
	"errors"
	"time"

	"chorus/internal/fault"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// upgrade brings documents stored by an earlier Chorus up to what this one
// reads, before the indexes that rely on it are made. Each step finds only
// the documents it has not done yet, so running it again (every instance
// does, at start) does nothing, and a step cut short is finished next time.
func (d *DB) upgrade(ctx context.Context) error {
	return errors.Join(d.upgradeReports(ctx), d.upgradeComments(ctx), d.upgradeVersions(ctx), d.upgradeEvents(ctx))
}

// upgradeEvents gives events made before keys the key of their seq, needed
// by the one-event-per-form index.
func (d *DB) upgradeEvents(ctx context.Context) error {
	var docs []eventDoc
	opts := options.Find().SetProjection(bson.D{{Key: "seq", Value: 1}})
	if err := findAll(ctx, d.events, bson.D{{Key: "key", Value: bson.D{{Key: "$exists", Value: false}}}}, &docs, opts); err != nil {
		return err
	}
	for _, doc := range docs {
		if err := updateOne(ctx, d.events, bson.D{{Key: "_id", Value: doc.ID}}, bson.D{{Key: "$set", Value: bson.D{{Key: "key", Value: seqKey(doc.Seq)}}}}); err != nil {
			return err
		}
	}
	return nil
}

// upgradeReports gives reports their item (the comment, else the issue),
// needed by the one-report-per-member index, and turns the free text of the
// first reports into detail under the reason "other".
func (d *DB) upgradeReports(ctx context.Context) error {
	var docs []reportDoc
	if err := findAll(ctx, d.reports, bson.D{{Key: "item_id", Value: bson.D{{Key: "$exists", Value: false}}}}, &docs); err != nil {
		return err
	}
	seen := map[[2]string]bool{}
	for _, doc := range docs {
		item := doc.CommentID
		if item == "" {
			item = doc.IssueID
		}
		key := [2]string{item, doc.ReporterID}
		if seen[key] { // a second report by one member, from before the rule: the first stands
			if err := deleteOne(ctx, d.reports, bson.D{{Key: "_id", Value: doc.ID}}); err != nil {
				return err
			}
			continue
		}
		seen[key] = true
		set := bson.D{{Key: "item_id", Value: item}, {Key: "detail", Value: doc.Reason}, {Key: "reason", Value: "other"}, {Key: "resolved", Value: false}}
		if err := updateOne(ctx, d.reports, bson.D{{Key: "_id", Value: doc.ID}}, bson.D{{Key: "$set", Value: set}}); err != nil {
			return err
		}
	}
	return nil
}

// upgradeComments gives comments their forum, which the moderation queue
// lists them by.
func (d *DB) upgradeComments(ctx context.Context) error {
	var docs []commentDoc
	opts := options.Find().SetProjection(bson.D{{Key: "issue_id", Value: 1}})
	if err := findAll(ctx, d.comments, bson.D{{Key: "forum_id", Value: bson.D{{Key: "$exists", Value: false}}}}, &docs, opts); err != nil {
		return err
	}
	forums := map[string]string{}
	for _, doc := range docs {
		forumID, ok := forums[doc.IssueID]
		if !ok {
			var iss issueDoc
			if err := findOne(ctx, d.issues, bson.D{{Key: "_id", Value: doc.IssueID}}, &iss); err != nil {
				return err
			}
			forumID, forums[doc.IssueID] = iss.ForumID, iss.ForumID
		}
		if err := updateOne(ctx, d.comments, bson.D{{Key: "_id", Value: doc.ID}}, bson.D{{Key: "$set", Value: bson.D{{Key: "forum_id", Value: forumID}}}}); err != nil {
			return err
		}
	}
	return nil
}

// upgradeVersions moves comments' earlier texts from comment_versions into
// versions, which now keeps issues' too.
func (d *DB) upgradeVersions(ctx context.Context) error {
	old := d.db.Collection("comment_versions")
	var docs []struct {
		ID        string    `bson:"_id"`
		CommentID string    `bson:"comment_id"`
		Seq       int64     `bson:"seq"`
		Body      string    `bson:"body"`
		At        time.Time `bson:"at"`
	}
	if err := findAll(ctx, old, bson.D{}, &docs); err != nil {
		return err
	}
	for _, doc := range docs {
		v := versionDoc{ID: doc.ID, ItemID: doc.CommentID, Seq: doc.Seq, Body: doc.Body, At: doc.At.UTC()}
		if err := insert(ctx, d.versions, v); err != nil && !errors.Is(err, fault.ErrConflict) {
			return err
		}
		if err := deleteOne(ctx, old, bson.D{{Key: "_id", Value: doc.ID}}); err != nil {
			return err
		}
	}
	return nil
}
