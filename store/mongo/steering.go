package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"chorus/internal/secret"
	"chorus/steering"
)

var _ steering.Store = (*DB)(nil)

// The steering domain's collections. What many people do at once is an
// insert under a unique index: an action's history event is a document keyed
// (action, seq) and, for a form, (action, key); a quiet-voice question one
// keyed (meeting, seq); a support of it one keyed (question, key), counted,
// never kept as a counter. Groups, meetings, agenda items, questions' status
// and minutes are updated in place by their one writer (an administrator,
// the chair).
func (d *DB) steeringGroups() *driver.Collection  { return d.db.Collection("steering_groups") }
func (d *DB) steeringMembers() *driver.Collection { return d.db.Collection("steering_members") }
func (d *DB) meetings() *driver.Collection        { return d.db.Collection("meetings") }
func (d *DB) agendaItems() *driver.Collection     { return d.db.Collection("agenda_items") }
func (d *DB) decisions() *driver.Collection       { return d.db.Collection("decisions") }
func (d *DB) actions() *driver.Collection         { return d.db.Collection("actions") }
func (d *DB) actionEvents() *driver.Collection    { return d.db.Collection("action_events") }
func (d *DB) quietQuestions() *driver.Collection  { return d.db.Collection("quiet_questions") }
func (d *DB) quietSupports() *driver.Collection   { return d.db.Collection("quiet_supports") }
func (d *DB) minutes() *driver.Collection         { return d.db.Collection("minutes") }

func byID(id string) bson.D { return bson.D{{Key: "_id", Value: id}} }

// orgs and fromOrgs store a list of organisations as an array of strings,
// never null.
func orgs(list []steering.OrgKind) []string {
	out := make([]string, len(list))
	for i, o := range list {
		out[i] = string(o)
	}
	return out
}

func fromOrgs(list []string) []steering.OrgKind {
	var out []steering.OrgKind
	for _, o := range list {
		out = append(out, steering.OrgKind(o))
	}
	return out
}

type groupDoc struct {
	ID          string    `bson:"_id"`
	OrgID       string    `bson:"org_id"`
	Name        string    `bson:"name"`
	Description string    `bson:"description"`
	ForumIDs    []string  `bson:"forum_ids"`
	CreatedAt   time.Time `bson:"created_at"`
}

func (doc *groupDoc) group() *steering.Group {
	return &steering.Group{ID: doc.ID, OrgID: doc.OrgID, Name: doc.Name, Description: doc.Description,
		ForumIDs: fromList(doc.ForumIDs), CreatedAt: doc.CreatedAt.UTC()}
}

// CreateGroup inserts a group; ErrConflict when its ID is taken.
func (d *DB) CreateGroup(ctx context.Context, g *steering.Group) error {
	return insert(ctx, d.steeringGroups(), groupDoc{ID: g.ID, OrgID: g.OrgID, Name: g.Name, Description: g.Description,
		ForumIDs: list(g.ForumIDs), CreatedAt: utc(g.CreatedAt)})
}

// UpdateGroup replaces a group's name, description and forums.
func (d *DB) UpdateGroup(ctx context.Context, g *steering.Group) error {
	return updateOne(ctx, d.steeringGroups(), byID(g.ID), bson.D{{Key: "$set", Value: bson.D{
		{Key: "name", Value: g.Name},
		{Key: "description", Value: g.Description},
		{Key: "forum_ids", Value: list(g.ForumIDs)},
	}}})
}

// FindGroup returns a group.
func (d *DB) FindGroup(ctx context.Context, id string) (*steering.Group, error) {
	var doc groupDoc
	if err := findOne(ctx, d.steeringGroups(), byID(id), &doc); err != nil {
		return nil, err
	}
	return doc.group(), nil
}

// ListGroups returns every group, by name. There are few: one per area's
// keyworker service.
func (d *DB) ListGroups(ctx context.Context) ([]*steering.Group, error) {
	var docs []groupDoc
	opts := options.Find().SetSort(bson.D{{Key: "name", Value: 1}, {Key: "_id", Value: 1}})
	if err := findAll(ctx, d.steeringGroups(), bson.D{}, &docs, opts); err != nil {
		return nil, err
	}
	out := make([]*steering.Group, len(docs))
	for i := range docs {
		out[i] = docs[i].group()
	}
	return out, nil
}

// steeringMemberDoc is a membership. Its _id is random; the unique index
// member_unique over (group, user) makes it exist at most once.
type steeringMemberDoc struct {
	ID           string    `bson:"_id"`
	GroupID      string    `bson:"group_id"`
	UserID       string    `bson:"user_id"`
	Name         string    `bson:"name"`
	Role         string    `bson:"role"`
	Organisation string    `bson:"organisation"`
	AddedAt      time.Time `bson:"added_at"`
}

func (doc *steeringMemberDoc) member() *steering.Member {
	return &steering.Member{GroupID: doc.GroupID, UserID: doc.UserID, Name: doc.Name, Role: steering.Role(doc.Role),
		Organisation: steering.OrgKind(doc.Organisation), AddedAt: doc.AddedAt.UTC()}
}

func groupMemberKey(groupID, userID string) bson.D {
	return bson.D{{Key: "group_id", Value: groupID}, {Key: "user_id", Value: userID}}
}

// AddGroupMember inserts a membership; ErrConflict when already a member.
func (d *DB) AddGroupMember(ctx context.Context, m *steering.Member) error {
	doc := steeringMemberDoc{ID: secret.NewID(), GroupID: m.GroupID, UserID: m.UserID, Name: m.Name, Role: string(m.Role),
		Organisation: string(m.Organisation), AddedAt: utc(m.AddedAt)}
	return insertKeyed(ctx, d.steeringMembers(), doc.ID, doc)
}

// UpdateGroupMember replaces a member's name, role and organisation.
func (d *DB) UpdateGroupMember(ctx context.Context, m *steering.Member) error {
	return updateOne(ctx, d.steeringMembers(), groupMemberKey(m.GroupID, m.UserID), bson.D{{Key: "$set", Value: bson.D{
		{Key: "name", Value: m.Name},
		{Key: "role", Value: string(m.Role)},
		{Key: "organisation", Value: string(m.Organisation)},
	}}})
}

// RemoveGroupMember deletes a membership.
func (d *DB) RemoveGroupMember(ctx context.Context, groupID, userID string) error {
	return deleteOne(ctx, d.steeringMembers(), groupMemberKey(groupID, userID))
}

// ListGroupMembers returns a group's members, by name.
func (d *DB) ListGroupMembers(ctx context.Context, groupID string) ([]*steering.Member, error) {
	return d.findGroupMembers(ctx, bson.D{{Key: "group_id", Value: groupID}}, bson.D{{Key: "name", Value: 1}, {Key: "user_id", Value: 1}})
}

// ListGroupMemberships returns a person's memberships, by group ID.
func (d *DB) ListGroupMemberships(ctx context.Context, userID string) ([]*steering.Member, error) {
	return d.findGroupMembers(ctx, bson.D{{Key: "user_id", Value: userID}}, bson.D{{Key: "group_id", Value: 1}})
}

func (d *DB) findGroupMembers(ctx context.Context, filter, sort bson.D) ([]*steering.Member, error) {
	var docs []steeringMemberDoc
	if err := findAll(ctx, d.steeringMembers(), filter, &docs, options.Find().SetSort(sort)); err != nil {
		return nil, err
	}
	out := make([]*steering.Member, len(docs))
	for i := range docs {
		out[i] = docs[i].member()
	}
	return out, nil
}

type meetingDoc struct {
	ID        string    `bson:"_id"`
	GroupID   string    `bson:"group_id"`
	Title     string    `bson:"title"`
	StartsAt  time.Time `bson:"starts_at"`
	Minutes   int       `bson:"minutes"`
	Place     string    `bson:"place"`
	Online    string    `bson:"online"`
	Status    string    `bson:"status"`
	Current   string    `bson:"current"`
	OpenLink  bool      `bson:"open_link"`
	LinkKey   string    `bson:"link_key"`
	CreatedAt time.Time `bson:"created_at"`
}

func (doc *meetingDoc) meeting() *steering.Meeting {
	return &steering.Meeting{ID: doc.ID, GroupID: doc.GroupID, Title: doc.Title, StartsAt: doc.StartsAt.UTC(), Minutes: doc.Minutes,
		Place: doc.Place, Online: doc.Online, Status: steering.MeetingStatus(doc.Status), Current: doc.Current,
		OpenLink: doc.OpenLink, LinkKey: doc.LinkKey, CreatedAt: doc.CreatedAt.UTC()}
}

// CreateMeeting inserts a meeting; ErrConflict when its ID is taken.
func (d *DB) CreateMeeting(ctx context.Context, m *steering.Meeting) error {
	return insert(ctx, d.meetings(), meetingDoc{ID: m.ID, GroupID: m.GroupID, Title: m.Title, StartsAt: utc(m.StartsAt),
		Minutes: m.Minutes, Place: m.Place, Online: m.Online, Status: string(m.Status), Current: m.Current,
		OpenLink: m.OpenLink, LinkKey: m.LinkKey, CreatedAt: utc(m.CreatedAt)})
}

// UpdateMeeting replaces a meeting's details, status and current item; its
// group, link key and creation time stay.
func (d *DB) UpdateMeeting(ctx context.Context, m *steering.Meeting) error {
	return updateOne(ctx, d.meetings(), byID(m.ID), bson.D{{Key: "$set", Value: bson.D{
		{Key: "title", Value: m.Title},
		{Key: "starts_at", Value: utc(m.StartsAt)},
		{Key: "minutes", Value: m.Minutes},
		{Key: "place", Value: m.Place},
		{Key: "online", Value: m.Online},
		{Key: "status", Value: string(m.Status)},
		{Key: "current", Value: m.Current},
		{Key: "open_link", Value: m.OpenLink},
	}}})
}

// FindMeeting returns a meeting.
func (d *DB) FindMeeting(ctx context.Context, id string) (*steering.Meeting, error) {
	var doc meetingDoc
	if err := findOne(ctx, d.meetings(), byID(id), &doc); err != nil {
		return nil, err
	}
	return doc.meeting(), nil
}

// ListMeetings returns a group's meetings, earliest first.
func (d *DB) ListMeetings(ctx context.Context, groupID string) ([]*steering.Meeting, error) {
	var docs []meetingDoc
	opts := options.Find().SetSort(bson.D{{Key: "starts_at", Value: 1}, {Key: "_id", Value: 1}})
	if err := findAll(ctx, d.meetings(), bson.D{{Key: "group_id", Value: groupID}}, &docs, opts); err != nil {
		return nil, err
	}
	out := make([]*steering.Meeting, len(docs))
	for i := range docs {
		out[i] = docs[i].meeting()
	}
	return out, nil
}

type itemDoc struct {
	ID        string    `bson:"_id"`
	MeetingID string    `bson:"meeting_id"`
	Order     int       `bson:"ord"`
	Kind      string    `bson:"kind"`
	Title     string    `bson:"title"`
	IssueID   string    `bson:"issue_id"`
	ActionID  string    `bson:"action_id"`
	LeadID    string    `bson:"lead_id"`
	Minutes   int       `bson:"minutes"`
	Notes     string    `bson:"notes"`
	CreatedAt time.Time `bson:"created_at"`
}

func (doc *itemDoc) item() *steering.Item {
	return &steering.Item{ID: doc.ID, MeetingID: doc.MeetingID, Order: doc.Order, Kind: steering.ItemKind(doc.Kind), Title: doc.Title,
		IssueID: doc.IssueID, ActionID: doc.ActionID, LeadID: doc.LeadID, Minutes: doc.Minutes, Notes: doc.Notes,
		CreatedAt: doc.CreatedAt.UTC()}
}

// AddItem inserts an agenda item; ErrConflict when its ID is taken.
func (d *DB) AddItem(ctx context.Context, it *steering.Item) error {
	return insert(ctx, d.agendaItems(), itemDoc{ID: it.ID, MeetingID: it.MeetingID, Order: it.Order, Kind: string(it.Kind),
		Title: it.Title, IssueID: it.IssueID, ActionID: it.ActionID, LeadID: it.LeadID, Minutes: it.Minutes, Notes: it.Notes,
		CreatedAt: utc(it.CreatedAt)})
}

// UpdateItem replaces an item's title, lead, time box, order and notes.
func (d *DB) UpdateItem(ctx context.Context, it *steering.Item) error {
	return updateOne(ctx, d.agendaItems(), byID(it.ID), bson.D{{Key: "$set", Value: bson.D{
		{Key: "title", Value: it.Title},
		{Key: "lead_id", Value: it.LeadID},
		{Key: "minutes", Value: it.Minutes},
		{Key: "ord", Value: it.Order},
		{Key: "notes", Value: it.Notes},
	}}})
}

// RemoveItem deletes an agenda item.
func (d *DB) RemoveItem(ctx context.Context, id string) error {
	return deleteOne(ctx, d.agendaItems(), byID(id))
}

// FindItem returns an agenda item.
func (d *DB) FindItem(ctx context.Context, id string) (*steering.Item, error) {
	var doc itemDoc
	if err := findOne(ctx, d.agendaItems(), byID(id), &doc); err != nil {
		return nil, err
	}
	return doc.item(), nil
}

// ListItems returns a meeting's agenda in order.
func (d *DB) ListItems(ctx context.Context, meetingID string) ([]*steering.Item, error) {
	var docs []itemDoc
	opts := options.Find().SetSort(bson.D{{Key: "ord", Value: 1}, {Key: "created_at", Value: 1}, {Key: "_id", Value: 1}})
	if err := findAll(ctx, d.agendaItems(), bson.D{{Key: "meeting_id", Value: meetingID}}, &docs, opts); err != nil {
		return nil, err
	}
	out := make([]*steering.Item, len(docs))
	for i := range docs {
		out[i] = docs[i].item()
	}
	return out, nil
}

type decisionDoc struct {
	ID        string    `bson:"_id"`
	GroupID   string    `bson:"group_id"`
	MeetingID string    `bson:"meeting_id"`
	ItemID    string    `bson:"item_id"`
	Text      string    `bson:"text"`
	Type      string    `bson:"type"`
	Reason    string    `bson:"reason"`
	AgreedBy  []string  `bson:"agreed_by"`
	Dissent   string    `bson:"dissent"`
	ByID      string    `bson:"by_id"`
	At        time.Time `bson:"at"`
}

// AddDecision inserts a decision; ErrConflict when its ID is taken.
func (d *DB) AddDecision(ctx context.Context, dc *steering.Decision) error {
	return insert(ctx, d.decisions(), decisionDoc{ID: dc.ID, GroupID: dc.GroupID, MeetingID: dc.MeetingID, ItemID: dc.ItemID,
		Text: dc.Text, Type: string(dc.Type), Reason: dc.Reason, AgreedBy: orgs(dc.AgreedBy), Dissent: dc.Dissent,
		ByID: dc.ByID, At: utc(dc.At)})
}

// ListDecisions returns a group's decisions (one meeting's when meetingID
// is set), oldest first.
func (d *DB) ListDecisions(ctx context.Context, groupID, meetingID string) ([]*steering.Decision, error) {
	filter := bson.D{{Key: "group_id", Value: groupID}}
	if meetingID != "" {
		filter = append(filter, bson.E{Key: "meeting_id", Value: meetingID})
	}
	var docs []decisionDoc
	opts := options.Find().SetSort(bson.D{{Key: "at", Value: 1}, {Key: "_id", Value: 1}})
	if err := findAll(ctx, d.decisions(), filter, &docs, opts); err != nil {
		return nil, err
	}
	out := make([]*steering.Decision, len(docs))
	for i, doc := range docs {
		out[i] = &steering.Decision{ID: doc.ID, GroupID: doc.GroupID, MeetingID: doc.MeetingID, ItemID: doc.ItemID, Text: doc.Text,
			Type: steering.DecisionType(doc.Type), Reason: doc.Reason, AgreedBy: fromOrgs(doc.AgreedBy), Dissent: doc.Dissent,
			ByID: doc.ByID, At: doc.At.UTC()}
	}
	return out, nil
}

// actionDoc is an action as agreed. Its status, current due date and
// outcome are derived from its events; issue_ids, indexed, finds an
// issue's actions.
type actionDoc struct {
	ID          string    `bson:"_id"`
	GroupID     string    `bson:"group_id"`
	MeetingID   string    `bson:"meeting_id"`
	ItemID      string    `bson:"item_id"`
	Description string    `bson:"description"`
	OwnerOrg    string    `bson:"owner_org"`
	Owner       string    `bson:"owner"`
	Due         string    `bson:"due"`
	IssueIDs    []string  `bson:"issue_ids"`
	CreatedAt   time.Time `bson:"created_at"`
}

func (doc *actionDoc) action() *steering.Action {
	return &steering.Action{ID: doc.ID, GroupID: doc.GroupID, MeetingID: doc.MeetingID, ItemID: doc.ItemID,
		Description: doc.Description, OwnerOrg: steering.OrgKind(doc.OwnerOrg), Owner: doc.Owner, Due: doc.Due,
		IssueIDs: fromList(doc.IssueIDs), CreatedAt: doc.CreatedAt.UTC()}
}

// CreateAction inserts an action with its links to issues, in one
// document; ErrConflict when its ID is taken.
func (d *DB) CreateAction(ctx context.Context, a *steering.Action) error {
	return insert(ctx, d.actions(), actionDoc{ID: a.ID, GroupID: a.GroupID, MeetingID: a.MeetingID, ItemID: a.ItemID,
		Description: a.Description, OwnerOrg: string(a.OwnerOrg), Owner: a.Owner, Due: a.Due, IssueIDs: list(a.IssueIDs),
		CreatedAt: utc(a.CreatedAt)})
}

// FindAction returns an action.
func (d *DB) FindAction(ctx context.Context, id string) (*steering.Action, error) {
	var doc actionDoc
	if err := findOne(ctx, d.actions(), byID(id), &doc); err != nil {
		return nil, err
	}
	return doc.action(), nil
}

// ListActions returns a group's actions, oldest first.
func (d *DB) ListActions(ctx context.Context, groupID string) ([]*steering.Action, error) {
	return d.findActions(ctx, bson.D{{Key: "group_id", Value: groupID}})
}

// ListActionsFor returns the actions linked to an issue, oldest first: an
// equality on the array issue_ids matches any of its elements.
func (d *DB) ListActionsFor(ctx context.Context, issueID string) ([]*steering.Action, error) {
	return d.findActions(ctx, bson.D{{Key: "issue_ids", Value: issueID}})
}

func (d *DB) findActions(ctx context.Context, filter bson.D) ([]*steering.Action, error) {
	var docs []actionDoc
	opts := options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}, {Key: "_id", Value: 1}})
	if err := findAll(ctx, d.actions(), filter, &docs, opts); err != nil {
		return nil, err
	}
	out := make([]*steering.Action, len(docs))
	for i := range docs {
		out[i] = docs[i].action()
	}
	return out, nil
}

// actionEventDoc is one event of an action's history. Its _id is random;
// the unique index action_seq_unique over (action, seq) numbers the history,
// and action_key_unique over (action, key) keeps one event per form. As for
// an issue's events (eventDoc), an event made by no form is stored with the
// key of its seq, so that every event has a key and the index needs no
// partial filter, which FerretDB 1.x lacks.
type actionEventDoc struct {
	ID       string    `bson:"_id"`
	ActionID string    `bson:"action_id"`
	Seq      int64     `bson:"seq"`
	Status   string    `bson:"status"`
	Note     string    `bson:"note"`
	Outcome  string    `bson:"outcome"`
	Due      string    `bson:"due"`
	ByID     string    `bson:"by_id"`
	At       time.Time `bson:"at"`
	Key      string    `bson:"key"`
}

func (doc *actionEventDoc) event() *steering.ActionEvent {
	key := doc.Key
	if key == seqKey(doc.Seq) {
		key = ""
	}
	return &steering.ActionEvent{ActionID: doc.ActionID, Seq: doc.Seq, Status: steering.ActionStatus(doc.Status), Note: doc.Note,
		Outcome: doc.Outcome, Due: doc.Due, ByID: doc.ByID, At: doc.At.UTC(), Key: key}
}

// AddActionEvent inserts an event under its (action, seq) key and its
// (action, key); ErrConflict when either is taken.
func (d *DB) AddActionEvent(ctx context.Context, e *steering.ActionEvent) error {
	doc := actionEventDoc{ID: secret.NewID(), ActionID: e.ActionID, Seq: e.Seq, Status: string(e.Status), Note: e.Note,
		Outcome: e.Outcome, Due: e.Due, ByID: e.ByID, At: utc(e.At), Key: e.Key}
	if doc.Key == "" {
		doc.Key = seqKey(e.Seq)
	}
	return insertKeyed(ctx, d.actionEvents(), doc.ID, doc)
}

// ListActionEvents returns the histories of some actions, each in order and
// in the order of actionIDs: one query per action (an equality FerretDB
// answers from the index, where $in reads the whole collection), a few at
// once.
func (d *DB) ListActionEvents(ctx context.Context, actionIDs []string) ([]*steering.ActionEvent, error) {
	return findEach(ctx, d.actionEvents(), actionIDs, func(id string) bson.D {
		return bson.D{{Key: "action_id", Value: id}}
	}, (*actionEventDoc).event)
}

// questionDoc is a quiet-voice question: no sender, no time, only its
// meeting and its place in the queue (unique per meeting).
type questionDoc struct {
	ID        string `bson:"_id"`
	MeetingID string `bson:"meeting_id"`
	Seq       int64  `bson:"seq"`
	Text      string `bson:"text"`
	Status    string `bson:"status"`
}

func (doc *questionDoc) question() *steering.Question {
	return &steering.Question{ID: doc.ID, MeetingID: doc.MeetingID, Seq: doc.Seq, Text: doc.Text, Status: steering.QuestionStatus(doc.Status)}
}

// AddQuestion inserts a question under its (meeting, seq) key; ErrConflict
// when its ID or that key is taken.
func (d *DB) AddQuestion(ctx context.Context, q *steering.Question) error {
	return insert(ctx, d.quietQuestions(), questionDoc{ID: q.ID, MeetingID: q.MeetingID, Seq: q.Seq, Text: q.Text, Status: string(q.Status)})
}

// FindQuestion returns a question, without its support count.
func (d *DB) FindQuestion(ctx context.Context, id string) (*steering.Question, error) {
	var doc questionDoc
	if err := findOne(ctx, d.quietQuestions(), byID(id), &doc); err != nil {
		return nil, err
	}
	return doc.question(), nil
}

// SetQuestionStatus changes a question's status (the chair or a facilitator
// moderates; the last one wins).
func (d *DB) SetQuestionStatus(ctx context.Context, id string, st steering.QuestionStatus) error {
	return updateOne(ctx, d.quietQuestions(), byID(id), bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: string(st)}}}})
}

// ListQuestions returns a meeting's questions in order, each with its
// support count: the support documents counted, one equality query per
// question (a meeting has tens), a few at once.
func (d *DB) ListQuestions(ctx context.Context, meetingID string) ([]*steering.Question, error) {
	var docs []questionDoc
	opts := options.Find().SetSort(bson.D{{Key: "seq", Value: 1}})
	if err := findAll(ctx, d.quietQuestions(), bson.D{{Key: "meeting_id", Value: meetingID}}, &docs, opts); err != nil {
		return nil, err
	}
	out := make([]*steering.Question, len(docs))
	ids := make([]string, len(docs))
	for i := range docs {
		out[i], ids[i] = docs[i].question(), docs[i].ID
	}
	err := eachIssue(ctx, ids, func(ctx context.Context, i int, id string) error {
		n, err := d.quietSupports().CountDocuments(ctx, bson.D{{Key: "question_id", Value: id}})
		if err != nil {
			return translate(err)
		}
		out[i].Supports = int(n)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// quietSupportDoc is one support of a question. Its _id is random; the
// unique index support_unique over (question, key) lets a person or device
// support a question once, however many requests race.
type quietSupportDoc struct {
	ID         string `bson:"_id"`
	QuestionID string `bson:"question_id"`
	Key        string `bson:"key"`
}

// AddQuestionSupport records a support; ErrConflict when the key already
// supports the question.
func (d *DB) AddQuestionSupport(ctx context.Context, questionID, key string) error {
	doc := quietSupportDoc{ID: secret.NewID(), QuestionID: questionID, Key: key}
	return insertKeyed(ctx, d.quietSupports(), doc.ID, doc)
}

// minutesDoc is a meeting's minutes, keyed by the meeting. published is
// absent until they are published.
type minutesDoc struct {
	MeetingID   string         `bson:"_id"`
	Text        string         `bson:"text"`
	ChairID     string         `bson:"chair_id"`
	ParentRepID string         `bson:"parent_rep_id"`
	Published   *time.Time     `bson:"published,omitempty"`
	Amendments  []amendmentDoc `bson:"amendments"`
	UpdatedAt   time.Time      `bson:"updated_at"`
}

type amendmentDoc struct {
	Text string    `bson:"text"`
	ByID string    `bson:"by_id"`
	At   time.Time `bson:"at"`
}

// FindMinutes returns a meeting's minutes.
func (d *DB) FindMinutes(ctx context.Context, meetingID string) (*steering.Minutes, error) {
	var doc minutesDoc
	if err := findOne(ctx, d.minutes(), byID(meetingID), &doc); err != nil {
		return nil, err
	}
	m := &steering.Minutes{MeetingID: doc.MeetingID, Text: doc.Text, ChairID: doc.ChairID, ParentRepID: doc.ParentRepID,
		Published: fromOpt(doc.Published), UpdatedAt: doc.UpdatedAt.UTC()}
	for _, a := range doc.Amendments {
		m.Amendments = append(m.Amendments, steering.Amendment{Text: a.Text, ByID: a.ByID, At: a.At.UTC()})
	}
	return m, nil
}

// SaveMinutes inserts or replaces a meeting's minutes whole. The chair is
// their one writer; published minutes change only by an amendment the
// service appends.
func (d *DB) SaveMinutes(ctx context.Context, m *steering.Minutes) error {
	doc := minutesDoc{MeetingID: m.MeetingID, Text: m.Text, ChairID: m.ChairID, ParentRepID: m.ParentRepID,
		Published: optTime(m.Published), Amendments: []amendmentDoc{}, UpdatedAt: utc(m.UpdatedAt)}
	for _, a := range m.Amendments {
		doc.Amendments = append(doc.Amendments, amendmentDoc{Text: a.Text, ByID: a.ByID, At: utc(a.At)})
	}
	_, err := d.minutes().ReplaceOne(ctx, byID(m.MeetingID), doc, options.Replace().SetUpsert(true))
	return translate(err)
}
