package mongo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"chorus/internal/fault"
)

// Moving an embedded (SQLite) installation into MongoDB: `chorus migrate`.
//
// Every table of the embedded store is named here, either with the
// collection its rows go to and how one row becomes the document this
// adapter stores, or with why it is not moved. A table named nowhere stops
// the migration, and so does a column that a table's conversion does not
// read: a table or column added later cannot be left behind unnoticed.
//
// Rows whose documents have a random _id in this adapter (a membership, a
// support, an event) get one derived from their key instead, so that running
// the migration again finds the same documents rather than adding copies.

// Row is one row of the embedded store: column name to value, as SQLite
// holds it (int64, float64, string, []byte or nil).
type Row map[string]any

// tableImport says what becomes of one table.
type tableImport struct {
	coll string             // the collection its rows go to; "" when not moved
	skip string             // why it is not moved
	doc  func(r *row) any   // the document for one row (a *Doc struct of this package)
	key  func(r *row) []any // for collections keyed by a random _id: the row's key, which the _id is derived from
}

// imports lists every table of the embedded store.
var imports = map[string]tableImport{
	"schema_migrations": {skip: "the embedded store's schema version"},
	"sessions":          {skip: "signed-in sessions: everyone signs in again"},
	"support_counts":    {skip: "a count the embedded store keeps; MongoDB counts the supports"},
	"action_issues":     {skip: "an index of actions' issue_ids, which the actions carry"},

	// Accounts and the audit trail.
	"users": {coll: "users", doc: func(r *row) any {
		return userDoc{ID: r.str("id"), Email: r.str("email"), Name: r.str("name"), PasswordHash: r.str("password_hash"),
			TOTPSecret: r.str("totp_secret"), Disabled: r.bool("disabled"), CreatedAt: r.time("created_at"), Language: r.str("language")}
	}},
	"grants": {coll: "grants", key: keyOf("user_id", "role", "scope_kind", "scope_id"), doc: func(r *row) any {
		return grantDoc{ID: r.id, UserID: r.str("user_id"), Role: r.str("role"), ScopeKind: r.str("scope_kind"),
			ScopeID: r.str("scope_id"), CreatedAt: r.time("created_at")}
	}},
	"organisations": {coll: "organisations", doc: func(r *row) any {
		return organisationDoc{ID: r.str("id"), Name: r.str("name"), CreatedAt: r.time("created_at")}
	}},
	"invitations": {coll: "invitations", doc: func(r *row) any {
		return invitationDoc{ID: r.str("id"), TokenHash: r.str("token_hash"), Role: r.str("role"), ScopeKind: r.str("scope_kind"),
			ScopeID: r.str("scope_id"), Note: r.str("note"), CreatedBy: r.str("created_by"), CreatedAt: r.time("created_at"),
			ExpiresAt: r.time("expires_at"), RevokedAt: r.optTime("revoked_at")}
	}},
	"resets": {coll: "resets", doc: func(r *row) any {
		return resetDoc{ID: r.str("id"), TokenHash: r.str("token_hash"), UserID: r.str("user_id"), CreatedBy: r.str("created_by"),
			CreatedAt: r.time("created_at"), ExpiresAt: r.time("expires_at")}
	}},
	"claims": {coll: "claims", doc: func(r *row) any {
		return claimDoc{Key: r.str("key"), By: r.str("claimed_by"), At: r.time("claimed_at")}
	}},
	"attempts": {coll: "attempts", key: keyOf("id"), doc: func(r *row) any {
		return attemptDoc{ID: r.id, Key: r.str("key"), At: r.time("at")}
	}},
	"audit": {coll: "audit", doc: func(r *row) any {
		return auditDoc{ID: r.str("id"), Seq: r.int64("seq"), At: r.time("at"), ActorID: r.str("actor_id"), Action: r.str("action"),
			Subject: r.str("subject"), Scope: r.str("scope"), Detail: r.str("detail"), Forum: r.str("forum"), Reason: r.str("reason"),
			Before: r.str("before"), After: r.str("after")}
	}},

	// Forums, issues and what families do with them.
	"forums": {coll: "forums", doc: func(r *row) any {
		return forumDoc{ID: r.str("id"), OrgID: r.str("org_id"), Name: r.str("name"), Area: r.str("area"), Description: r.str("description"),
			Languages: r.list("languages"), PreModerate: r.bool("pre_moderate"), AllowAnonymous: r.bool("allow_anonymous"),
			VisitorSupport: r.bool("visitor_support"), OpenJoin: r.bool("open_join"), ResponseTargetDays: r.int("response_target_days"),
			SafeguardingLeadID: r.str("safeguarding_lead_id"), Themes: r.list("themes"), CreatedAt: r.time("created_at"),
			PreModerateAnonymous: r.bool("pre_moderate_anonymous"), ReportThreshold: r.int("report_threshold"),
			SafeguardingDeputyID: r.str("safeguarding_deputy_id"), EscalateHours: r.int("escalate_hours"), RiskTerms: r.list("risk_terms")}
	}},
	"members": {coll: "members", key: keyOf("forum_id", "user_id"), doc: func(r *row) any {
		return memberDoc{ID: r.id, ForumID: r.str("forum_id"), UserID: r.str("user_id"), DisplayName: r.str("display_name"),
			Role: r.str("role"), JoinedAt: r.time("joined_at")}
	}},
	"issues": {coll: "issues", doc: func(r *row) any {
		return issueDoc{ID: r.str("id"), ForumID: r.str("forum_id"), Title: r.str("title"), Body: r.str("body"), Lang: r.str("lang"),
			AuthorID: r.str("author_id"), AuthorName: r.str("author_name"), Anonymous: r.bool("anonymous"), Themes: r.list("themes"),
			CreatedAt: r.time("created_at"), Status: r.str("status"), StatusSeq: r.int64("status_seq"), OnBehalf: r.bool("on_behalf"),
			Mod: r.moderation()}
	}},
	"events": {coll: "events", key: keyOf("issue_id", "seq"), doc: func(r *row) any {
		doc := eventDoc{ID: r.id, IssueID: r.str("issue_id"), Seq: r.int64("seq"), Kind: r.str("kind"), Status: r.str("status"),
			Actor: r.str("actor"), ActorID: r.str("actor_id"), Note: r.str("note"), Private: r.bool("private"), At: r.time("at"),
			Ref: r.str("ref"), Key: r.str("key")}
		if doc.Key == "" { // as AddEvent stores an event no form made
			doc.Key = seqKey(doc.Seq)
		}
		return doc
	}},
	"follow_ups": {coll: "follow_ups", doc: func(r *row) any {
		return followUpDoc{Selector: r.str("selector"), SecretHash: r.str("secret_hash"), IssueID: r.str("issue_id"),
			CreatedAt: r.time("created_at"), SeenSeq: r.int64("seen_seq")}
	}},
	"supports": {coll: "supports", key: keyOf("issue_id", "key"), doc: func(r *row) any {
		return supportDoc{ID: r.id, IssueID: r.str("issue_id"), Key: r.str("key"), At: r.time("at")}
	}},
	"comments": {coll: "comments", doc: func(r *row) any {
		return commentDoc{ID: r.str("id"), IssueID: r.str("issue_id"), AuthorID: r.str("author_id"), AuthorName: r.str("author_name"),
			Body: r.str("body"), CreatedAt: r.time("created_at"), EditedAt: r.optTime("edited_at"), ForumID: r.str("forum_id"),
			Mod: r.moderation()}
	}},
	"idempotency": {coll: "idempotency", doc: func(r *row) any {
		return idempotencyDoc{Key: r.str("key"), Result: r.str("result"), At: r.time("at")}
	}},
	"versions": {coll: "versions", key: keyOf("item_id", "seq"), doc: func(r *row) any {
		return versionDoc{ID: r.id, ItemID: r.str("item_id"), Seq: r.int64("seq"), Title: r.str("title"), Body: r.str("body"), At: r.time("at")}
	}},
	"follows": {coll: "follows", key: keyOf("issue_id", "user_id"), doc: func(r *row) any {
		return followDoc{ID: r.id, IssueID: r.str("issue_id"), UserID: r.str("user_id"), At: r.time("at")}
	}},
	"notifications": {coll: "notifications", doc: func(r *row) any {
		return notificationDoc{ID: r.str("id"), UserID: r.str("user_id"), IssueID: r.str("issue_id"), Title: r.str("title"),
			Kind: r.str("kind"), Status: r.str("status"), Note: r.str("note"), Ref: r.str("ref"), At: r.time("at"), Read: r.bool("read")}
	}},
	"reports": {coll: "reports", doc: func(r *row) any {
		return reportDoc{ID: r.str("id"), ForumID: r.str("forum_id"), IssueID: r.str("issue_id"), CommentID: r.str("comment_id"),
			ItemID: r.str("item_id"), ReporterID: r.str("reporter_id"), Reason: r.str("reason"), Detail: r.str("detail"),
			At: r.time("at"), Resolved: r.bool("resolved")}
	}},
	"quotes": {coll: "quotes", doc: func(r *row) any {
		return quoteDoc{ID: r.str("id"), IssueID: r.str("issue_id"), ForumID: r.str("forum_id"), Text: r.str("text"),
			ByID: r.str("by_id"), At: r.time("at")}
	}},
	"realtime_events": {coll: "realtime_events", key: keyOf("room", "seq"), doc: func(r *row) any {
		return realtimeDoc{ID: r.id, Room: r.str("room"), Seq: r.int64("seq"), Type: r.str("type"), Data: r.blob("data")}
	}},

	// Notification preferences and email records.
	"notice_preferences": {coll: "notice_preferences", doc: func(r *row) any {
		return preferencesDoc{UserID: r.str("user_id"), Frequency: r.str("frequency"), Muted: r.list("muted"), EasyRead: r.bool("easy_read"), UpdatedAt: r.time("updated_at")}
	}},
	"mail_deliveries": {coll: "mail_deliveries", doc: func(r *row) any {
		sent := r.optTime("sent_at")
		return deliveryDoc{Key: r.str("key"), UserID: r.str("user_id"), Kind: r.str("kind"), Ref: r.str("ref"), At: r.time("at"),
			Attempts: r.int("attempts"), Sent: sent != nil, SentAt: sent, Error: r.str("error")}
	}},

	// Steering groups.
	"steering_groups": {coll: "steering_groups", doc: func(r *row) any {
		return groupDoc{ID: r.str("id"), OrgID: r.str("org_id"), Name: r.str("name"), Description: r.str("description"),
			ForumIDs: r.list("forum_ids"), CreatedAt: r.time("created_at")}
	}},
	"steering_members": {coll: "steering_members", key: keyOf("group_id", "user_id"), doc: func(r *row) any {
		return steeringMemberDoc{ID: r.id, GroupID: r.str("group_id"), UserID: r.str("user_id"), Name: r.str("name"), Role: r.str("role"),
			Organisation: r.str("organisation"), AddedAt: r.time("added_at")}
	}},
	"meetings": {coll: "meetings", doc: func(r *row) any {
		return meetingDoc{ID: r.str("id"), GroupID: r.str("group_id"), Title: r.str("title"), StartsAt: r.time("starts_at"),
			Minutes: r.int("minutes"), Place: r.str("place"), Online: r.str("online"), Status: r.str("status"), Current: r.str("current"),
			OpenLink: r.bool("open_link"), LinkKey: r.str("link_key"), CreatedAt: r.time("created_at")}
	}},
	"agenda_items": {coll: "agenda_items", doc: func(r *row) any {
		return itemDoc{ID: r.str("id"), MeetingID: r.str("meeting_id"), Order: r.int("ord"), Kind: r.str("kind"), Title: r.str("title"),
			IssueID: r.str("issue_id"), ActionID: r.str("action_id"), LeadID: r.str("lead_id"), Minutes: r.int("minutes"),
			Notes: r.str("notes"), CreatedAt: r.time("created_at")}
	}},
	"decisions": {coll: "decisions", doc: func(r *row) any {
		return decisionDoc{ID: r.str("id"), GroupID: r.str("group_id"), MeetingID: r.str("meeting_id"), ItemID: r.str("item_id"),
			Text: r.str("text"), Type: r.str("type"), Reason: r.str("reason"), AgreedBy: r.list("agreed_by"), Dissent: r.str("dissent"),
			ByID: r.str("by_id"), At: r.time("at")}
	}},
	"actions": {coll: "actions", doc: func(r *row) any {
		return actionDoc{ID: r.str("id"), GroupID: r.str("group_id"), MeetingID: r.str("meeting_id"), ItemID: r.str("item_id"),
			Description: r.str("description"), OwnerOrg: r.str("owner_org"), Owner: r.str("owner"), Due: r.str("due"),
			IssueIDs: r.list("issue_ids"), CreatedAt: r.time("created_at")}
	}},
	"action_events": {coll: "action_events", key: keyOf("action_id", "seq"), doc: func(r *row) any {
		doc := actionEventDoc{ID: r.id, ActionID: r.str("action_id"), Seq: r.int64("seq"), Status: r.str("status"), Note: r.str("note"),
			Outcome: r.str("outcome"), Due: r.str("due"), ByID: r.str("by_id"), At: r.time("at"), Key: r.str("key")}
		if doc.Key == "" { // NULL in the embedded store: made by no form
			doc.Key = seqKey(doc.Seq)
		}
		return doc
	}},
	"quiet_questions": {coll: "quiet_questions", doc: func(r *row) any {
		return questionDoc{ID: r.str("id"), MeetingID: r.str("meeting_id"), Seq: r.int64("seq"), Text: r.str("text"), Status: r.str("status")}
	}},
	"quiet_supports": {coll: "quiet_supports", key: keyOf("question_id", "key"), doc: func(r *row) any {
		return quietSupportDoc{ID: r.id, QuestionID: r.str("question_id"), Key: r.str("key")}
	}},
	"minutes": {coll: "minutes", doc: func(r *row) any {
		doc := minutesDoc{MeetingID: r.str("meeting_id"), Text: r.str("text"), ChairID: r.str("chair_id"), ParentRepID: r.str("parent_rep_id"),
			Published: r.optTime("published"), Amendments: []amendmentDoc{}, UpdatedAt: r.time("updated_at")}
		var list []struct {
			Text, ByID string
			At         int64
		}
		r.json("amendments", &list)
		for _, a := range list {
			doc.Amendments = append(doc.Amendments, amendmentDoc{Text: a.Text, ByID: a.ByID, At: utc(msTime(a.At))})
		}
		return doc
	}},
}

// keyOf names the columns that identify a row of a table whose documents
// have a random _id.
func keyOf(cols ...string) func(r *row) []any {
	return func(r *row) []any {
		out := make([]any, len(cols))
		for i, c := range cols {
			out[i] = r.get(c)
		}
		return out
	}
}

// ImportPlan says where the rows of an embedded store's table go: a
// collection, or none and why. known is false for a table this version of
// Chorus does not know, which a migration must not pass over.
func ImportPlan(table string) (collection, skip string, known bool) {
	t, ok := imports[table]
	return t.coll, t.skip, ok
}

// ImportTables names every table ImportPlan knows, sorted.
func ImportTables() []string {
	out := make([]string, 0, len(imports))
	for t := range imports {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// ConvertRow turns one row of table into the document this adapter stores
// for it, and that document's _id. It fails for a table not moved or not
// known, and for a row with a column the conversion does not read.
func ConvertRow(table string, r Row) (id string, doc bson.Raw, err error) {
	t, ok := imports[table]
	if !ok {
		return "", nil, fmt.Errorf("mongo: table %s is unknown to the migration (add it to store/mongo/import.go)", table)
	}
	if t.coll == "" {
		return "", nil, fmt.Errorf("mongo: table %s is not moved: %s", table, t.skip)
	}
	rr := &row{table: table, row: r, used: map[string]bool{}}
	if t.key != nil {
		rr.id = derivedID(table, t.key(rr))
	}
	v := t.doc(rr)
	if rr.err != nil {
		return "", nil, rr.err
	}
	for col := range r {
		if !rr.used[col] {
			return "", nil, fmt.Errorf("mongo: column %s.%s is not moved by the migration (add it to store/mongo/import.go)", table, col)
		}
	}
	doc, err = bson.Marshal(v)
	if err != nil {
		return "", nil, fmt.Errorf("mongo: %s: %w", table, err)
	}
	idv, err := doc.LookupErr("_id")
	if err != nil {
		return "", nil, fmt.Errorf("mongo: %s: document without _id", table)
	}
	s, ok := idv.StringValueOK()
	if !ok || s == "" {
		return "", nil, fmt.Errorf("mongo: %s: _id is not a string", table)
	}
	return s, doc, nil
}

// derivedID is the _id of a migrated document whose collection uses random
// ones: a hash of its table and key, written as the adapter writes random
// IDs, so that the same row always gets the same _id.
func derivedID(table string, key []any) string {
	h := sha256.New()
	fmt.Fprintf(h, "chorus migrate\x00%s", table)
	for _, k := range key {
		fmt.Fprintf(h, "\x00%T:%v", k, k)
	}
	return idEncoding.EncodeToString(h.Sum(nil)[:10])
}

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// row reads one row's columns, recording which were read and the first
// error.
type row struct {
	table string
	row   Row
	used  map[string]bool
	id    string // the derived _id, for tables with a key
	err   error
}

func (r *row) get(col string) any {
	r.used[col] = true
	v, ok := r.row[col]
	if !ok && r.err == nil {
		r.err = fmt.Errorf("mongo: table %s has no column %s (is the embedded store older than this Chorus?)", r.table, col)
	}
	return v
}

func (r *row) fail(col string, v any) {
	if r.err == nil {
		r.err = fmt.Errorf("mongo: %s.%s: unexpected value %T %v", r.table, col, v, v)
	}
}

func (r *row) str(col string) string {
	switch v := r.get(col).(type) {
	case string:
		return v
	case []byte:
		return string(v)
	case nil:
		return ""
	default:
		r.fail(col, v)
		return ""
	}
}

func (r *row) int64(col string) int64 {
	switch v := r.get(col).(type) {
	case int64:
		return v
	case nil:
		return 0
	case string: // a number SQLite kept as text
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			r.fail(col, v)
		}
		return n
	default:
		r.fail(col, v)
		return 0
	}
}

func (r *row) int(col string) int { return int(r.int64(col)) }

func (r *row) bool(col string) bool { return r.int64(col) != 0 }

// msTime reads milliseconds since the epoch, 0 being no time, as the
// embedded store writes them.
func msTime(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

func (r *row) time(col string) time.Time { return utc(msTime(r.int64(col))) }

func (r *row) optTime(col string) *time.Time { return optTime(msTime(r.int64(col))) }

// list reads a JSON array of strings; never nil, as the adapter stores lists.
func (r *row) list(col string) []string {
	var out []string
	r.json(col, &out)
	return list(out)
}

func (r *row) json(col string, v any) {
	s := r.str(col)
	if s == "" {
		return
	}
	if err := json.Unmarshal([]byte(s), v); err != nil && r.err == nil {
		r.err = fmt.Errorf("mongo: %s.%s: %w", r.table, col, err)
	}
}

func (r *row) blob(col string) []byte {
	switch v := r.get(col).(type) {
	case []byte:
		return v
	case string:
		return []byte(v)
	case nil:
		return nil
	default:
		r.fail(col, v)
		return nil
	}
}

func (r *row) moderation() moderationDoc {
	return moderationDoc{Held: r.str("held"), HeldAt: r.optTime("held_at"), Hidden: r.str("hidden"), EditNote: r.str("edit_note"),
		Erased: r.str("erased")}
}

// ImportOutcome is what became of one document a migration inserted.
type ImportOutcome int

const (
	// Inserted: the document was not there and now is.
	Inserted ImportOutcome = iota
	// AlreadyThere: a document with its _id and the same content was there
	// (a migration run again).
	AlreadyThere
	// Conflict: a different document holds its _id or one of its unique
	// keys. It was left as it was; the migrated one is not stored.
	Conflict
)

// ImportDoc is a converted row on its way in.
type ImportDoc struct {
	ID  string
	Doc bson.Raw
}

// Import inserts docs into coll and never replaces or changes a document
// already there: for each it reports whether it was inserted, was already
// there identically, or conflicts with what is there.
func (d *DB) Import(ctx context.Context, coll string, docs []ImportDoc) ([]ImportOutcome, error) {
	out := make([]ImportOutcome, len(docs))
	if len(docs) == 0 {
		return out, nil
	}
	c := d.db.Collection(coll)
	batch := make([]any, len(docs))
	for i, doc := range docs {
		batch[i] = doc.Doc
	}
	_, err := c.InsertMany(ctx, batch, options.InsertMany().SetOrdered(false))
	if err == nil {
		return out, nil
	}
	var bwe driver.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil {
		return nil, translate(err)
	}
	for _, we := range bwe.WriteErrors {
		if !driver.IsDuplicateKeyError(we) || we.Index < 0 || we.Index >= len(docs) {
			return nil, translate(err)
		}
		var existing bson.Raw
		switch ferr := findOne(ctx, c, bson.D{{Key: "_id", Value: docs[we.Index].ID}}, &existing); {
		case ferr == nil:
			same, cerr := SameDocument(existing, docs[we.Index].Doc)
			if cerr != nil {
				return nil, cerr
			}
			if same {
				out[we.Index] = AlreadyThere
			} else {
				out[we.Index] = Conflict
			}
		case errors.Is(ferr, fault.ErrNotFound):
			out[we.Index] = Conflict // another document holds one of its unique keys
		default:
			return nil, ferr
		}
	}
	return out, nil
}

// Counts returns how many documents each collection of the database holds
// (collections with none included).
func (d *DB) Counts(ctx context.Context) (map[string]int64, error) {
	names, err := d.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return nil, translate(err)
	}
	out := make(map[string]int64, len(names))
	for _, name := range names {
		n, err := d.db.Collection(name).CountDocuments(ctx, bson.D{})
		if err != nil {
			return nil, translate(err)
		}
		out[name] = n
	}
	return out, nil
}

// ScanCollection calls fn with every document of coll.
func (d *DB) ScanCollection(ctx context.Context, coll string, fn func(id string, doc []byte) error) error {
	cur, err := d.db.Collection(coll).Find(ctx, bson.D{})
	if err != nil {
		return translate(err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		doc := slices.Clone(cur.Current)
		id, _ := doc.Lookup("_id").StringValueOK()
		if err := fn(id, doc); err != nil {
			return err
		}
	}
	return translate(cur.Err())
}

// Canonical writes a document in one form whatever the order its fields
// were stored in: canonical extended JSON with the fields of every
// (sub)document sorted by name. Equal documents have equal forms.
func Canonical(doc []byte) ([]byte, error) {
	var d bson.D
	if err := bson.Unmarshal(doc, &d); err != nil {
		return nil, err
	}
	return bson.MarshalExtJSON(sortFields(d), true, false)
}

func sortFields(v any) any {
	switch x := v.(type) {
	case bson.D:
		out := make(bson.D, len(x))
		for i, e := range x {
			out[i] = bson.E{Key: e.Key, Value: sortFields(e.Value)}
		}
		slices.SortFunc(out, func(a, b bson.E) int { return bytes.Compare([]byte(a.Key), []byte(b.Key)) })
		return out
	case bson.A:
		out := make(bson.A, len(x))
		for i, e := range x {
			out[i] = sortFields(e)
		}
		return out
	}
	return v
}

// SameDocument reports whether two documents hold the same fields and values.
func SameDocument(a, b bson.Raw) (bool, error) {
	ca, err := Canonical(a)
	if err != nil {
		return false, err
	}
	cb, err := Canonical(b)
	if err != nil {
		return false, err
	}
	return bytes.Equal(ca, cb), nil
}
