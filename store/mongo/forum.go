package mongo

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"chorus/forum"
	"chorus/internal/fault"
	"chorus/internal/secret"
)

var _ forum.Store = (*DB)(nil)

// Documents as stored for the forum domain. What many people do at once is
// an insert under a unique index: a support is a document keyed (issue,
// supporter), a follow one keyed (issue, follower), an event one keyed
// (issue, seq), an earlier comment text one keyed (comment, seq), a handled
// form one keyed by its idempotency key. Counts are counted from those
// documents, never kept.

type forumDoc struct {
	ID                 string    `bson:"_id"`
	OrgID              string    `bson:"org_id"`
	Name               string    `bson:"name"`
	Area               string    `bson:"area"`
	Description        string    `bson:"description"`
	Languages          []string  `bson:"languages"`
	PreModerate        bool      `bson:"pre_moderate"`
	AllowAnonymous     bool      `bson:"allow_anonymous"`
	VisitorSupport     bool      `bson:"visitor_support"`
	OpenJoin           bool      `bson:"open_join"`
	ResponseTargetDays int       `bson:"response_target_days"`
	SafeguardingLeadID string    `bson:"safeguarding_lead_id"`
	Themes             []string  `bson:"themes"`
	CreatedAt          time.Time `bson:"created_at"`
	// Moderation settings; absent on forums stored before them, which then
	// read as the defaults.
	PreModerateAnonymous bool     `bson:"pre_moderate_anonymous"`
	ReportThreshold      int      `bson:"report_threshold"`
	SafeguardingDeputyID string   `bson:"safeguarding_deputy_id"`
	EscalateHours        int      `bson:"escalate_hours"`
	RiskTerms            []string `bson:"risk_terms"`
}

func (doc *forumDoc) forum() *forum.Forum {
	return &forum.Forum{ID: doc.ID, OrgID: doc.OrgID, Name: doc.Name, Area: doc.Area, Description: doc.Description,
		Languages: fromList(doc.Languages), PreModerate: doc.PreModerate, AllowAnonymous: doc.AllowAnonymous,
		VisitorSupport: doc.VisitorSupport, OpenJoin: doc.OpenJoin, ResponseTargetDays: doc.ResponseTargetDays,
		SafeguardingLeadID: doc.SafeguardingLeadID, Themes: fromList(doc.Themes), CreatedAt: doc.CreatedAt.UTC(),
		PreModerateAnonymous: doc.PreModerateAnonymous, ReportThreshold: cmp.Or(doc.ReportThreshold, forum.DefaultReportThreshold),
		SafeguardingDeputyID: doc.SafeguardingDeputyID, EscalateHours: cmp.Or(doc.EscalateHours, forum.DefaultEscalateHours),
		RiskTerms: fromList(doc.RiskTerms)}
}

func newForumDoc(f *forum.Forum) forumDoc {
	return forumDoc{ID: f.ID, OrgID: f.OrgID, Name: f.Name, Area: f.Area, Description: f.Description,
		Languages: list(f.Languages), PreModerate: f.PreModerate, AllowAnonymous: f.AllowAnonymous,
		VisitorSupport: f.VisitorSupport, OpenJoin: f.OpenJoin, ResponseTargetDays: f.ResponseTargetDays,
		SafeguardingLeadID: f.SafeguardingLeadID, Themes: list(f.Themes), CreatedAt: utc(f.CreatedAt),
		PreModerateAnonymous: f.PreModerateAnonymous, ReportThreshold: f.ReportThreshold,
		SafeguardingDeputyID: f.SafeguardingDeputyID, EscalateHours: f.EscalateHours, RiskTerms: list(f.RiskTerms)}
}

// CreateForum inserts a forum; ErrConflict when its ID is taken.
func (d *DB) CreateForum(ctx context.Context, f *forum.Forum) error {
	return insert(ctx, d.forums, newForumDoc(f))
}

// UpdateForum replaces a forum's settings. Its ID and creation time never
// change. One writer at a time by nature (an administrator's form).
func (d *DB) UpdateForum(ctx context.Context, f *forum.Forum) error {
	return updateOne(ctx, d.forums, bson.D{{Key: "_id", Value: f.ID}}, bson.D{{Key: "$set", Value: bson.D{
		{Key: "org_id", Value: f.OrgID},
		{Key: "name", Value: f.Name},
		{Key: "area", Value: f.Area},
		{Key: "description", Value: f.Description},
		{Key: "languages", Value: list(f.Languages)},
		{Key: "pre_moderate", Value: f.PreModerate},
		{Key: "allow_anonymous", Value: f.AllowAnonymous},
		{Key: "visitor_support", Value: f.VisitorSupport},
		{Key: "open_join", Value: f.OpenJoin},
		{Key: "response_target_days", Value: f.ResponseTargetDays},
		{Key: "safeguarding_lead_id", Value: f.SafeguardingLeadID},
		{Key: "themes", Value: list(f.Themes)},
		{Key: "pre_moderate_anonymous", Value: f.PreModerateAnonymous},
		{Key: "report_threshold", Value: f.ReportThreshold},
		{Key: "safeguarding_deputy_id", Value: f.SafeguardingDeputyID},
		{Key: "escalate_hours", Value: f.EscalateHours},
		{Key: "risk_terms", Value: list(f.RiskTerms)},
	}}})
}

// FindForum returns a forum.
func (d *DB) FindForum(ctx context.Context, id string) (*forum.Forum, error) {
	var doc forumDoc
	if err := findOne(ctx, d.forums, bson.D{{Key: "_id", Value: id}}, &doc); err != nil {
		return nil, err
	}
	return doc.forum(), nil
}

// ListForums returns every forum, ordered by name.
func (d *DB) ListForums(ctx context.Context) ([]*forum.Forum, error) {
	var docs []forumDoc
	sort := bson.D{{Key: "name", Value: 1}, {Key: "_id", Value: 1}}
	if err := findAll(ctx, d.forums, bson.D{}, &docs, options.Find().SetSort(sort)); err != nil {
		return nil, err
	}
	out := make([]*forum.Forum, len(docs))
	for i := range docs {
		out[i] = docs[i].forum()
	}
	return out, nil
}

// memberDoc is a membership. Its _id is random; the unique index
// member_unique over (forum, user) is what makes it exist at most once.
type memberDoc struct {
	ID          string    `bson:"_id"`
	ForumID     string    `bson:"forum_id"`
	UserID      string    `bson:"user_id"`
	DisplayName string    `bson:"display_name"`
	Role        string    `bson:"role"`
	JoinedAt    time.Time `bson:"joined_at"`
}

func (doc *memberDoc) member() *forum.Member {
	return &forum.Member{ForumID: doc.ForumID, UserID: doc.UserID, DisplayName: doc.DisplayName,
		Role: forum.Role(doc.Role), JoinedAt: doc.JoinedAt.UTC()}
}

func memberKey(forumID, userID string) bson.D {
	return bson.D{{Key: "forum_id", Value: forumID}, {Key: "user_id", Value: userID}}
}

// AddMember inserts a membership; ErrConflict when already a member.
func (d *DB) AddMember(ctx context.Context, m *forum.Member) error {
	doc := memberDoc{ID: secret.NewID(), ForumID: m.ForumID, UserID: m.UserID, DisplayName: m.DisplayName,
		Role: string(m.Role), JoinedAt: utc(m.JoinedAt)}
	return insertKeyed(ctx, d.members, doc.ID, doc)
}

// UpdateMember replaces a member's display name and role.
func (d *DB) UpdateMember(ctx context.Context, m *forum.Member) error {
	return updateOne(ctx, d.members, memberKey(m.ForumID, m.UserID), bson.D{{Key: "$set", Value: bson.D{
		{Key: "display_name", Value: m.DisplayName},
		{Key: "role", Value: string(m.Role)},
	}}})
}

// FindMember returns a membership.
func (d *DB) FindMember(ctx context.Context, forumID, userID string) (*forum.Member, error) {
	var doc memberDoc
	if err := findOne(ctx, d.members, memberKey(forumID, userID), &doc); err != nil {
		return nil, err
	}
	return doc.member(), nil
}

// ListMembers returns a forum's members, ordered by display name.
func (d *DB) ListMembers(ctx context.Context, forumID string) ([]*forum.Member, error) {
	sort := bson.D{{Key: "display_name", Value: 1}, {Key: "user_id", Value: 1}}
	return d.findMembers(ctx, bson.D{{Key: "forum_id", Value: forumID}}, sort)
}

// ListMemberships returns a person's memberships, ordered by forum ID.
func (d *DB) ListMemberships(ctx context.Context, userID string) ([]*forum.Member, error) {
	return d.findMembers(ctx, bson.D{{Key: "user_id", Value: userID}}, bson.D{{Key: "forum_id", Value: 1}})
}

func (d *DB) findMembers(ctx context.Context, filter, sort bson.D) ([]*forum.Member, error) {
	var docs []memberDoc
	if err := findAll(ctx, d.members, filter, &docs, options.Find().SetSort(sort)); err != nil {
		return nil, err
	}
	out := make([]*forum.Member, len(docs))
	for i := range docs {
		out[i] = docs[i].member()
	}
	return out, nil
}

// issueDoc is an issue. status is a cache of its latest status event, and
// status_seq the sequence number of the event that set it: the history in
// events is the truth.
type issueDoc struct {
	ID         string        `bson:"_id"`
	ForumID    string        `bson:"forum_id"`
	Title      string        `bson:"title"`
	Body       string        `bson:"body"`
	Lang       string        `bson:"lang"`
	AuthorID   string        `bson:"author_id"`
	AuthorName string        `bson:"author_name"`
	Anonymous  bool          `bson:"anonymous"`
	Themes     []string      `bson:"themes"`
	CreatedAt  time.Time     `bson:"created_at"`
	Status     string        `bson:"status"`
	StatusSeq  int64         `bson:"status_seq"`
	OnBehalf   bool          `bson:"on_behalf"`
	Mod        moderationDoc `bson:",inline"`
}

// moderationDoc is what facilitators did to an issue or a comment. held is
// "" when nothing holds it (and on documents stored before moderation,
// where the field is absent: queries match both).
type moderationDoc struct {
	Held     string     `bson:"held"`
	HeldAt   *time.Time `bson:"held_at,omitempty"`
	Hidden   string     `bson:"hidden"`
	EditNote string     `bson:"edit_note"`
	Erased   string     `bson:"erased,omitempty"`
}

func newModerationDoc(m forum.Moderation) moderationDoc {
	return moderationDoc{Held: string(m.Held), HeldAt: optTime(m.HeldAt), Hidden: m.Hidden, EditNote: m.EditNote, Erased: string(m.Erased)}
}

func (doc moderationDoc) moderation() forum.Moderation {
	return forum.Moderation{Held: forum.Hold(doc.Held), HeldAt: fromOpt(doc.HeldAt), Hidden: doc.Hidden, EditNote: doc.EditNote,
		Erased: forum.Erasure(doc.Erased)}
}

// notHeld matches documents that no hold keeps from the public.
var notHeld = bson.E{Key: "held", Value: bson.D{{Key: "$in", Value: bson.A{"", nil}}}}

// isHeld matches documents a hold keeps from the public.
var isHeld = bson.E{Key: "held", Value: bson.D{{Key: "$nin", Value: bson.A{"", nil}}}}

func (doc *issueDoc) issue() *forum.Issue {
	return &forum.Issue{ID: doc.ID, ForumID: doc.ForumID, Title: doc.Title, Body: doc.Body, Lang: doc.Lang,
		AuthorID: doc.AuthorID, AuthorName: doc.AuthorName, Anonymous: doc.Anonymous, Themes: fromList(doc.Themes),
		CreatedAt: doc.CreatedAt.UTC(), Status: forum.Status(doc.Status), OnBehalf: doc.OnBehalf, Moderation: doc.Mod.moderation()}
}

// CreateIssue inserts an issue; ErrConflict when its ID is taken. Its status
// cache starts below any event's sequence number.
func (d *DB) CreateIssue(ctx context.Context, i *forum.Issue) error {
	return insert(ctx, d.issues, issueDoc{ID: i.ID, ForumID: i.ForumID, Title: i.Title, Body: i.Body, Lang: i.Lang,
		AuthorID: i.AuthorID, AuthorName: i.AuthorName, Anonymous: i.Anonymous, Themes: list(i.Themes),
		CreatedAt: utc(i.CreatedAt), Status: string(i.Status), OnBehalf: i.OnBehalf, Mod: newModerationDoc(i.Moderation)})
}

// moderationSet is the $set of an item's moderation; a zero hold time
// removes the field.
func moderationSet(m forum.Moderation, fields bson.D) bson.D {
	set := append(fields, bson.E{Key: "held", Value: string(m.Held)}, bson.E{Key: "hidden", Value: m.Hidden},
		bson.E{Key: "edit_note", Value: m.EditNote}, bson.E{Key: "erased", Value: string(m.Erased)})
	if m.HeldAt.IsZero() {
		return bson.D{{Key: "$set", Value: set}, {Key: "$unset", Value: bson.D{{Key: "held_at", Value: ""}}}}
	}
	return bson.D{{Key: "$set", Value: append(set, bson.E{Key: "held_at", Value: utc(m.HeldAt)})}}
}

// UpdateIssue replaces an issue's title, text, themes and moderation. The
// status cache is not touched: it has its own writer, SetIssueStatus.
func (d *DB) UpdateIssue(ctx context.Context, i *forum.Issue) error {
	return updateOne(ctx, d.issues, bson.D{{Key: "_id", Value: i.ID}}, moderationSet(i.Moderation, bson.D{
		{Key: "title", Value: i.Title}, {Key: "body", Value: i.Body}, {Key: "themes", Value: list(i.Themes)}}))
}

// ListHeldIssues returns a forum's held issues, oldest hold first.
func (d *DB) ListHeldIssues(ctx context.Context, forumID string) ([]*forum.Issue, error) {
	var docs []issueDoc
	opts := options.Find().SetSort(bson.D{{Key: "held_at", Value: 1}, {Key: "_id", Value: 1}})
	if err := findAll(ctx, d.issues, bson.D{{Key: "forum_id", Value: forumID}, isHeld}, &docs, opts); err != nil {
		return nil, err
	}
	out := make([]*forum.Issue, len(docs))
	for i := range docs {
		out[i] = docs[i].issue()
	}
	return out, nil
}

// FindIssue returns an issue.
func (d *DB) FindIssue(ctx context.Context, id string) (*forum.Issue, error) {
	var doc issueDoc
	if err := findOne(ctx, d.issues, bson.D{{Key: "_id", Value: id}}, &doc); err != nil {
		return nil, err
	}
	return doc.issue(), nil
}

// maxStatusTries bounds the writes of one SetIssueStatus. Each rewrite means
// another writer's stale update landed in between.
const maxStatusTries = 20

// SetIssueStatus sets the status cache to the status of event seq, unless
// the event that set it is at least as recent: matching nothing but the
// issue is not an error. ErrNotFound when the issue does not exist.
//
// FerretDB 1.x applies an update as a read, a filter and a change in the
// server's memory, then a blind write of the whole document: an update that
// read the document before a newer event's update wrote it can land after
// it, whatever its filter says. So every write is followed by a check:
// read the cache back and the issue's latest status event (the history,
// written before this is called, is the truth), and while the cache holds an
// older event than either seq or that one, write the newer again. Then the
// last write to land is always checked by its writer after it landed, and
// any status event it did not see is followed by a call of its own that
// writes later: when every call has returned, the cache holds the latest
// status event, on any server. It also repairs a cache left behind by a
// call that never came (a crash between the event and its cache update).
func (d *DB) SetIssueStatus(ctx context.Context, issueID string, status forum.Status, seq int64) error {
	want := statusEvent{Status: string(status), Seq: seq}
	readBack := options.FindOne().SetProjection(bson.D{{Key: "status_seq", Value: 1}})
	for try := 0; try < maxStatusTries; try++ {
		filter := bson.D{{Key: "_id", Value: issueID}, {Key: "status_seq", Value: bson.D{{Key: "$lt", Value: want.Seq}}}}
		update := bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: want.Status}, {Key: "status_seq", Value: want.Seq}}}}
		if _, err := d.issues.UpdateOne(ctx, filter, update); err != nil {
			return translate(err)
		}
		var cached struct {
			Seq int64 `bson:"status_seq"`
		}
		if err := translate(d.issues.FindOne(ctx, bson.D{{Key: "_id", Value: issueID}}, readBack).Decode(&cached)); err != nil {
			return err
		}
		latest, err := d.latestStatusEvent(ctx, issueID)
		if err != nil {
			return err
		}
		if latest.Seq > want.Seq {
			want = latest
		}
		if cached.Seq >= want.Seq {
			return nil
		}
	}
	return fmt.Errorf("mongo: issue %s: status cache overwritten %d times in a row", issueID, maxStatusTries)
}

// statusEvent is the part of a status event the status cache holds.
type statusEvent struct {
	Seq    int64  `bson:"seq"`
	Status string `bson:"status"`
}

// latestStatusEvent returns an issue's latest status event; zero when it has
// none.
func (d *DB) latestStatusEvent(ctx context.Context, issueID string) (statusEvent, error) {
	var ev statusEvent
	filter := bson.D{{Key: "issue_id", Value: issueID}, {Key: "kind", Value: string(forum.EventStatus)}}
	opts := options.FindOne().SetSort(bson.D{{Key: "seq", Value: -1}}).
		SetProjection(bson.D{{Key: "_id", Value: 0}, {Key: "seq", Value: 1}, {Key: "status", Value: 1}})
	err := translate(d.events.FindOne(ctx, filter, opts).Decode(&ev))
	if errors.Is(err, fault.ErrNotFound) {
		return statusEvent{}, nil
	}
	return ev, err
}

// issueKey is what an issue list filters, sorts and pages by; the page's
// whole documents are read once the page is known. Title and Body are read
// only for a search.
type issueKey struct {
	ID        string    `bson:"_id"`
	CreatedAt time.Time `bson:"created_at"`
	Title     string    `bson:"title,omitempty"`
	Body      string    `bson:"body,omitempty"`
}

// defaultIssueLimit is the page size when the filter gives none.
const defaultIssueLimit = 20

// ListIssues returns one page of a forum's issues with their counts, and how
// many match in all.
//
// FerretDB 1.x sorts in memory whatever the filter matches, and the orders by
// support or activity sort on what other collections hold, so this reads the
// keys of the issues matching forum, status and theme, searches them with
// forum.MatchesQuery (as the SQLite adapter does, so a search finds the same
// issues on either), derives what the order needs for all of them and the
// rest for the page only, sorts and pages here, then reads the page's
// documents. Ties fall to the newest, then ID, as in the SQLite adapter.
func (d *DB) ListIssues(ctx context.Context, f forum.IssueFilter) ([]*forum.IssueSummary, int, error) {
	proj := bson.D{{Key: "_id", Value: 1}, {Key: "created_at", Value: 1}}
	search := strings.TrimSpace(f.Query) != ""
	if search {
		proj = append(proj, bson.E{Key: "title", Value: 1}, bson.E{Key: "body", Value: 1})
	}
	var keys []issueKey
	if err := findAll(ctx, d.issues, issueFilter(f), &keys, options.Find().SetProjection(proj)); err != nil {
		return nil, 0, err
	}
	if search {
		keys = slices.DeleteFunc(keys, func(k issueKey) bool { return !forum.MatchesQuery(k.Title, k.Body, f.Query) })
	}
	st := make(map[string]*issueStats, len(keys))
	for _, k := range keys {
		st[k.ID] = &issueStats{}
	}
	byNewest := func(a, b issueKey) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(a.ID, b.ID))
	}
	var counted, active bool // supports counted, activity found, for every key
	switch f.Sort {
	case forum.SortSupport:
		if err := d.countSupportsOf(ctx, st, keyIDs(keys)); err != nil {
			return nil, 0, err
		}
		counted = true
		slices.SortFunc(keys, func(a, b issueKey) int {
			return cmp.Or(cmp.Compare(st[b.ID].supports, st[a.ID].supports), byNewest(a, b))
		})
	case forum.SortActive:
		if err := d.findActivityOf(ctx, st, keyIDs(keys)); err != nil {
			return nil, 0, err
		}
		active = true
		slices.SortFunc(keys, func(a, b issueKey) int {
			return cmp.Or(st[b.ID].lastActivity(b.CreatedAt).Compare(st[a.ID].lastActivity(a.CreatedAt)), byNewest(a, b))
		})
	default:
		slices.SortFunc(keys, byNewest)
	}
	total := len(keys)
	limit := f.Limit
	if limit <= 0 {
		limit = defaultIssueLimit
	}
	page := keys[min(max(f.Offset, 0), total):]
	page = page[:min(limit, len(page))]
	if len(page) == 0 {
		return nil, total, nil
	}
	// One issue at a time, a few at once: a query on one issue_id is pushed
	// down to PostgreSQL by FerretDB, where one on a list of them ($in) makes
	// it read every document of the collection.
	out := make([]*forum.IssueSummary, len(page))
	err := eachIssue(ctx, keyIDs(page), func(ctx context.Context, i int, id string) error {
		var doc issueDoc
		if err := findOne(ctx, d.issues, bson.D{{Key: "_id", Value: id}}, &doc); err != nil {
			return err
		}
		s := st[id]
		if !counted {
			if err := d.issueSupports(ctx, s, id); err != nil {
				return err
			}
		}
		if !active {
			if err := d.issueActivity(ctx, s, id); err != nil {
				return err
			}
		}
		out[i] = &forum.IssueSummary{Issue: *doc.issue(), Supports: s.supports, Comments: s.comments,
			LastActivity: s.lastActivity(doc.CreatedAt).UTC()}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// pageConcurrency is how many of a page's issues are read at once.
const pageConcurrency = 8

// eachIssue calls f for every issue ID, pageConcurrency at a time, with its
// index; it returns the first error, once every call has returned.
func eachIssue(ctx context.Context, ids []string, f func(ctx context.Context, i int, id string) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
		slots = make(chan struct{}, pageConcurrency)
	)
	for i, id := range ids {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			if err := f(ctx, i, id); err != nil {
				once.Do(func() { first = err; cancel() })
			}
		})
	}
	wg.Wait()
	return first
}

// findEach runs one query per ID (filter), each sorted by seq, a few at
// once (see eachIssue), and returns the converted results in the order of
// ids, each ID's in seq order.
func findEach[D any, T any](ctx context.Context, c *driver.Collection, ids []string, filter func(id string) bson.D, convert func(*D) T) ([]T, error) {
	per := make([][]T, len(ids))
	err := eachIssue(ctx, ids, func(ctx context.Context, i int, id string) error {
		var docs []D
		if err := findAll(ctx, c, filter(id), &docs, options.Find().SetSort(bson.D{{Key: "seq", Value: 1}})); err != nil {
			return err
		}
		for j := range docs {
			per[i] = append(per[i], convert(&docs[j]))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return slices.Concat(per...), nil
}

// issueFilter is the query for an issue list's forum, statuses and theme.
func issueFilter(f forum.IssueFilter) bson.D {
	filter := bson.D{{Key: "forum_id", Value: f.ForumID}}
	if !f.Held {
		filter = append(filter, notHeld)
	}
	if len(f.Statuses) > 0 {
		statuses := make([]string, len(f.Statuses))
		for i, s := range f.Statuses {
			statuses[i] = string(s)
		}
		filter = append(filter, bson.E{Key: "status", Value: bson.D{{Key: "$in", Value: statuses}}})
	}
	if f.Theme != "" {
		// Equality with an array field matches when the array holds the value.
		filter = append(filter, bson.E{Key: "themes", Value: f.Theme})
	}
	return filter
}

func keyIDs(keys []issueKey) []string {
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = k.ID
	}
	return ids
}

// issueStats is what an issue list shows beside an issue, derived from the
// documents that make it up.
type issueStats struct {
	supports, comments     int
	lastComment, lastEvent time.Time
}

// lastActivity is the latest of an issue's creation, last comment and last
// history event.
func (s *issueStats) lastActivity(created time.Time) time.Time {
	last := created
	for _, t := range []time.Time{s.lastComment, s.lastEvent} {
		if t.After(last) {
			last = t
		}
	}
	return last
}

// inIssues matches the documents of the given issues.
func inIssues(ids []string) bson.D {
	return bson.D{{Key: "issue_id", Value: bson.D{{Key: "$in", Value: ids}}}}
}

// countSupportsOf sets the support counts of the given issues in st, counted
// by $group on the server (a popular issue has many supports). One query
// for every issue of a list: FerretDB reads the whole collection for it.
func (d *DB) countSupportsOf(ctx context.Context, st map[string]*issueStats, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	pipeline := bson.A{
		bson.D{{Key: "$match", Value: inIssues(ids)}},
		bson.D{{Key: "$group", Value: bson.D{{Key: "_id", Value: "$issue_id"}, {Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}}}}},
	}
	var groups []struct {
		ID string `bson:"_id"`
		N  int64  `bson:"n"`
	}
	if err := aggregate(ctx, d.supports, pipeline, &groups); err != nil {
		return err
	}
	for _, g := range groups {
		if s, ok := st[g.ID]; ok {
			s.supports = int(g.N)
		}
	}
	return nil
}

// findActivityOf sets the comment counts and the times of the latest
// comment and history event of the given issues in st. It reads each
// comment's and event's issue and time: FerretDB 1.24's $group has no $max
// (only $sum and $count).
func (d *DB) findActivityOf(ctx context.Context, st map[string]*issueStats, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	var comments []struct {
		IssueID   string    `bson:"issue_id"`
		CreatedAt time.Time `bson:"created_at"`
	}
	opts := options.Find().SetProjection(bson.D{{Key: "_id", Value: 0}, {Key: "issue_id", Value: 1}, {Key: "created_at", Value: 1}})
	if err := findAll(ctx, d.comments, inIssues(ids), &comments, opts); err != nil {
		return err
	}
	for _, c := range comments {
		if s, ok := st[c.IssueID]; ok {
			s.comments++
			if c.CreatedAt.After(s.lastComment) {
				s.lastComment = c.CreatedAt
			}
		}
	}
	var events []struct {
		IssueID string    `bson:"issue_id"`
		At      time.Time `bson:"at"`
	}
	opts = options.Find().SetProjection(bson.D{{Key: "_id", Value: 0}, {Key: "issue_id", Value: 1}, {Key: "at", Value: 1}})
	if err := findAll(ctx, d.events, inIssues(ids), &events, opts); err != nil {
		return err
	}
	for _, e := range events {
		if s, ok := st[e.IssueID]; ok && e.At.After(s.lastEvent) {
			s.lastEvent = e.At
		}
	}
	return nil
}

// issueSupports sets one issue's support count in s.
func (d *DB) issueSupports(ctx context.Context, s *issueStats, issueID string) error {
	n, err := d.supports.CountDocuments(ctx, bson.D{{Key: "issue_id", Value: issueID}})
	if err != nil {
		return translate(err)
	}
	s.supports = int(n)
	return nil
}

// issueActivity sets one issue's comment count and the times of its latest
// comment and history event in s.
func (d *DB) issueActivity(ctx context.Context, s *issueStats, issueID string) error {
	var comments []struct {
		CreatedAt time.Time `bson:"created_at"`
		Held      string    `bson:"held"`
	}
	opts := options.Find().SetProjection(bson.D{{Key: "_id", Value: 0}, {Key: "created_at", Value: 1}, {Key: "held", Value: 1}})
	if err := findAll(ctx, d.comments, bson.D{{Key: "issue_id", Value: issueID}}, &comments, opts); err != nil {
		return err
	}
	for _, c := range comments {
		if c.Held != "" { // held comments are not there for the public yet
			continue
		}
		s.comments++
		if c.CreatedAt.After(s.lastComment) {
			s.lastComment = c.CreatedAt
		}
	}
	var last struct {
		At time.Time `bson:"at"`
	}
	one := options.FindOne().SetSort(bson.D{{Key: "at", Value: -1}}).SetProjection(bson.D{{Key: "_id", Value: 0}, {Key: "at", Value: 1}})
	switch err := translate(d.events.FindOne(ctx, bson.D{{Key: "issue_id", Value: issueID}}, one).Decode(&last)); {
	case err == nil:
		s.lastEvent = last.At
	case !errors.Is(err, fault.ErrNotFound):
		return err
	}
	return nil
}

// closedStatuses are the statuses that end an issue's active life.
var closedStatuses = bson.A{string(forum.StatusResolved), string(forum.StatusNotPossible), string(forum.StatusMerged)}

// IssueCandidates returns the title and text of a forum's issues that are
// not closed, oldest first.
func (d *DB) IssueCandidates(ctx context.Context, forumID string) ([]forum.Candidate, error) {
	filter := bson.D{{Key: "forum_id", Value: forumID},
		{Key: "status", Value: bson.D{{Key: "$nin", Value: append(slices.Clone(closedStatuses), string(forum.StatusInReview))}}}, notHeld}
	opts := options.Find().
		SetProjection(bson.D{{Key: "title", Value: 1}, {Key: "body", Value: 1}, {Key: "hidden", Value: 1}}).
		SetSort(bson.D{{Key: "created_at", Value: 1}, {Key: "_id", Value: 1}})
	var docs []issueDoc
	if err := findAll(ctx, d.issues, filter, &docs, opts); err != nil {
		return nil, err
	}
	var out []forum.Candidate
	for _, doc := range docs {
		if doc.Mod.Hidden == "" {
			out = append(out, forum.Candidate{ID: doc.ID, Title: doc.Title, Text: doc.Body})
		}
	}
	return out, nil
}

// eventDoc is one event of an issue's history. Its _id is random; the unique
// index issue_seq_unique over (issue, seq) numbers the history.
type eventDoc struct {
	ID      string    `bson:"_id"`
	IssueID string    `bson:"issue_id"`
	Seq     int64     `bson:"seq"`
	Kind    string    `bson:"kind"`
	Status  string    `bson:"status"`
	Actor   string    `bson:"actor"`
	ActorID string    `bson:"actor_id"`
	Note    string    `bson:"note"`
	Private bool      `bson:"private"`
	At      time.Time `bson:"at"`
	Ref     string    `bson:"ref,omitempty"`
	// Key is the form's key, or "seq:<n>" for an event made by no form:
	// every event has one, so the unique index over (issue, key) needs no
	// partial filter (which FerretDB 1.x lacks).
	Key string `bson:"key"`
}

// seqKey is the key of an event no form made.
func seqKey(seq int64) string { return "seq:" + strconv.FormatInt(seq, 10) }

func (doc *eventDoc) event() *forum.Event {
	return &forum.Event{IssueID: doc.IssueID, Seq: doc.Seq, Kind: forum.EventKind(doc.Kind),
		Status: forum.Status(doc.Status), Actor: forum.Actor(doc.Actor), ActorID: doc.ActorID, Note: doc.Note,
		Private: doc.Private, At: doc.At.UTC(), Ref: doc.Ref, Key: strings.TrimPrefix(doc.Key, seqKey(doc.Seq))}
}

// AddEvent inserts an event under its (issue, seq) key; ErrConflict when the
// seq is taken, and the caller retries with the next one.
func (d *DB) AddEvent(ctx context.Context, e *forum.Event) error {
	doc := eventDoc{ID: secret.NewID(), IssueID: e.IssueID, Seq: e.Seq, Kind: string(e.Kind), Status: string(e.Status),
		Actor: string(e.Actor), ActorID: e.ActorID, Note: e.Note, Private: e.Private, At: utc(e.At), Ref: e.Ref, Key: e.Key}
	if doc.Key == "" {
		doc.Key = seqKey(e.Seq)
	}
	return insertKeyed(ctx, d.events, doc.ID, doc)
}

// ListEvents returns an issue's history in sequence order.
func (d *DB) ListEvents(ctx context.Context, issueID string) ([]*forum.Event, error) {
	var docs []eventDoc
	opts := options.Find().SetSort(bson.D{{Key: "seq", Value: 1}})
	if err := findAll(ctx, d.events, bson.D{{Key: "issue_id", Value: issueID}}, &docs, opts); err != nil {
		return nil, err
	}
	out := make([]*forum.Event, len(docs))
	for i := range docs {
		out[i] = docs[i].event()
	}
	return out, nil
}

// ListEventsOf returns several issues' events of some kinds, each issue's in
// order: one query per issue (see eachIssue), a few at once.
func (d *DB) ListEventsOf(ctx context.Context, issueIDs []string, kinds []forum.EventKind) ([]*forum.Event, error) {
	ks := make([]string, len(kinds))
	for i, k := range kinds {
		ks[i] = string(k)
	}
	return findEach(ctx, d.events, issueIDs, func(id string) bson.D {
		return bson.D{{Key: "issue_id", Value: id}, {Key: "kind", Value: bson.D{{Key: "$in", Value: ks}}}}
	}, (*eventDoc).event)
}

// followUpDoc ties a follow-up code to its issue, keyed by the code's
// public selector.
type followUpDoc struct {
	Selector   string    `bson:"_id"`
	SecretHash string    `bson:"secret_hash"`
	IssueID    string    `bson:"issue_id"`
	CreatedAt  time.Time `bson:"created_at"`
	SeenSeq    int64     `bson:"seen_seq,omitempty"`
}

// AddFollowUp inserts a follow-up code record; ErrConflict when the selector
// is taken.
func (d *DB) AddFollowUp(ctx context.Context, f *forum.FollowUp) error {
	return insert(ctx, d.followUps, followUpDoc{Selector: f.Selector, SecretHash: f.SecretHash, IssueID: f.IssueID,
		CreatedAt: utc(f.CreatedAt)})
}

// FindFollowUp returns the record for a selector.
func (d *DB) FindFollowUp(ctx context.Context, selector string) (*forum.FollowUp, error) {
	var doc followUpDoc
	if err := findOne(ctx, d.followUps, bson.D{{Key: "_id", Value: selector}}, &doc); err != nil {
		return nil, err
	}
	return &forum.FollowUp{Selector: doc.Selector, SecretHash: doc.SecretHash, IssueID: doc.IssueID,
		CreatedAt: doc.CreatedAt.UTC(), SeenSeq: doc.SeenSeq}, nil
}

// supportDoc is one support. Its _id is random; the unique index
// support_unique over (issue, key) lets a key support an issue once, however
// many requests race.
type supportDoc struct {
	ID      string    `bson:"_id"`
	IssueID string    `bson:"issue_id"`
	Key     string    `bson:"key"`
	At      time.Time `bson:"at"`
}

func supportKey(issueID, key string) bson.D {
	return bson.D{{Key: "issue_id", Value: issueID}, {Key: "key", Value: key}}
}

// AddSupport inserts a support; ErrConflict when this key already supports
// the issue.
func (d *DB) AddSupport(ctx context.Context, s *forum.Support) error {
	doc := supportDoc{ID: secret.NewID(), IssueID: s.IssueID, Key: s.Key, At: utc(s.At)}
	return insertKeyed(ctx, d.supports, doc.ID, doc)
}

// ListSupports returns an issue's supports.
func (d *DB) ListSupports(ctx context.Context, issueID string) ([]*forum.Support, error) {
	var docs []supportDoc
	opts := options.Find().SetSort(bson.D{{Key: "at", Value: 1}, {Key: "key", Value: 1}})
	if err := findAll(ctx, d.supports, bson.D{{Key: "issue_id", Value: issueID}}, &docs, opts); err != nil {
		return nil, err
	}
	out := make([]*forum.Support, len(docs))
	for i, doc := range docs {
		out[i] = &forum.Support{IssueID: doc.IssueID, Key: doc.Key, At: doc.At.UTC()}
	}
	return out, nil
}

// RemoveSupport deletes a support; ErrNotFound when there is none.
func (d *DB) RemoveSupport(ctx context.Context, issueID, key string) error {
	return deleteOne(ctx, d.supports, supportKey(issueID, key))
}

// HasSupport reports whether a key supports an issue.
func (d *DB) HasSupport(ctx context.Context, issueID, key string) (bool, error) {
	return exists(ctx, d.supports, supportKey(issueID, key))
}

// CountSupports counts an issue's supports: the documents themselves, so
// concurrent supports are all counted.
func (d *DB) CountSupports(ctx context.Context, issueID string) (int, error) {
	n, err := d.supports.CountDocuments(ctx, bson.D{{Key: "issue_id", Value: issueID}})
	if err != nil {
		return 0, translate(err)
	}
	return int(n), nil
}

// commentDoc is a comment. edited_at is absent until it is edited; its
// earlier texts are commentVersionDocs.
type commentDoc struct {
	ID         string        `bson:"_id"`
	IssueID    string        `bson:"issue_id"`
	AuthorID   string        `bson:"author_id"`
	AuthorName string        `bson:"author_name"`
	Body       string        `bson:"body"`
	CreatedAt  time.Time     `bson:"created_at"`
	EditedAt   *time.Time    `bson:"edited_at,omitempty"`
	ForumID    string        `bson:"forum_id"`
	Mod        moderationDoc `bson:",inline"`
}

func (doc *commentDoc) comment() *forum.Comment {
	return &forum.Comment{ID: doc.ID, IssueID: doc.IssueID, ForumID: doc.ForumID, AuthorID: doc.AuthorID, AuthorName: doc.AuthorName,
		Body: doc.Body, CreatedAt: doc.CreatedAt.UTC(), EditedAt: fromOpt(doc.EditedAt), Moderation: doc.Mod.moderation()}
}

// AddComment inserts a comment; ErrConflict when its ID is taken.
func (d *DB) AddComment(ctx context.Context, c *forum.Comment) error {
	return insert(ctx, d.comments, commentDoc{ID: c.ID, IssueID: c.IssueID, ForumID: c.ForumID, AuthorID: c.AuthorID,
		AuthorName: c.AuthorName, Body: c.Body, CreatedAt: utc(c.CreatedAt), EditedAt: optTime(c.EditedAt),
		Mod: newModerationDoc(c.Moderation)})
}

// ListHeldComments returns a forum's held comments, oldest hold first.
func (d *DB) ListHeldComments(ctx context.Context, forumID string) ([]*forum.Comment, error) {
	var docs []commentDoc
	opts := options.Find().SetSort(bson.D{{Key: "held_at", Value: 1}, {Key: "_id", Value: 1}})
	if err := findAll(ctx, d.comments, bson.D{{Key: "forum_id", Value: forumID}, isHeld}, &docs, opts); err != nil {
		return nil, err
	}
	out := make([]*forum.Comment, len(docs))
	for i := range docs {
		out[i] = docs[i].comment()
	}
	return out, nil
}

// ListComments returns an issue's comments, oldest first.
func (d *DB) ListComments(ctx context.Context, issueID string) ([]*forum.Comment, error) {
	var docs []commentDoc
	opts := options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}, {Key: "_id", Value: 1}})
	if err := findAll(ctx, d.comments, bson.D{{Key: "issue_id", Value: issueID}}, &docs, opts); err != nil {
		return nil, err
	}
	out := make([]*forum.Comment, len(docs))
	for i := range docs {
		out[i] = docs[i].comment()
	}
	return out, nil
}

// FindComment returns a comment.
func (d *DB) FindComment(ctx context.Context, id string) (*forum.Comment, error) {
	var doc commentDoc
	if err := findOne(ctx, d.comments, bson.D{{Key: "_id", Value: id}}, &doc); err != nil {
		return nil, err
	}
	return doc.comment(), nil
}

// UpdateComment replaces a comment's body, edit time and moderation; a zero
// time removes its field. The text it replaces is kept first with
// AddVersion, so an overwrite stays visible.
func (d *DB) UpdateComment(ctx context.Context, c *forum.Comment) error {
	update := moderationSet(c.Moderation, bson.D{{Key: "body", Value: c.Body}})
	if c.EditedAt.IsZero() {
		update = append(update, bson.E{Key: "$unset", Value: bson.D{{Key: "edited_at", Value: ""}}})
	} else {
		set := update[0].Value.(bson.D)
		update[0].Value = append(set, bson.E{Key: "edited_at", Value: utc(c.EditedAt)})
	}
	return updateOne(ctx, d.comments, bson.D{{Key: "_id", Value: c.ID}}, mergeUnsets(update))
}

// mergeUnsets folds several $unset entries of an update into one.
func mergeUnsets(update bson.D) bson.D {
	var out, unset bson.D
	for _, e := range update {
		if e.Key == "$unset" {
			unset = append(unset, e.Value.(bson.D)...)
		} else {
			out = append(out, e)
		}
	}
	if len(unset) > 0 {
		out = append(out, bson.E{Key: "$unset", Value: unset})
	}
	return out
}

// versionDoc is an earlier text of an issue or a comment. Its _id is random;
// the unique index item_seq_unique over (item, seq) numbers the texts.
type versionDoc struct {
	ID     string    `bson:"_id"`
	ItemID string    `bson:"item_id"`
	Seq    int64     `bson:"seq"`
	Title  string    `bson:"title"`
	Body   string    `bson:"body"`
	At     time.Time `bson:"at"`
}

// AddVersion keeps an earlier text; ErrConflict when the (item, seq) key is
// taken.
func (d *DB) AddVersion(ctx context.Context, v *forum.Version) error {
	doc := versionDoc{ID: secret.NewID(), ItemID: v.ItemID, Seq: v.Seq, Title: v.Title, Body: v.Body, At: utc(v.At)}
	return insertKeyed(ctx, d.versions, doc.ID, doc)
}

// EraseVersions empties the title and text of an item's earlier texts.
func (d *DB) EraseVersions(ctx context.Context, itemID string) error {
	_, err := d.versions.UpdateMany(ctx, bson.D{{Key: "item_id", Value: itemID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "title", Value: ""}, {Key: "body", Value: ""}}}})
	return translate(err)
}

// ListVersions returns an item's earlier texts in sequence order.
func (d *DB) ListVersions(ctx context.Context, itemID string) ([]*forum.Version, error) {
	var docs []versionDoc
	opts := options.Find().SetSort(bson.D{{Key: "seq", Value: 1}})
	if err := findAll(ctx, d.versions, bson.D{{Key: "item_id", Value: itemID}}, &docs, opts); err != nil {
		return nil, err
	}
	out := make([]*forum.Version, len(docs))
	for i, doc := range docs {
		out[i] = &forum.Version{ItemID: doc.ItemID, Seq: doc.Seq, Title: doc.Title, Body: doc.Body, At: doc.At.UTC()}
	}
	return out, nil
}

// followDoc says a person follows an issue. Its _id is random; the unique
// index follow_unique over (issue, user) lets a person follow an issue once,
// however many requests race.
type followDoc struct {
	ID      string    `bson:"_id"`
	IssueID string    `bson:"issue_id"`
	UserID  string    `bson:"user_id"`
	At      time.Time `bson:"at"`
}

func followKey(issueID, userID string) bson.D {
	return bson.D{{Key: "issue_id", Value: issueID}, {Key: "user_id", Value: userID}}
}

// AddFollow makes a person follow an issue; ErrConflict when they already do.
func (d *DB) AddFollow(ctx context.Context, f *forum.Follow) error {
	doc := followDoc{ID: secret.NewID(), IssueID: f.IssueID, UserID: f.UserID, At: utc(f.At)}
	return insertKeyed(ctx, d.follows, doc.ID, doc)
}

// RemoveFollow stops a person following an issue; ErrNotFound when they do
// not.
func (d *DB) RemoveFollow(ctx context.Context, issueID, userID string) error {
	return deleteOne(ctx, d.follows, followKey(issueID, userID))
}

// IsFollowing reports whether a person follows an issue.
func (d *DB) IsFollowing(ctx context.Context, issueID, userID string) (bool, error) {
	return exists(ctx, d.follows, followKey(issueID, userID))
}

// ListFollowers returns the IDs of an issue's followers, ordered by ID.
func (d *DB) ListFollowers(ctx context.Context, issueID string) ([]string, error) {
	var docs []struct {
		UserID string `bson:"user_id"`
	}
	opts := options.Find().SetSort(bson.D{{Key: "user_id", Value: 1}}).
		SetProjection(bson.D{{Key: "_id", Value: 0}, {Key: "user_id", Value: 1}})
	if err := findAll(ctx, d.follows, bson.D{{Key: "issue_id", Value: issueID}}, &docs, opts); err != nil {
		return nil, err
	}
	out := make([]string, len(docs))
	for i, doc := range docs {
		out[i] = doc.UserID
	}
	return out, nil
}

// notificationDoc is one entry in a person's list, keyed by its ID. read is
// the one field updated in place, only ever to true, by its one reader.
type notificationDoc struct {
	ID      string    `bson:"_id"`
	UserID  string    `bson:"user_id"`
	IssueID string    `bson:"issue_id"`
	Title   string    `bson:"title"`
	Kind    string    `bson:"kind"`
	Status  string    `bson:"status"`
	Note    string    `bson:"note,omitempty"`
	Ref     string    `bson:"ref,omitempty"`
	At      time.Time `bson:"at"`
	Read    bool      `bson:"read"`
}

// AddNotification inserts a notification; ErrConflict when its ID is taken.
func (d *DB) AddNotification(ctx context.Context, n *forum.Notification) error {
	return insert(ctx, d.notifications, notificationDoc{ID: n.ID, UserID: n.UserID, IssueID: n.IssueID, Title: n.Title,
		Kind: string(n.Kind), Status: string(n.Status), Note: n.Note, Ref: n.Ref, At: utc(n.At), Read: n.Read})
}

// ListNotifications returns a person's notifications, newest first (ties by
// ID, as in the SQLite adapter), at most limit (none when limit is not
// positive). FerretDB sorts every notification of the person in memory
// before the limit applies.
func (d *DB) ListNotifications(ctx context.Context, userID string, limit int) ([]*forum.Notification, error) {
	if limit <= 0 {
		return nil, nil
	}
	var docs []notificationDoc
	opts := options.Find().SetSort(bson.D{{Key: "at", Value: -1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit))
	if err := findAll(ctx, d.notifications, bson.D{{Key: "user_id", Value: userID}}, &docs, opts); err != nil {
		return nil, err
	}
	out := make([]*forum.Notification, len(docs))
	for i, doc := range docs {
		out[i] = &forum.Notification{ID: doc.ID, UserID: doc.UserID, IssueID: doc.IssueID, Title: doc.Title,
			Kind: forum.NoticeKind(doc.Kind), Status: forum.Status(doc.Status), Note: doc.Note, Ref: doc.Ref, At: doc.At.UTC(), Read: doc.Read}
	}
	return out, nil
}

// unread matches a person's unread notifications.
func unread(userID string) bson.D {
	return bson.D{{Key: "user_id", Value: userID}, {Key: "read", Value: false}}
}

// CountUnread counts a person's unread notifications.
func (d *DB) CountUnread(ctx context.Context, userID string) (int, error) {
	n, err := d.notifications.CountDocuments(ctx, unread(userID))
	if err != nil {
		return 0, translate(err)
	}
	return int(n), nil
}

// MarkRead marks all of a person's notifications read. The person is the
// one writer of read, and a notification inserted meanwhile is a new
// document that no update touches: it stays unread, as it should.
func (d *DB) MarkRead(ctx context.Context, userID string) error {
	_, err := d.notifications.UpdateMany(ctx, unread(userID), bson.D{{Key: "$set", Value: bson.D{{Key: "read", Value: true}}}})
	return translate(err)
}

// reportDoc is a member's flag on an issue or a comment, keyed by its ID.
// The unique index report_unique over (item, reporter) lets a member report
// an item once, however many requests race.
type reportDoc struct {
	ID         string    `bson:"_id"`
	ForumID    string    `bson:"forum_id"`
	IssueID    string    `bson:"issue_id"`
	CommentID  string    `bson:"comment_id"`
	ItemID     string    `bson:"item_id"`
	ReporterID string    `bson:"reporter_id"`
	Reason     string    `bson:"reason"`
	Detail     string    `bson:"detail"`
	At         time.Time `bson:"at"`
	Resolved   bool      `bson:"resolved"`
}

// AddReport inserts a report; ErrConflict when the reporter already
// reported the item.
func (d *DB) AddReport(ctx context.Context, r *forum.Report) error {
	return insertKeyed(ctx, d.reports, r.ID, reportDoc{ID: r.ID, ForumID: r.ForumID, IssueID: r.IssueID, CommentID: r.CommentID,
		ItemID: r.Item(), ReporterID: r.ReporterID, Reason: string(r.Reason), Detail: r.Detail, At: utc(r.At), Resolved: r.Resolved})
}

// ListReports returns a forum's reports (the open ones if asked), newest
// first (ties by ID).
func (d *DB) ListReports(ctx context.Context, forumID string, open bool) ([]*forum.Report, error) {
	var docs []reportDoc
	filter := bson.D{{Key: "forum_id", Value: forumID}}
	if open {
		filter = append(filter, bson.E{Key: "resolved", Value: false})
	}
	opts := options.Find().SetSort(bson.D{{Key: "at", Value: -1}, {Key: "_id", Value: 1}})
	if err := findAll(ctx, d.reports, filter, &docs, opts); err != nil {
		return nil, err
	}
	out := make([]*forum.Report, len(docs))
	for i, doc := range docs {
		out[i] = &forum.Report{ID: doc.ID, ForumID: doc.ForumID, IssueID: doc.IssueID, CommentID: doc.CommentID,
			ReporterID: doc.ReporterID, Reason: forum.ReportReason(doc.Reason), Detail: doc.Detail, At: doc.At.UTC(), Resolved: doc.Resolved}
	}
	return out, nil
}

func openReports(itemID string) bson.D {
	return bson.D{{Key: "item_id", Value: itemID}, {Key: "resolved", Value: false}}
}

// CountReports counts an item's open reports.
func (d *DB) CountReports(ctx context.Context, itemID string) (int, error) {
	n, err := d.reports.CountDocuments(ctx, openReports(itemID))
	return int(n), translate(err)
}

// ResolveReports closes an item's open reports. Resolved only ever turns
// true, so concurrent writers agree.
func (d *DB) ResolveReports(ctx context.Context, itemID string) error {
	_, err := d.reports.UpdateMany(ctx, openReports(itemID), bson.D{{Key: "$set", Value: bson.D{{Key: "resolved", Value: true}}}})
	return translate(err)
}

// quoteDoc is a quote a facilitator chose, keyed by its ID.
type quoteDoc struct {
	ID      string    `bson:"_id"`
	IssueID string    `bson:"issue_id"`
	ForumID string    `bson:"forum_id"`
	Text    string    `bson:"text"`
	ByID    string    `bson:"by_id"`
	At      time.Time `bson:"at"`
}

// AddQuote inserts a quote; ErrConflict when its ID is taken.
func (d *DB) AddQuote(ctx context.Context, q *forum.Quote) error {
	return insert(ctx, d.quotes, quoteDoc{ID: q.ID, IssueID: q.IssueID, ForumID: q.ForumID, Text: q.Text, ByID: q.ByID, At: utc(q.At)})
}

// ListQuotes returns an issue's quotes, oldest first.
func (d *DB) ListQuotes(ctx context.Context, issueID string) ([]*forum.Quote, error) {
	var docs []quoteDoc
	opts := options.Find().SetSort(bson.D{{Key: "at", Value: 1}, {Key: "_id", Value: 1}})
	if err := findAll(ctx, d.quotes, bson.D{{Key: "issue_id", Value: issueID}}, &docs, opts); err != nil {
		return nil, err
	}
	out := make([]*forum.Quote, len(docs))
	for i, doc := range docs {
		out[i] = &forum.Quote{ID: doc.ID, IssueID: doc.IssueID, ForumID: doc.ForumID, Text: doc.Text, ByID: doc.ByID, At: doc.At.UTC()}
	}
	return out, nil
}

// RemoveQuote deletes one of an issue's quotes; ErrNotFound when there is none.
func (d *DB) RemoveQuote(ctx context.Context, issueID, id string) error {
	return deleteOne(ctx, d.quotes, bson.D{{Key: "_id", Value: id}, {Key: "issue_id", Value: issueID}})
}

// RemoveQuotes deletes every quote of an issue.
func (d *DB) RemoveQuotes(ctx context.Context, issueID string) error {
	return deleteMany(ctx, d.quotes, bson.D{{Key: "issue_id", Value: issueID}})
}

// idempotencyDoc records a handled form, keyed by its idempotency key: of
// identical submissions racing, exactly one inserts it.
type idempotencyDoc struct {
	Key    string    `bson:"_id"`
	Result string    `bson:"result"`
	At     time.Time `bson:"at"`
}

// AddIdempotency records a handled form; ErrConflict when the key exists.
func (d *DB) AddIdempotency(ctx context.Context, i *forum.Idempotency) error {
	return insert(ctx, d.idempotency, idempotencyDoc{Key: i.Key, Result: i.Result, At: utc(i.At)})
}

// FindIdempotency returns a handled form's record.
func (d *DB) FindIdempotency(ctx context.Context, key string) (*forum.Idempotency, error) {
	var doc idempotencyDoc
	if err := findOne(ctx, d.idempotency, bson.D{{Key: "_id", Value: key}}, &doc); err != nil {
		return nil, err
	}
	return &forum.Idempotency{Key: doc.Key, Result: doc.Result, At: doc.At.UTC()}, nil
}

// insertKeyed inserts a document whose unique key is not its random _id.
// A duplicate key is ErrConflict, unless the document with that _id is
// there: then the driver retried an insert that had in fact landed, and it
// succeeded. (FerretDB does not say which unique key was taken.)
func insertKeyed(ctx context.Context, c *driver.Collection, id string, doc any) error {
	err := insert(ctx, c, doc)
	if !errors.Is(err, fault.ErrConflict) {
		return err
	}
	n, cerr := c.CountDocuments(ctx, bson.D{{Key: "_id", Value: id}})
	switch {
	case cerr != nil:
		return errors.Join(err, translate(cerr))
	case n > 0:
		return nil
	}
	return err
}

// aggregate runs a pipeline and decodes every result into the slice v points
// to.
func aggregate(ctx context.Context, c *driver.Collection, pipeline any, v any) error {
	cur, err := c.Aggregate(ctx, pipeline)
	if err != nil {
		return translate(err)
	}
	return translate(cur.All(ctx, v))
}

// list stores an optional list as an array, never null, so that queries on
// it need not tell the two apart.
func list(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// fromList reads a list back: nil when empty.
func fromList(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// exists reports whether any document matches filter.
func exists(ctx context.Context, coll *driver.Collection, filter bson.D) (bool, error) {
	n, err := coll.CountDocuments(ctx, filter, options.Count().SetLimit(1))
	if err != nil {
		return false, translate(err)
	}
	return n > 0, nil
}
