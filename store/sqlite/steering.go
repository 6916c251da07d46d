package sqlite

import (
	"context"
	"encoding/json"
	"strings"

	"chorus/steering"
)

var _ steering.Store = (*DB)(nil)

// steeringMigration is migration 8: steering groups, meetings, agendas,
// decisions, actions with their append-only histories, the quiet voice and
// minutes. Lists (forums, organisations, linked issues) are JSON arrays, as
// elsewhere; the links from actions to issues also get a table of their own
// so that an issue's actions are one indexed query.
const steeringMigration = `CREATE TABLE steering_groups (
		id TEXT PRIMARY KEY,
		org_id TEXT NOT NULL,
		name TEXT NOT NULL,
		description TEXT NOT NULL,
		forum_ids TEXT NOT NULL,
		created_at INTEGER NOT NULL
	);
	CREATE TABLE steering_members (
		group_id TEXT NOT NULL,
		user_id TEXT NOT NULL,
		name TEXT NOT NULL,
		role TEXT NOT NULL,
		organisation TEXT NOT NULL,
		added_at INTEGER NOT NULL,
		PRIMARY KEY (group_id, user_id)
	);
	CREATE INDEX steering_members_user ON steering_members (user_id);
	CREATE TABLE meetings (
		id TEXT PRIMARY KEY,
		group_id TEXT NOT NULL,
		title TEXT NOT NULL,
		starts_at INTEGER NOT NULL,
		minutes INTEGER NOT NULL,
		place TEXT NOT NULL,
		online TEXT NOT NULL,
		status TEXT NOT NULL,
		current TEXT NOT NULL,
		open_link INTEGER NOT NULL,
		link_key TEXT NOT NULL,
		created_at INTEGER NOT NULL
	);
	CREATE INDEX meetings_group ON meetings (group_id, starts_at);
	CREATE TABLE agenda_items (
		id TEXT PRIMARY KEY,
		meeting_id TEXT NOT NULL,
		ord INTEGER NOT NULL,
		kind TEXT NOT NULL,
		title TEXT NOT NULL,
		issue_id TEXT NOT NULL,
		action_id TEXT NOT NULL,
		lead_id TEXT NOT NULL,
		minutes INTEGER NOT NULL,
		notes TEXT NOT NULL,
		created_at INTEGER NOT NULL
	);
	CREATE INDEX agenda_items_meeting ON agenda_items (meeting_id, ord);
	CREATE TABLE decisions (
		id TEXT PRIMARY KEY,
		group_id TEXT NOT NULL,
		meeting_id TEXT NOT NULL,
		item_id TEXT NOT NULL,
		text TEXT NOT NULL,
		type TEXT NOT NULL,
		reason TEXT NOT NULL,
		agreed_by TEXT NOT NULL,
		dissent TEXT NOT NULL,
		by_id TEXT NOT NULL,
		at INTEGER NOT NULL
	);
	CREATE INDEX decisions_group ON decisions (group_id, at);
	CREATE TABLE actions (
		id TEXT PRIMARY KEY,
		group_id TEXT NOT NULL,
		meeting_id TEXT NOT NULL,
		item_id TEXT NOT NULL,
		description TEXT NOT NULL,
		owner_org TEXT NOT NULL,
		owner TEXT NOT NULL,
		due TEXT NOT NULL,
		issue_ids TEXT NOT NULL,
		created_at INTEGER NOT NULL
	);
	CREATE INDEX actions_group ON actions (group_id, created_at);
	CREATE TABLE action_issues (
		action_id TEXT NOT NULL,
		issue_id TEXT NOT NULL,
		PRIMARY KEY (issue_id, action_id)
	);
	CREATE TABLE action_events (
		action_id TEXT NOT NULL,
		seq INTEGER NOT NULL,
		status TEXT NOT NULL,
		note TEXT NOT NULL,
		outcome TEXT NOT NULL,
		due TEXT NOT NULL,
		by_id TEXT NOT NULL,
		at INTEGER NOT NULL,
		key TEXT,
		PRIMARY KEY (action_id, seq)
	);
	CREATE UNIQUE INDEX action_events_key ON action_events (action_id, key) WHERE key IS NOT NULL;
	CREATE TABLE quiet_questions (
		id TEXT PRIMARY KEY,
		meeting_id TEXT NOT NULL,
		seq INTEGER NOT NULL,
		text TEXT NOT NULL,
		status TEXT NOT NULL,
		UNIQUE (meeting_id, seq)
	);
	CREATE TABLE quiet_supports (
		question_id TEXT NOT NULL,
		key TEXT NOT NULL,
		PRIMARY KEY (question_id, key)
	);
	CREATE TABLE minutes (
		meeting_id TEXT PRIMARY KEY,
		text TEXT NOT NULL,
		chair_id TEXT NOT NULL,
		parent_rep_id TEXT NOT NULL,
		published INTEGER NOT NULL,
		amendments TEXT NOT NULL,
		updated_at INTEGER NOT NULL
	);`

func orgsJSON(list []steering.OrgKind) string {
	s := make([]string, len(list))
	for i, o := range list {
		s[i] = string(o)
	}
	return toJSON(s)
}

func orgsFrom(s string) ([]steering.OrgKind, error) {
	list, err := fromJSON(s)
	var out []steering.OrgKind
	for _, o := range list {
		out = append(out, steering.OrgKind(o))
	}
	return out, err
}

const groupColumns = `id, org_id, name, description, forum_ids, created_at`

func scanGroup(row interface{ Scan(...any) error }) (*steering.Group, error) {
	var g steering.Group
	var forums string
	var created int64
	if err := row.Scan(&g.ID, &g.OrgID, &g.Name, &g.Description, &forums, &created); err != nil {
		return nil, translate(err)
	}
	g.CreatedAt = fromMS(created)
	var err error
	g.ForumIDs, err = fromJSON(forums)
	return &g, err
}

// CreateGroup inserts a group.
func (d *DB) CreateGroup(ctx context.Context, g *steering.Group) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO steering_groups (`+groupColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
		g.ID, g.OrgID, g.Name, g.Description, toJSON(g.ForumIDs), ms(g.CreatedAt))
	return translate(err)
}

// UpdateGroup replaces a group's name, description and forums.
func (d *DB) UpdateGroup(ctx context.Context, g *steering.Group) error {
	return d.execOne(ctx, `UPDATE steering_groups SET name = ?, description = ?, forum_ids = ? WHERE id = ?`,
		g.Name, g.Description, toJSON(g.ForumIDs), g.ID)
}

// FindGroup returns a group.
func (d *DB) FindGroup(ctx context.Context, id string) (*steering.Group, error) {
	return scanGroup(d.queryRow(ctx, `SELECT `+groupColumns+` FROM steering_groups WHERE id = ?`, id))
}

// ListGroups returns every group, by name.
func (d *DB) ListGroups(ctx context.Context) ([]*steering.Group, error) {
	return queryAll(ctx, d, scanGroup, `SELECT `+groupColumns+` FROM steering_groups ORDER BY name, id`)
}

const steeringMemberColumns = `group_id, user_id, name, role, organisation, added_at`

func scanSteeringMember(row interface{ Scan(...any) error }) (*steering.Member, error) {
	var m steering.Member
	var added int64
	if err := row.Scan(&m.GroupID, &m.UserID, &m.Name, &m.Role, &m.Organisation, &added); err != nil {
		return nil, translate(err)
	}
	m.AddedAt = fromMS(added)
	return &m, nil
}

// AddGroupMember inserts a membership.
func (d *DB) AddGroupMember(ctx context.Context, m *steering.Member) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO steering_members (`+steeringMemberColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
		m.GroupID, m.UserID, m.Name, m.Role, m.Organisation, ms(m.AddedAt))
	return translate(err)
}

// UpdateGroupMember replaces a member's name, role and organisation.
func (d *DB) UpdateGroupMember(ctx context.Context, m *steering.Member) error {
	return d.execOne(ctx, `UPDATE steering_members SET name = ?, role = ?, organisation = ? WHERE group_id = ? AND user_id = ?`,
		m.Name, m.Role, m.Organisation, m.GroupID, m.UserID)
}

// RemoveGroupMember deletes a membership.
func (d *DB) RemoveGroupMember(ctx context.Context, groupID, userID string) error {
	return d.execOne(ctx, `DELETE FROM steering_members WHERE group_id = ? AND user_id = ?`, groupID, userID)
}

// ListGroupMembers returns a group's members, by name.
func (d *DB) ListGroupMembers(ctx context.Context, groupID string) ([]*steering.Member, error) {
	return queryAll(ctx, d, scanSteeringMember, `SELECT `+steeringMemberColumns+` FROM steering_members WHERE group_id = ? ORDER BY name, user_id`, groupID)
}

// ListGroupMemberships returns a person's memberships.
func (d *DB) ListGroupMemberships(ctx context.Context, userID string) ([]*steering.Member, error) {
	return queryAll(ctx, d, scanSteeringMember, `SELECT `+steeringMemberColumns+` FROM steering_members WHERE user_id = ? ORDER BY group_id`, userID)
}

const meetingColumns = `id, group_id, title, starts_at, minutes, place, online, status, current, open_link, link_key, created_at`

func scanMeeting(row interface{ Scan(...any) error }) (*steering.Meeting, error) {
	var m steering.Meeting
	var starts, created int64
	if err := row.Scan(&m.ID, &m.GroupID, &m.Title, &starts, &m.Minutes, &m.Place, &m.Online, &m.Status, &m.Current,
		&m.OpenLink, &m.LinkKey, &created); err != nil {
		return nil, translate(err)
	}
	m.StartsAt, m.CreatedAt = fromMS(starts), fromMS(created)
	return &m, nil
}

// CreateMeeting inserts a meeting.
func (d *DB) CreateMeeting(ctx context.Context, m *steering.Meeting) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO meetings (`+meetingColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID, m.GroupID, m.Title, ms(m.StartsAt), m.Minutes, m.Place, m.Online, m.Status, m.Current, m.OpenLink, m.LinkKey, ms(m.CreatedAt))
	return translate(err)
}

// UpdateMeeting replaces a meeting's details, status and current item.
func (d *DB) UpdateMeeting(ctx context.Context, m *steering.Meeting) error {
	return d.execOne(ctx, `UPDATE meetings SET title = ?, starts_at = ?, minutes = ?, place = ?, online = ?, status = ?, current = ?,
		open_link = ? WHERE id = ?`, m.Title, ms(m.StartsAt), m.Minutes, m.Place, m.Online, m.Status, m.Current, m.OpenLink, m.ID)
}

// FindMeeting returns a meeting.
func (d *DB) FindMeeting(ctx context.Context, id string) (*steering.Meeting, error) {
	return scanMeeting(d.queryRow(ctx, `SELECT `+meetingColumns+` FROM meetings WHERE id = ?`, id))
}

// ListMeetings returns a group's meetings, earliest first.
func (d *DB) ListMeetings(ctx context.Context, groupID string) ([]*steering.Meeting, error) {
	return queryAll(ctx, d, scanMeeting, `SELECT `+meetingColumns+` FROM meetings WHERE group_id = ? ORDER BY starts_at, id`, groupID)
}

const itemColumns = `id, meeting_id, ord, kind, title, issue_id, action_id, lead_id, minutes, notes, created_at`

func scanItem(row interface{ Scan(...any) error }) (*steering.Item, error) {
	var it steering.Item
	var created int64
	if err := row.Scan(&it.ID, &it.MeetingID, &it.Order, &it.Kind, &it.Title, &it.IssueID, &it.ActionID, &it.LeadID,
		&it.Minutes, &it.Notes, &created); err != nil {
		return nil, translate(err)
	}
	it.CreatedAt = fromMS(created)
	return &it, nil
}

// AddItem inserts an agenda item.
func (d *DB) AddItem(ctx context.Context, it *steering.Item) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO agenda_items (`+itemColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		it.ID, it.MeetingID, it.Order, it.Kind, it.Title, it.IssueID, it.ActionID, it.LeadID, it.Minutes, it.Notes, ms(it.CreatedAt))
	return translate(err)
}

// UpdateItem replaces an item's title, lead, time box, order and notes.
func (d *DB) UpdateItem(ctx context.Context, it *steering.Item) error {
	return d.execOne(ctx, `UPDATE agenda_items SET title = ?, lead_id = ?, minutes = ?, ord = ?, notes = ? WHERE id = ?`,
		it.Title, it.LeadID, it.Minutes, it.Order, it.Notes, it.ID)
}

// RemoveItem deletes an agenda item.
func (d *DB) RemoveItem(ctx context.Context, id string) error {
	return d.execOne(ctx, `DELETE FROM agenda_items WHERE id = ?`, id)
}

// FindItem returns an agenda item.
func (d *DB) FindItem(ctx context.Context, id string) (*steering.Item, error) {
	return scanItem(d.queryRow(ctx, `SELECT `+itemColumns+` FROM agenda_items WHERE id = ?`, id))
}

// ListItems returns a meeting's agenda in order.
func (d *DB) ListItems(ctx context.Context, meetingID string) ([]*steering.Item, error) {
	return queryAll(ctx, d, scanItem, `SELECT `+itemColumns+` FROM agenda_items WHERE meeting_id = ? ORDER BY ord, created_at, id`, meetingID)
}

const decisionColumns = `id, group_id, meeting_id, item_id, text, type, reason, agreed_by, dissent, by_id, at`

func scanDecision(row interface{ Scan(...any) error }) (*steering.Decision, error) {
	var dc steering.Decision
	var orgs string
	var at int64
	if err := row.Scan(&dc.ID, &dc.GroupID, &dc.MeetingID, &dc.ItemID, &dc.Text, &dc.Type, &dc.Reason, &orgs, &dc.Dissent,
		&dc.ByID, &at); err != nil {
		return nil, translate(err)
	}
	dc.At = fromMS(at)
	var err error
	dc.AgreedBy, err = orgsFrom(orgs)
	return &dc, err
}

// AddDecision inserts a decision.
func (d *DB) AddDecision(ctx context.Context, dc *steering.Decision) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO decisions (`+decisionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		dc.ID, dc.GroupID, dc.MeetingID, dc.ItemID, dc.Text, dc.Type, dc.Reason, orgsJSON(dc.AgreedBy), dc.Dissent, dc.ByID, ms(dc.At))
	return translate(err)
}

// ListDecisions returns a group's decisions (one meeting's when meetingID
// is set), oldest first.
func (d *DB) ListDecisions(ctx context.Context, groupID, meetingID string) ([]*steering.Decision, error) {
	return queryAll(ctx, d, scanDecision, `SELECT `+decisionColumns+` FROM decisions WHERE group_id = ? AND (? = '' OR meeting_id = ?)
		ORDER BY at, id`, groupID, meetingID, meetingID)
}

const actionColumns = `id, group_id, meeting_id, item_id, description, owner_org, owner, due, issue_ids, created_at`

func scanAction(row interface{ Scan(...any) error }) (*steering.Action, error) {
	var a steering.Action
	var issues string
	var created int64
	if err := row.Scan(&a.ID, &a.GroupID, &a.MeetingID, &a.ItemID, &a.Description, &a.OwnerOrg, &a.Owner, &a.Due, &issues, &created); err != nil {
		return nil, translate(err)
	}
	a.CreatedAt = fromMS(created)
	var err error
	a.IssueIDs, err = fromJSON(issues)
	return &a, err
}

// CreateAction inserts an action and its links to issues, in one
// transaction.
func (d *DB) CreateAction(ctx context.Context, a *steering.Action) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return translate(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO actions (`+actionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.GroupID, a.MeetingID, a.ItemID, a.Description, a.OwnerOrg, a.Owner, a.Due, toJSON(a.IssueIDs), ms(a.CreatedAt)); err != nil {
		return translate(err)
	}
	for _, id := range a.IssueIDs {
		// OR IGNORE: an issue listed twice is linked once, not a conflict.
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO action_issues (action_id, issue_id) VALUES (?, ?)`, a.ID, id); err != nil {
			return translate(err)
		}
	}
	return translate(tx.Commit())
}

// FindAction returns an action.
func (d *DB) FindAction(ctx context.Context, id string) (*steering.Action, error) {
	return scanAction(d.queryRow(ctx, `SELECT `+actionColumns+` FROM actions WHERE id = ?`, id))
}

// ListActions returns a group's actions, oldest first.
func (d *DB) ListActions(ctx context.Context, groupID string) ([]*steering.Action, error) {
	return queryAll(ctx, d, scanAction, `SELECT `+actionColumns+` FROM actions WHERE group_id = ? ORDER BY created_at, id`, groupID)
}

// ListActionsFor returns the actions linked to an issue, oldest first.
func (d *DB) ListActionsFor(ctx context.Context, issueID string) ([]*steering.Action, error) {
	return queryAll(ctx, d, scanAction, `SELECT `+actionColumns+` FROM actions WHERE id IN
		(SELECT action_id FROM action_issues WHERE issue_id = ?) ORDER BY created_at, id`, issueID)
}

const actionEventColumns = `action_id, seq, status, note, outcome, due, by_id, at, COALESCE(key, '')`

func scanActionEvent(row interface{ Scan(...any) error }) (*steering.ActionEvent, error) {
	var e steering.ActionEvent
	var at int64
	if err := row.Scan(&e.ActionID, &e.Seq, &e.Status, &e.Note, &e.Outcome, &e.Due, &e.ByID, &at, &e.Key); err != nil {
		return nil, translate(err)
	}
	e.At = fromMS(at)
	return &e, nil
}

// AddActionEvent inserts an event under its (action, seq) and (action, key).
func (d *DB) AddActionEvent(ctx context.Context, e *steering.ActionEvent) error {
	var key any
	if e.Key != "" {
		key = e.Key
	}
	_, err := d.db.ExecContext(ctx, `INSERT INTO action_events (action_id, seq, status, note, outcome, due, by_id, at, key)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.ActionID, e.Seq, e.Status, e.Note, e.Outcome, e.Due, e.ByID, ms(e.At), key)
	return translate(err)
}

// ListActionEvents returns the histories of some actions, each in order.
func (d *DB) ListActionEvents(ctx context.Context, actionIDs []string) ([]*steering.ActionEvent, error) {
	if len(actionIDs) == 0 {
		return nil, nil
	}
	args := make([]any, len(actionIDs))
	for i, id := range actionIDs {
		args[i] = id
	}
	return queryAll(ctx, d, scanActionEvent, `SELECT `+actionEventColumns+` FROM action_events WHERE action_id IN (`+
		strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", ")+`) ORDER BY action_id, seq`, args...)
}

const questionColumns = `id, meeting_id, seq, text, status`

func scanQuestion(row interface{ Scan(...any) error }) (*steering.Question, error) {
	var q steering.Question
	if err := row.Scan(&q.ID, &q.MeetingID, &q.Seq, &q.Text, &q.Status); err != nil {
		return nil, translate(err)
	}
	return &q, nil
}

// AddQuestion inserts a quiet-voice question.
func (d *DB) AddQuestion(ctx context.Context, q *steering.Question) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO quiet_questions (`+questionColumns+`) VALUES (?, ?, ?, ?, ?)`,
		q.ID, q.MeetingID, q.Seq, q.Text, q.Status)
	return translate(err)
}

// FindQuestion returns a question.
func (d *DB) FindQuestion(ctx context.Context, id string) (*steering.Question, error) {
	return scanQuestion(d.queryRow(ctx, `SELECT `+questionColumns+` FROM quiet_questions WHERE id = ?`, id))
}

// SetQuestionStatus changes a question's status.
func (d *DB) SetQuestionStatus(ctx context.Context, id string, st steering.QuestionStatus) error {
	return d.execOne(ctx, `UPDATE quiet_questions SET status = ? WHERE id = ?`, st, id)
}

// ListQuestions returns a meeting's questions in order, with support counts.
func (d *DB) ListQuestions(ctx context.Context, meetingID string) ([]*steering.Question, error) {
	return queryAll(ctx, d, func(row interface{ Scan(...any) error }) (*steering.Question, error) {
		var q steering.Question
		if err := row.Scan(&q.ID, &q.MeetingID, &q.Seq, &q.Text, &q.Status, &q.Supports); err != nil {
			return nil, translate(err)
		}
		return &q, nil
	}, `SELECT id, meeting_id, seq, text, status, (SELECT COUNT(*) FROM quiet_supports s WHERE s.question_id = q.id)
		FROM quiet_questions q WHERE meeting_id = ? ORDER BY seq`, meetingID)
}

// AddQuestionSupport records a support under (question, key).
func (d *DB) AddQuestionSupport(ctx context.Context, questionID, key string) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO quiet_supports (question_id, key) VALUES (?, ?)`, questionID, key)
	return translate(err)
}

// FindMinutes returns a meeting's minutes.
func (d *DB) FindMinutes(ctx context.Context, meetingID string) (*steering.Minutes, error) {
	var m steering.Minutes
	var published, updated int64
	var amendments string
	err := d.queryRow(ctx, `SELECT meeting_id, text, chair_id, parent_rep_id, published, amendments, updated_at FROM minutes
		WHERE meeting_id = ?`, meetingID).Scan(&m.MeetingID, &m.Text, &m.ChairID, &m.ParentRepID, &published, &amendments, &updated)
	if err != nil {
		return nil, translate(err)
	}
	m.Published, m.UpdatedAt = fromMS(published), fromMS(updated)
	var list []struct {
		Text, ByID string
		At         int64
	}
	if err := json.Unmarshal([]byte(amendments), &list); err != nil {
		return nil, err
	}
	for _, a := range list {
		m.Amendments = append(m.Amendments, steering.Amendment{Text: a.Text, ByID: a.ByID, At: fromMS(a.At)})
	}
	return &m, nil
}

// SaveMinutes inserts or replaces a meeting's minutes.
func (d *DB) SaveMinutes(ctx context.Context, m *steering.Minutes) error {
	type amendment struct {
		Text, ByID string
		At         int64
	}
	list := []amendment{}
	for _, a := range m.Amendments {
		list = append(list, amendment{a.Text, a.ByID, ms(a.At)})
	}
	b, err := json.Marshal(list)
	if err != nil {
		return err
	}
	_, err = d.db.ExecContext(ctx, `INSERT INTO minutes (meeting_id, text, chair_id, parent_rep_id, published, amendments, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (meeting_id) DO UPDATE SET text = excluded.text, chair_id = excluded.chair_id,
		parent_rep_id = excluded.parent_rep_id, published = excluded.published, amendments = excluded.amendments,
		updated_at = excluded.updated_at`, m.MeetingID, m.Text, m.ChairID, m.ParentRepID, ms(m.Published), string(b), ms(m.UpdatedAt))
	return translate(err)
}
