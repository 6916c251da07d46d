package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"sort"
	"strings"

	"chorus/forum"
)

var _ forum.Store = (*DB)(nil)

func toJSON(list []string) string {
	if len(list) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(list) // a []string always marshals
	return string(b)
}

func fromJSON(s string) ([]string, error) {
	var out []string
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, err
	}
	return out, nil
}

const forumColumns = `id, org_id, name, area, description, languages, pre_moderate, allow_anonymous, visitor_support,
	open_join, response_target_days, safeguarding_lead_id, themes, created_at,
	pre_moderate_anonymous, report_threshold, safeguarding_deputy_id, escalate_hours, risk_terms`

func scanForum(row interface{ Scan(...any) error }) (*forum.Forum, error) {
	var f forum.Forum
	dest, finish := forumFields(&f)
	if err := row.Scan(dest...); err != nil {
		return nil, translate(err)
	}
	return &f, finish()
}

// forumFields are the destinations of forumColumns for f, and what turns
// them into f's fields once scanned.
func forumFields(f *forum.Forum) ([]any, func() error) {
	var langs, themes, terms string
	var created int64
	dest := []any{&f.ID, &f.OrgID, &f.Name, &f.Area, &f.Description, &langs, &f.PreModerate, &f.AllowAnonymous,
		&f.VisitorSupport, &f.OpenJoin, &f.ResponseTargetDays, &f.SafeguardingLeadID, &themes, &created,
		&f.PreModerateAnonymous, &f.ReportThreshold, &f.SafeguardingDeputyID, &f.EscalateHours, &terms}
	return dest, func() error {
		var err error
		if f.RiskTerms, err = fromJSON(terms); err != nil {
			return err
		}
		if f.Languages, err = fromJSON(langs); err != nil {
			return err
		}
		if f.Themes, err = fromJSON(themes); err != nil {
			return err
		}
		f.CreatedAt = fromMS(created)
		return nil
	}
}

// CreateForum inserts a forum.
func (d *DB) CreateForum(ctx context.Context, f *forum.Forum) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO forums (`+forumColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		f.ID, f.OrgID, f.Name, f.Area, f.Description, toJSON(f.Languages), f.PreModerate, f.AllowAnonymous, f.VisitorSupport,
		f.OpenJoin, f.ResponseTargetDays, f.SafeguardingLeadID, toJSON(f.Themes), ms(f.CreatedAt),
		f.PreModerateAnonymous, f.ReportThreshold, f.SafeguardingDeputyID, f.EscalateHours, toJSON(f.RiskTerms))
	return translate(err)
}

// UpdateForum replaces a forum's settings.
func (d *DB) UpdateForum(ctx context.Context, f *forum.Forum) error {
	return d.execOne(ctx, `UPDATE forums SET org_id = ?, name = ?, area = ?, description = ?, languages = ?, pre_moderate = ?,
		allow_anonymous = ?, visitor_support = ?, open_join = ?, response_target_days = ?, safeguarding_lead_id = ?, themes = ?,
		pre_moderate_anonymous = ?, report_threshold = ?, safeguarding_deputy_id = ?, escalate_hours = ?, risk_terms = ? WHERE id = ?`,
		f.OrgID, f.Name, f.Area, f.Description, toJSON(f.Languages), f.PreModerate, f.AllowAnonymous, f.VisitorSupport,
		f.OpenJoin, f.ResponseTargetDays, f.SafeguardingLeadID, toJSON(f.Themes),
		f.PreModerateAnonymous, f.ReportThreshold, f.SafeguardingDeputyID, f.EscalateHours, toJSON(f.RiskTerms), f.ID)
}

// FindForum returns a forum.
func (d *DB) FindForum(ctx context.Context, id string) (*forum.Forum, error) {
	return scanForum(d.queryRow(ctx, `SELECT `+forumColumns+` FROM forums WHERE id = ?`, id))
}

// ListForums returns every forum by name.
func (d *DB) ListForums(ctx context.Context) ([]*forum.Forum, error) {
	return queryAll(ctx, d, scanForum, `SELECT `+forumColumns+` FROM forums ORDER BY name, id`)
}

// queryAll runs a query and scans every row.
func queryAll[T any](ctx context.Context, d *DB, scan func(interface{ Scan(...any) error }) (*T, error), query string, args ...any) ([]*T, error) {
	rows, err := d.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, translate(err)
	}
	return scanAll(rows, scan)
}

// queryAllPrepared is queryAll for a hot query of fixed text, through its
// prepared statement.
func queryAllPrepared[T any](ctx context.Context, d *DB, scan func(interface{ Scan(...any) error }) (*T, error), query string, args ...any) ([]*T, error) {
	st, err := d.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, translate(err)
	}
	return scanAll(rows, scan)
}

func scanAll[T any](rows *sql.Rows, scan func(interface{ Scan(...any) error }) (*T, error)) ([]*T, error) {
	defer rows.Close()
	var out []*T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, translate(rows.Err())
}

func scanMember(row interface{ Scan(...any) error }) (*forum.Member, error) {
	var m forum.Member
	var joined int64
	if err := row.Scan(&m.ForumID, &m.UserID, &m.DisplayName, &m.Role, &joined); err != nil {
		return nil, translate(err)
	}
	m.JoinedAt = fromMS(joined)
	return &m, nil
}

const memberColumns = `forum_id, user_id, display_name, role, joined_at`

// AddMember inserts a membership.
func (d *DB) AddMember(ctx context.Context, m *forum.Member) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO members (`+memberColumns+`) VALUES (?, ?, ?, ?, ?)`,
		m.ForumID, m.UserID, m.DisplayName, m.Role, ms(m.JoinedAt))
	return translate(err)
}

// UpdateMember replaces a member's display name and role.
func (d *DB) UpdateMember(ctx context.Context, m *forum.Member) error {
	return d.execOne(ctx, `UPDATE members SET display_name = ?, role = ? WHERE forum_id = ? AND user_id = ?`,
		m.DisplayName, m.Role, m.ForumID, m.UserID)
}

// FindMember returns a membership.
func (d *DB) FindMember(ctx context.Context, forumID, userID string) (*forum.Member, error) {
	return scanMember(d.queryRow(ctx, `SELECT `+memberColumns+` FROM members WHERE forum_id = ? AND user_id = ?`, forumID, userID))
}

// ListMembers returns a forum's members by display name.
func (d *DB) ListMembers(ctx context.Context, forumID string) ([]*forum.Member, error) {
	return queryAll(ctx, d, scanMember, `SELECT `+memberColumns+` FROM members WHERE forum_id = ? ORDER BY display_name, user_id`, forumID)
}

// ListMemberships returns a person's memberships.
func (d *DB) ListMemberships(ctx context.Context, userID string) ([]*forum.Member, error) {
	return queryAll(ctx, d, scanMember, `SELECT `+memberColumns+` FROM members WHERE user_id = ? ORDER BY forum_id`, userID)
}

const issueColumns = `id, forum_id, title, body, lang, author_id, author_name, anonymous, themes, created_at, status,
	on_behalf, held, held_at, hidden, edit_note, erased`

func scanIssue(row interface{ Scan(...any) error }) (*forum.Issue, error) {
	var i forum.Issue
	return &i, scanIssueInto(row, &i)
}

// scanIssueInto scans issueColumns, then any extra columns, into i.
func scanIssueInto(row interface{ Scan(...any) error }, i *forum.Issue, extra ...any) error {
	dest, finish := issueFields(i)
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return translate(err)
	}
	return finish()
}

// issueFields are the destinations of issueColumns for i, and what turns
// them into i's fields once scanned.
func issueFields(i *forum.Issue) ([]any, func() error) {
	var themes string
	var created, heldAt int64
	dest := []any{&i.ID, &i.ForumID, &i.Title, &i.Body, &i.Lang, &i.AuthorID, &i.AuthorName, &i.Anonymous, &themes, &created, &i.Status,
		&i.OnBehalf, &i.Held, &heldAt, &i.Hidden, &i.EditNote, &i.Erased}
	return dest, func() error {
		i.HeldAt, i.CreatedAt = fromMS(heldAt), fromMS(created)
		var err error
		i.Themes, err = fromJSON(themes)
		return err
	}
}

// issueAccessQuery reads an issue, its forum and one person's membership
// there in one statement.
var issueAccessQuery = `SELECT ` + prefixed("i.", issueColumns) + `, ` + prefixed("f.", forumColumns) + `,
	m.user_id IS NOT NULL, COALESCE(m.display_name, ''), COALESCE(m.role, ''), COALESCE(m.joined_at, 0)
	FROM issues i JOIN forums f ON f.id = i.forum_id
	LEFT JOIN members m ON m.forum_id = i.forum_id AND m.user_id = ?
	WHERE i.id = ?`

// FindIssueAccess returns an issue, its forum and, when userID is not
// empty, that person's membership there (nil when they are not a member),
// in one query: every support and every live subscribe reads them first,
// and three queries cost three times the per-query work. ErrNotFound when
// the issue does not exist.
func (d *DB) FindIssueAccess(ctx context.Context, issueID, userID string) (*forum.Issue, *forum.Forum, *forum.Member, error) {
	var i forum.Issue
	var f forum.Forum
	var m forum.Member
	var member bool
	var joined int64
	idest, ifinish := issueFields(&i)
	fdest, ffinish := forumFields(&f)
	dest := append(append(idest, fdest...), &member, &m.DisplayName, &m.Role, &joined)
	if err := d.queryRow(ctx, issueAccessQuery, userID, issueID).Scan(dest...); err != nil {
		return nil, nil, nil, translate(err)
	}
	if err := ifinish(); err != nil {
		return nil, nil, nil, err
	}
	if err := ffinish(); err != nil {
		return nil, nil, nil, err
	}
	if !member || userID == "" {
		return &i, &f, nil, nil
	}
	m.ForumID, m.UserID, m.JoinedAt = f.ID, userID, fromMS(joined)
	return &i, &f, &m, nil
}

// CreateIssue inserts an issue.
func (d *DB) CreateIssue(ctx context.Context, i *forum.Issue) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO issues (`+issueColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		i.ID, i.ForumID, i.Title, i.Body, i.Lang, i.AuthorID, i.AuthorName, i.Anonymous, toJSON(i.Themes), ms(i.CreatedAt), i.Status,
		i.OnBehalf, i.Held, ms(i.HeldAt), i.Hidden, i.EditNote, i.Erased)
	return translate(err)
}

// UpdateIssue replaces an issue's title, text, themes and moderation.
func (d *DB) UpdateIssue(ctx context.Context, i *forum.Issue) error {
	return d.execOne(ctx, `UPDATE issues SET title = ?, body = ?, themes = ?, held = ?, held_at = ?, hidden = ?, edit_note = ?, erased = ? WHERE id = ?`,
		i.Title, i.Body, toJSON(i.Themes), i.Held, ms(i.HeldAt), i.Hidden, i.EditNote, i.Erased, i.ID)
}

// ListHeldIssues returns a forum's held issues, oldest hold first.
func (d *DB) ListHeldIssues(ctx context.Context, forumID string) ([]*forum.Issue, error) {
	return queryAll(ctx, d, scanIssue, `SELECT `+issueColumns+` FROM issues WHERE forum_id = ? AND held != '' ORDER BY held_at, id`, forumID)
}

// FindIssue returns an issue.
func (d *DB) FindIssue(ctx context.Context, id string) (*forum.Issue, error) {
	return scanIssue(d.queryRow(ctx, `SELECT `+issueColumns+` FROM issues WHERE id = ?`, id))
}

// SetIssueStatus updates the status cache unless a later event set it.
func (d *DB) SetIssueStatus(ctx context.Context, issueID string, status forum.Status, seq int64) error {
	res, err := d.db.ExecContext(ctx, `UPDATE issues SET status = ?, status_seq = ? WHERE id = ? AND status_seq < ?`, status, seq, issueID, seq)
	if err != nil {
		return translate(err)
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return err
	}
	var one int
	return translate(d.db.QueryRowContext(ctx, `SELECT 1 FROM issues WHERE id = ?`, issueID).Scan(&one))
}

// ListIssues returns a page of a forum's issues with their counts.
func (d *DB) ListIssues(ctx context.Context, f forum.IssueFilter) ([]*forum.IssueSummary, int, error) {
	where := []string{"i.forum_id = ?"}
	args := []any{f.ForumID}
	if len(f.Statuses) > 0 {
		where = append(where, "i.status IN (?"+strings.Repeat(", ?", len(f.Statuses)-1)+")")
		for _, s := range f.Statuses {
			args = append(args, s)
		}
	}
	if !f.Held {
		where = append(where, "i.held = ''")
	}
	if f.Theme != "" {
		where = append(where, "EXISTS (SELECT 1 FROM json_each(i.themes) WHERE value = ?)")
		args = append(args, f.Theme)
	}
	q := `SELECT ` + prefixed("i.", issueColumns) + `,
		COALESCE((SELECT n FROM support_counts s WHERE s.issue_id = i.id), 0),
		(SELECT COUNT(*) FROM comments c WHERE c.issue_id = i.id AND c.held = ''),
		MAX(i.created_at,
			COALESCE((SELECT MAX(created_at) FROM comments c WHERE c.issue_id = i.id AND c.held = ''), 0),
			COALESCE((SELECT MAX(at) FROM events e WHERE e.issue_id = i.id), 0))
		FROM issues i WHERE ` + strings.Join(where, " AND ")
	rows, err := d.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, 0, translate(err)
	}
	defer rows.Close()
	var all []*forum.IssueSummary
	for rows.Next() {
		var sum forum.IssueSummary
		var active int64
		if err := scanIssueInto(rows, &sum.Issue, &sum.Supports, &sum.Comments, &active); err != nil {
			return nil, 0, err
		}
		sum.LastActivity = fromMS(active)
		if forum.MatchesQuery(sum.Title, sum.Body, f.Query) { // in Go: Unicode case folding, same on every store
			all = append(all, &sum)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, 0, translate(err)
	}
	sortIssues(all, f.Sort)
	return page(all, f.Offset, f.Limit), len(all), nil
}

func prefixed(prefix, columns string) string {
	parts := strings.Split(columns, ",")
	for i, p := range parts {
		parts[i] = prefix + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// sortIssues orders a list as the filter asks; ties fall to the newest, then ID.
func sortIssues(list []*forum.IssueSummary, by forum.IssueSort) {
	sort.SliceStable(list, func(a, b int) bool {
		x, y := list[a], list[b]
		switch by {
		case forum.SortSupport:
			if x.Supports != y.Supports {
				return x.Supports > y.Supports
			}
		case forum.SortActive:
			if !x.LastActivity.Equal(y.LastActivity) {
				return x.LastActivity.After(y.LastActivity)
			}
		}
		if !x.CreatedAt.Equal(y.CreatedAt) {
			return x.CreatedAt.After(y.CreatedAt)
		}
		return x.ID < y.ID
	})
}

func page[T any](all []T, offset, limit int) []T {
	if limit <= 0 {
		limit = 20
	}
	if offset >= len(all) {
		return nil
	}
	return all[offset:min(offset+limit, len(all))]
}

// IssueCandidates returns the forum's issues that are not closed.
func (d *DB) IssueCandidates(ctx context.Context, forumID string) ([]forum.Candidate, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT id, title, body FROM issues WHERE forum_id = ? AND status NOT IN (?, ?, ?, ?) AND held = '' AND hidden = ''`,
		forumID, forum.StatusResolved, forum.StatusNotPossible, forum.StatusMerged, forum.StatusInReview)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []forum.Candidate
	for rows.Next() {
		var c forum.Candidate
		if err := rows.Scan(&c.ID, &c.Title, &c.Text); err != nil {
			return nil, translate(err)
		}
		out = append(out, c)
	}
	return out, translate(rows.Err())
}

// AddEvent inserts a history event under its (issue, seq) key.
func (d *DB) AddEvent(ctx context.Context, e *forum.Event) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO events (`+eventColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.IssueID, e.Seq, e.Kind, e.Status, e.Actor, e.ActorID, e.Note, e.Private, ms(e.At), e.Ref, e.Key)
	return translate(err)
}

const eventColumns = `issue_id, seq, kind, status, actor, actor_id, note, private, at, ref, key`

func scanEvent(row interface{ Scan(...any) error }) (*forum.Event, error) {
	var e forum.Event
	var at int64
	if err := row.Scan(&e.IssueID, &e.Seq, &e.Kind, &e.Status, &e.Actor, &e.ActorID, &e.Note, &e.Private, &at, &e.Ref, &e.Key); err != nil {
		return nil, translate(err)
	}
	e.At = fromMS(at)
	return &e, nil
}

// ListEvents returns an issue's history in order.
func (d *DB) ListEvents(ctx context.Context, issueID string) ([]*forum.Event, error) {
	return queryAllPrepared(ctx, d, scanEvent, `SELECT `+eventColumns+` FROM events WHERE issue_id = ? ORDER BY seq`, issueID)
}

// ListEventsOf returns several issues' events of some kinds, each issue's in order.
func (d *DB) ListEventsOf(ctx context.Context, issueIDs []string, kinds []forum.EventKind) ([]*forum.Event, error) {
	if len(issueIDs) == 0 || len(kinds) == 0 {
		return nil, nil
	}
	var args []any
	for _, id := range issueIDs {
		args = append(args, id)
	}
	for _, k := range kinds {
		args = append(args, k)
	}
	return queryAll(ctx, d, scanEvent, `SELECT `+eventColumns+` FROM events WHERE issue_id IN (?`+strings.Repeat(", ?", len(issueIDs)-1)+
		`) AND kind IN (?`+strings.Repeat(", ?", len(kinds)-1)+`) ORDER BY issue_id, seq`, args...)
}

// AddFollowUp inserts a follow-up code record.
func (d *DB) AddFollowUp(ctx context.Context, f *forum.FollowUp) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO follow_ups (selector, secret_hash, issue_id, created_at) VALUES (?, ?, ?, ?)`,
		f.Selector, f.SecretHash, f.IssueID, ms(f.CreatedAt))
	return translate(err)
}

// FindFollowUp returns a follow-up code record.
func (d *DB) FindFollowUp(ctx context.Context, selector string) (*forum.FollowUp, error) {
	var f forum.FollowUp
	var created int64
	err := d.db.QueryRowContext(ctx, `SELECT selector, secret_hash, issue_id, created_at, seen_seq FROM follow_ups WHERE selector = ?`, selector).
		Scan(&f.Selector, &f.SecretHash, &f.IssueID, &created, &f.SeenSeq)
	if err != nil {
		return nil, translate(err)
	}
	f.CreatedAt = fromMS(created)
	return &f, nil
}

// AddSupport inserts a support.
// Many people support at once during a live event: it goes through the
// group commit.
func (d *DB) AddSupport(ctx context.Context, s *forum.Support) error {
	_, err := d.execWrite(ctx, `INSERT INTO supports (issue_id, key, at) VALUES (?, ?, ?)`, s.IssueID, s.Key, ms(s.At))
	return err
}

// RemoveSupport deletes a support.
func (d *DB) RemoveSupport(ctx context.Context, issueID, key string) error {
	return changedOne(d.execWrite(ctx, `DELETE FROM supports WHERE issue_id = ? AND key = ?`, issueID, key))
}

// HasSupport reports whether a key supports an issue.
func (d *DB) HasSupport(ctx context.Context, issueID, key string) (bool, error) {
	return d.exists(ctx, `SELECT 1 FROM supports WHERE issue_id = ? AND key = ?`, issueID, key)
}

// ListSupports returns an issue's supports.
func (d *DB) ListSupports(ctx context.Context, issueID string) ([]*forum.Support, error) {
	return queryAll(ctx, d, func(row interface{ Scan(...any) error }) (*forum.Support, error) {
		var s forum.Support
		var at int64
		if err := row.Scan(&s.IssueID, &s.Key, &at); err != nil {
			return nil, translate(err)
		}
		s.At = fromMS(at)
		return &s, nil
	}, `SELECT issue_id, key, at FROM supports WHERE issue_id = ? ORDER BY at, key`, issueID)
}

// CountSupports counts an issue's supports: one row of support_counts, which
// triggers keep exact in the transaction of every insert and delete.
func (d *DB) CountSupports(ctx context.Context, issueID string) (int, error) {
	var n int
	err := d.queryRow(ctx, `SELECT COALESCE((SELECT n FROM support_counts WHERE issue_id = ?), 0)`, issueID).Scan(&n)
	return n, translate(err)
}

// AddComment inserts a comment.
func (d *DB) AddComment(ctx context.Context, c *forum.Comment) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO comments (`+commentColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.IssueID, c.AuthorID, c.AuthorName, c.Body, ms(c.CreatedAt), ms(c.EditedAt), c.ForumID, c.Held, ms(c.HeldAt), c.Hidden, c.EditNote, c.Erased)
	return translate(err)
}

const commentColumns = `id, issue_id, author_id, author_name, body, created_at, edited_at, forum_id, held, held_at, hidden, edit_note, erased`

func scanComment(row interface{ Scan(...any) error }) (*forum.Comment, error) {
	var c forum.Comment
	var created, edited, heldAt int64
	if err := row.Scan(&c.ID, &c.IssueID, &c.AuthorID, &c.AuthorName, &c.Body, &created, &edited,
		&c.ForumID, &c.Held, &heldAt, &c.Hidden, &c.EditNote, &c.Erased); err != nil {
		return nil, translate(err)
	}
	c.CreatedAt, c.EditedAt, c.HeldAt = fromMS(created), fromMS(edited), fromMS(heldAt)
	return &c, nil
}

// ListComments returns an issue's comments, oldest first.
func (d *DB) ListComments(ctx context.Context, issueID string) ([]*forum.Comment, error) {
	return queryAll(ctx, d, scanComment, `SELECT `+commentColumns+` FROM comments WHERE issue_id = ? ORDER BY created_at, id`, issueID)
}

// FindComment returns a comment.
func (d *DB) FindComment(ctx context.Context, id string) (*forum.Comment, error) {
	return scanComment(d.db.QueryRowContext(ctx, `SELECT `+commentColumns+` FROM comments WHERE id = ?`, id))
}

// UpdateComment replaces a comment's body, edit time and moderation.
func (d *DB) UpdateComment(ctx context.Context, c *forum.Comment) error {
	return d.execOne(ctx, `UPDATE comments SET body = ?, edited_at = ?, held = ?, held_at = ?, hidden = ?, edit_note = ?, erased = ? WHERE id = ?`,
		c.Body, ms(c.EditedAt), c.Held, ms(c.HeldAt), c.Hidden, c.EditNote, c.Erased, c.ID)
}

// ListHeldComments returns a forum's held comments, oldest hold first.
func (d *DB) ListHeldComments(ctx context.Context, forumID string) ([]*forum.Comment, error) {
	return queryAll(ctx, d, scanComment, `SELECT `+commentColumns+` FROM comments WHERE forum_id = ? AND held != '' ORDER BY held_at, id`, forumID)
}

// AddVersion keeps an earlier text of an issue or comment.
func (d *DB) AddVersion(ctx context.Context, v *forum.Version) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO versions (item_id, seq, title, body, at) VALUES (?, ?, ?, ?, ?)`, v.ItemID, v.Seq, v.Title, v.Body, ms(v.At))
	return translate(err)
}

// EraseVersions empties the title and text of an item's earlier texts.
func (d *DB) EraseVersions(ctx context.Context, itemID string) error {
	_, err := d.db.ExecContext(ctx, `UPDATE versions SET title = '', body = '' WHERE item_id = ?`, itemID)
	return translate(err)
}

// ListVersions returns an item's earlier texts, oldest first.
func (d *DB) ListVersions(ctx context.Context, itemID string) ([]*forum.Version, error) {
	return queryAll(ctx, d, func(row interface{ Scan(...any) error }) (*forum.Version, error) {
		var v forum.Version
		var at int64
		if err := row.Scan(&v.ItemID, &v.Seq, &v.Title, &v.Body, &at); err != nil {
			return nil, translate(err)
		}
		v.At = fromMS(at)
		return &v, nil
	}, `SELECT item_id, seq, title, body, at FROM versions WHERE item_id = ? ORDER BY seq`, itemID)
}

// AddFollow makes a person follow an issue.
// A member's support makes them follow the issue: it goes through the group
// commit with the supports.
func (d *DB) AddFollow(ctx context.Context, f *forum.Follow) error {
	_, err := d.execWrite(ctx, `INSERT INTO follows (issue_id, user_id, at) VALUES (?, ?, ?)`, f.IssueID, f.UserID, ms(f.At))
	return err
}

// RemoveFollow stops a person following an issue.
func (d *DB) RemoveFollow(ctx context.Context, issueID, userID string) error {
	return d.execOne(ctx, `DELETE FROM follows WHERE issue_id = ? AND user_id = ?`, issueID, userID)
}

// IsFollowing reports whether a person follows an issue.
func (d *DB) IsFollowing(ctx context.Context, issueID, userID string) (bool, error) {
	return d.exists(ctx, `SELECT 1 FROM follows WHERE issue_id = ? AND user_id = ?`, issueID, userID)
}

// ListFollowers returns the IDs of an issue's followers.
func (d *DB) ListFollowers(ctx context.Context, issueID string) ([]string, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT user_id FROM follows WHERE issue_id = ? ORDER BY user_id`, issueID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, translate(err)
		}
		out = append(out, id)
	}
	return out, translate(rows.Err())
}

// AddNotification inserts a notification.
func (d *DB) AddNotification(ctx context.Context, n *forum.Notification) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO notifications (id, user_id, issue_id, title, kind, status, at, read, note, ref) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		n.ID, n.UserID, n.IssueID, n.Title, n.Kind, n.Status, ms(n.At), n.Read, n.Note, n.Ref)
	return translate(err)
}

// ListNotifications returns a person's newest notifications first.
func (d *DB) ListNotifications(ctx context.Context, userID string, limit int) ([]*forum.Notification, error) {
	return queryAll(ctx, d, func(row interface{ Scan(...any) error }) (*forum.Notification, error) {
		var n forum.Notification
		var at int64
		if err := row.Scan(&n.ID, &n.UserID, &n.IssueID, &n.Title, &n.Kind, &n.Status, &at, &n.Read, &n.Note, &n.Ref); err != nil {
			return nil, translate(err)
		}
		n.At = fromMS(at)
		return &n, nil
	}, `SELECT id, user_id, issue_id, title, kind, status, at, read, note, ref FROM notifications WHERE user_id = ? ORDER BY at DESC, id LIMIT ?`, userID, limit)
}

// CountUnread counts a person's unread notifications.
func (d *DB) CountUnread(ctx context.Context, userID string) (int, error) {
	var n int
	err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read = 0`, userID).Scan(&n)
	return n, translate(err)
}

// MarkRead marks all of a person's notifications read.
func (d *DB) MarkRead(ctx context.Context, userID string) error {
	_, err := d.db.ExecContext(ctx, `UPDATE notifications SET read = 1 WHERE user_id = ? AND read = 0`, userID)
	return translate(err)
}

// AddReport inserts a report; one per reporter per item.
func (d *DB) AddReport(ctx context.Context, r *forum.Report) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO reports (id, forum_id, issue_id, comment_id, reporter_id, reason, detail, at, resolved, item_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.ForumID, r.IssueID, r.CommentID, r.ReporterID, r.Reason, r.Detail, ms(r.At), r.Resolved, r.Item())
	return translate(err)
}

// ListReports returns a forum's reports (only the open ones if asked), newest first.
func (d *DB) ListReports(ctx context.Context, forumID string, open bool) ([]*forum.Report, error) {
	q := `SELECT id, forum_id, issue_id, comment_id, reporter_id, reason, detail, at, resolved FROM reports WHERE forum_id = ?`
	if open {
		q += ` AND resolved = 0`
	}
	return queryAll(ctx, d, func(row interface{ Scan(...any) error }) (*forum.Report, error) {
		var r forum.Report
		var at int64
		if err := row.Scan(&r.ID, &r.ForumID, &r.IssueID, &r.CommentID, &r.ReporterID, &r.Reason, &r.Detail, &at, &r.Resolved); err != nil {
			return nil, translate(err)
		}
		r.At = fromMS(at)
		return &r, nil
	}, q+` ORDER BY at DESC, id`, forumID)
}

// CountReports counts an item's open reports.
func (d *DB) CountReports(ctx context.Context, itemID string) (int, error) {
	var n int
	err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM reports WHERE item_id = ? AND resolved = 0`, itemID).Scan(&n)
	return n, translate(err)
}

// ResolveReports closes an item's open reports.
func (d *DB) ResolveReports(ctx context.Context, itemID string) error {
	_, err := d.db.ExecContext(ctx, `UPDATE reports SET resolved = 1 WHERE item_id = ? AND resolved = 0`, itemID)
	return translate(err)
}

// AddQuote inserts a quote.
func (d *DB) AddQuote(ctx context.Context, q *forum.Quote) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO quotes (id, issue_id, forum_id, text, by_id, at) VALUES (?, ?, ?, ?, ?, ?)`,
		q.ID, q.IssueID, q.ForumID, q.Text, q.ByID, ms(q.At))
	return translate(err)
}

// ListQuotes returns an issue's quotes, oldest first.
func (d *DB) ListQuotes(ctx context.Context, issueID string) ([]*forum.Quote, error) {
	return queryAll(ctx, d, func(row interface{ Scan(...any) error }) (*forum.Quote, error) {
		var q forum.Quote
		var at int64
		if err := row.Scan(&q.ID, &q.IssueID, &q.ForumID, &q.Text, &q.ByID, &at); err != nil {
			return nil, translate(err)
		}
		q.At = fromMS(at)
		return &q, nil
	}, `SELECT id, issue_id, forum_id, text, by_id, at FROM quotes WHERE issue_id = ? ORDER BY at, id`, issueID)
}

// RemoveQuote deletes one of an issue's quotes.
func (d *DB) RemoveQuote(ctx context.Context, issueID, id string) error {
	return d.execOne(ctx, `DELETE FROM quotes WHERE issue_id = ? AND id = ?`, issueID, id)
}

// RemoveQuotes deletes every quote of an issue.
func (d *DB) RemoveQuotes(ctx context.Context, issueID string) error {
	_, err := d.db.ExecContext(ctx, `DELETE FROM quotes WHERE issue_id = ?`, issueID)
	return translate(err)
}

// AddIdempotency records a handled form.
func (d *DB) AddIdempotency(ctx context.Context, i *forum.Idempotency) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO idempotency (key, result, at) VALUES (?, ?, ?)`, i.Key, i.Result, ms(i.At))
	return translate(err)
}

// FindIdempotency returns a handled form's record.
func (d *DB) FindIdempotency(ctx context.Context, key string) (*forum.Idempotency, error) {
	var i forum.Idempotency
	var at int64
	if err := d.db.QueryRowContext(ctx, `SELECT key, result, at FROM idempotency WHERE key = ?`, key).Scan(&i.Key, &i.Result, &at); err != nil {
		return nil, translate(err)
	}
	i.At = fromMS(at)
	return &i, nil
}

// exists reports whether query (a SELECT 1 ...) finds a row.
func (d *DB) exists(ctx context.Context, query string, args ...any) (bool, error) {
	var one int
	err := d.db.QueryRowContext(ctx, query+" LIMIT 1", args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, translate(err)
}
