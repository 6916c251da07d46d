package mongo

import (
	"context"
	"time"

	"chorus/forum"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Retention: the store's part of removing what the retention periods say
// is no longer kept (see retention.go at the root and forum/retention.go).

// ClosedFollowUpIssues returns the issues with a working follow-up code
// whose status is one of statuses: the codes' issues, then those of them
// that are closed (two queries; FerretDB has no $lookup to rely on).
func (d *DB) ClosedFollowUpIssues(ctx context.Context, statuses []forum.Status) ([]string, error) {
	if len(statuses) == 0 {
		return nil, nil
	}
	var fus []followUpDoc
	if err := findAll(ctx, d.followUps, bson.D{{Key: "secret_hash", Value: bson.D{{Key: "$ne", Value: ""}}}}, &fus); err != nil {
		return nil, err
	}
	if len(fus) == 0 {
		return nil, nil
	}
	ids := make([]string, 0, len(fus))
	seen := map[string]bool{}
	for _, f := range fus {
		if !seen[f.IssueID] {
			seen[f.IssueID] = true
			ids = append(ids, f.IssueID)
		}
	}
	ss := make([]string, len(statuses))
	for i, s := range statuses {
		ss[i] = string(s)
	}
	var docs []struct {
		ID string `bson:"_id"`
	}
	filter := bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}, {Key: "status", Value: bson.D{{Key: "$in", Value: ss}}}}
	if err := findAll(ctx, d.issues, filter, &docs, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}).SetSort(bson.D{{Key: "_id", Value: 1}})); err != nil {
		return nil, err
	}
	out := make([]string, len(docs))
	for i, doc := range docs {
		out[i] = doc.ID
	}
	return out, nil
}

// ExpireFollowUps stops an issue's follow-up codes working (the record
// keeps its selector only) and empties its private events' text of the
// given kinds. Each update is idempotent, so a run cut short is finished by
// the next.
func (d *DB) ExpireFollowUps(ctx context.Context, issueID string, kinds []forum.EventKind) (codes, texts int, err error) {
	res, err := d.followUps.UpdateMany(ctx,
		bson.D{{Key: "issue_id", Value: issueID}, {Key: "secret_hash", Value: bson.D{{Key: "$ne", Value: ""}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "secret_hash", Value: ""}, {Key: "issue_id", Value: ""}}}})
	if err != nil {
		return 0, 0, translate(err)
	}
	codes = int(res.ModifiedCount)
	if len(kinds) > 0 {
		ks := make([]string, len(kinds))
		for i, k := range kinds {
			ks[i] = string(k)
		}
		res, err = d.events.UpdateMany(ctx,
			bson.D{{Key: "issue_id", Value: issueID}, {Key: "private", Value: true}, {Key: "note", Value: bson.D{{Key: "$ne", Value: ""}}},
				{Key: "kind", Value: bson.D{{Key: "$in", Value: ks}}}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "note", Value: ""}}}})
		if err != nil {
			return codes, 0, translate(err)
		}
		texts = int(res.ModifiedCount)
	}
	return codes, texts, nil
}

// DeleteReadNotifications removes read notifications made before t.
func (d *DB) DeleteReadNotifications(ctx context.Context, before time.Time) (int, error) {
	res, err := d.notifications.DeleteMany(ctx, bson.D{{Key: "read", Value: true}, {Key: "at", Value: bson.D{{Key: "$lt", Value: before.UTC()}}}})
	if err != nil {
		return 0, translate(err)
	}
	return int(res.DeletedCount), nil
}

// DeleteAuditBefore removes audit entries recorded before t.
func (d *DB) DeleteAuditBefore(ctx context.Context, before time.Time) (int, error) {
	res, err := d.audit.DeleteMany(ctx, bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: before.UTC()}}}})
	if err != nil {
		return 0, translate(err)
	}
	return int(res.DeletedCount), nil
}
