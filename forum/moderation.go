package forum

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"chorus/account"
	"chorus/audit"
	"chorus/internal/fault"
	"chorus/internal/secret"
)

// Target names what a facilitator acts on: an issue, or one of its comments.
type Target struct {
	IssueID   string
	CommentID string // empty for the issue itself
}

func (t Target) subject() string {
	if t.CommentID != "" {
		return "comment:" + t.CommentID
	}
	return "issue:" + t.IssueID
}

// Action is a facilitator's decision on an item.
type Action string

// Moderation actions.
const (
	ActApprove  Action = "approve"  // publish: release a hold, dismiss reports, open an issue in review
	ActHide     Action = "hide"     // replace it for everyone with the reason
	ActRestore  Action = "restore"  // show it again
	ActEscalate Action = "escalate" // hold it for the safeguarding lead
)

// Actions lists the moderation actions.
var Actions = []Action{ActApprove, ActHide, ActRestore, ActEscalate}

// MaxReason is the longest moderation reason.
const MaxReason = 500

// DefaultReportThreshold is how many members' reports hold an item unless a
// forum says otherwise; DefaultEscalateHours how long a safeguarding hold
// waits for the lead before the deputy hears of it.
const (
	DefaultReportThreshold = 3
	DefaultEscalateHours   = 24
)

// safeguards reports whether the viewer may see and decide what is held for
// safeguarding in a forum: its lead, its deputy, and its administrators.
func safeguards(v Viewer, f *Forum) bool {
	if v.Principal == nil {
		return false
	}
	id := v.userID()
	return (f.SafeguardingLeadID != "" && id == f.SafeguardingLeadID) ||
		(f.SafeguardingDeputyID != "" && id == f.SafeguardingDeputyID) ||
		v.Principal.AdministersOrganisation(f.OrgID)
}

// moderated is an item a facilitator acts on, loaded with its forum.
type moderated struct {
	access  *issueAccess
	comment *Comment // nil when the target is the issue
}

func (m *moderated) mod() *Moderation {
	if m.comment != nil {
		return &m.comment.Moderation
	}
	return &m.access.issue.Moderation
}

func (m *moderated) authorID() string {
	if m.comment != nil {
		return m.comment.AuthorID
	}
	return m.access.issue.AuthorID
}

// loadTarget loads an item for a facilitator of its forum. Items held for
// safeguarding are decided only by those who safeguard the forum.
func (s *Service) loadTarget(ctx context.Context, v Viewer, t Target) (*moderated, error) {
	a, err := s.access(ctx, v, t.IssueID)
	if err != nil {
		return nil, err
	}
	if !a.facilitator {
		return nil, ErrForbidden
	}
	m := &moderated{access: a}
	if t.CommentID != "" {
		c, err := s.store.FindComment(ctx, t.CommentID)
		if err != nil {
			return nil, err
		}
		if c.IssueID != t.IssueID {
			return nil, ErrNotFound
		}
		m.comment = c
	}
	return m, nil
}

// validReason cleans a facilitator's reason; missing and tooLong are the
// errors to give, naming the form's field.
func validReason(reason string, required bool, missing, tooLong error) (string, error) {
	reason = clean(reason)
	if reason == "" && required {
		return "", missing
	}
	if runes(reason) > MaxReason {
		return "", tooLong
	}
	return reason, nil
}

// Moderate applies a facilitator's decision to an issue or a comment. Hiding
// and escalating need a reason; so does anything that changes what others
// see of an item held for safeguarding.
func (s *Service) Moderate(ctx context.Context, v Viewer, t Target, act Action, reason string) error {
	m, err := s.loadTarget(ctx, v, t)
	if err != nil {
		return err
	}
	f, mod := m.access.forum, m.mod()
	if reason, err = validReason(reason, act == ActHide || act == ActEscalate, ErrReasonRequired, ErrReasonLong); err != nil {
		return err
	}
	if mod.Held == HoldSafeguarding && act != ActEscalate && !safeguards(v, f) {
		return ErrSafeguardingOnly
	}
	before := *mod
	inReview := m.comment == nil && (m.access.status == StatusInReview || m.access.status == StatusSubmitted)
	var kind EventKind
	var notice NoticeKind
	switch act {
	case ActApprove:
		if mod.Held == "" && !inReview {
			return ErrNothingToApprove
		}
		mod.Held, mod.HeldAt = "", time.Time{}
		kind, notice = EventReleased, NoticeReleased
	case ActHide:
		mod.Hidden, mod.Held, mod.HeldAt = reason, "", time.Time{}
		kind, notice = EventHidden, NoticeHidden
	case ActRestore:
		if mod.Hidden == "" {
			return ErrNotHidden
		}
		mod.Hidden = ""
		kind, notice = EventRestored, NoticeRestored
	case ActEscalate:
		if mod.Held == HoldSafeguarding {
			return nil
		}
		mod.Held, mod.HeldAt = HoldSafeguarding, s.now()
		kind, notice = EventHeld, NoticeHeld
	default:
		return fault.InvalidField("action", "moderation.error.action")
	}
	if err := s.saveModeration(ctx, m); err != nil {
		return err
	}
	if act == ActApprove || act == ActHide {
		if err := s.store.ResolveReports(ctx, itemID(t)); err != nil {
			return err
		}
	}
	if act == ActApprove && inReview {
		if _, err := s.appendEvent(ctx, m.access.issue, Event{Kind: EventStatus, Status: StatusOpen, Actor: ActorFacilitator, ActorID: v.userID()}); err != nil {
			return err
		}
		m.access.status = StatusOpen
	}
	if before.Held != "" || act != ActApprove {
		if err := s.told(ctx, m, kind, notice, reason, v.userID()); err != nil {
			return err
		}
	}
	if act == ActApprove && m.comment == nil && before.Hidden == "" {
		s.announce(ctx, m.access.issue)
	}
	s.changed(ctx, m)
	return s.audit.Record(ctx, audit.Entry{ActorID: v.userID(), Action: actionName(before, string(act)), Subject: t.subject(),
		Scope: orgScope(f.OrgID), Forum: f.ID, Reason: reason})
}

// actionName names an action in the audit trail. Decisions on what is held
// for safeguarding are "safeguarding." actions, whose reasons and content
// only those who safeguard the forum may read there.
func actionName(mod Moderation, act string) string {
	if mod.Held == HoldSafeguarding || act == string(ActEscalate) {
		return "safeguarding." + act
	}
	return "moderation." + act
}

func itemID(t Target) string {
	if t.CommentID != "" {
		return t.CommentID
	}
	return t.IssueID
}

// saveModeration stores an item's moderation (and, for edits, its text).
func (s *Service) saveModeration(ctx context.Context, m *moderated) error {
	if m.comment != nil {
		return s.store.UpdateComment(ctx, m.comment)
	}
	return s.store.UpdateIssue(ctx, m.access.issue)
}

// told tells an item's author what a facilitator did and why: a member
// through their notifications; an anonymous submitter through their issue's
// history, which their follow-up page shows. Comments by members only.
func (s *Service) told(ctx context.Context, m *moderated, kind EventKind, notice NoticeKind, reason, actorID string) error {
	iss := m.access.issue
	if m.comment == nil {
		private := kind == EventHeld || kind == EventReleased
		if _, err := s.appendEvent(ctx, iss, Event{Kind: kind, Actor: ActorFacilitator, ActorID: actorID, Note: reason, Private: private}); err != nil {
			return err
		}
	}
	author := m.authorID()
	if author == "" || author == actorID {
		return nil
	}
	return s.deliver(ctx, &Notification{ID: secret.NewID(), UserID: author, IssueID: iss.ID, Title: iss.Title,
		Kind: notice, Note: reason, At: s.now()})
}

// changed tells live viewers of the issue and the forum's moderation queue
// that an item changed. The event carries only what everyone may see.
func (s *Service) changed(ctx context.Context, m *moderated) {
	iss := m.access.issue
	if c := m.comment; c != nil {
		data := map[string]any{"id": c.ID, "issue": iss.ID, "author": c.AuthorName, "at": c.CreatedAt, "held": c.Held != "",
			"hidden": c.Hidden, "edit_note": c.EditNote, "edited": !c.EditedAt.IsZero()}
		if c.Held == "" && c.Hidden == "" {
			data["body"] = c.Body
		}
		s.pub.Publish(ctx, IssueRoom(iss.ID), "comment.changed", data)
	} else {
		s.pub.Publish(ctx, IssueRoom(iss.ID), "issue.changed", map[string]any{"id": iss.ID})
	}
	s.pub.Publish(ctx, ModerationRoom(iss.ForumID), "queue.changed", map[string]any{"forum": iss.ForumID})
}

// Edit changes an issue's title and text, or a comment's text, with a public
// reason shown beside it ("identifying details removed"). The earlier text
// is kept for facilitators and the audit trail.
func (s *Service) Edit(ctx context.Context, v Viewer, t Target, title, body, reason string) error {
	m, err := s.loadTarget(ctx, v, t)
	if err != nil {
		return err
	}
	if reason, err = validReason(reason, true, ErrEditReason, ErrEditReasonLong); err != nil {
		return err
	}
	if m.mod().Held == HoldSafeguarding && !safeguards(v, m.access.forum) {
		return ErrSafeguardingOnly
	}
	title, body = clean(title), clean(body)
	var ver *Version
	var beforeText, afterText string
	if c := m.comment; c != nil {
		if body == "" {
			return ErrCommentRequired
		}
		if runes(body) > MaxComment {
			return ErrCommentLong
		}
		written := c.CreatedAt
		if !c.EditedAt.IsZero() {
			written = c.EditedAt
		}
		ver = &Version{ItemID: c.ID, Body: c.Body, At: written}
		beforeText, afterText = c.Body, body
		c.Body, c.EditedAt, c.EditNote = body, s.now(), reason
	} else {
		iss := m.access.issue
		d := Draft{Title: title, Body: body, Themes: iss.Themes}
		if err := d.validate(m.access.forum); err != nil {
			return err
		}
		ver = &Version{ItemID: iss.ID, Title: iss.Title, Body: iss.Body, At: iss.CreatedAt}
		if vs, err := s.store.ListVersions(ctx, iss.ID); err != nil {
			return err
		} else if len(vs) > 0 {
			ver.At = vs[len(vs)-1].At // the earlier edit's time is not kept on the issue: keep order
		}
		beforeText, afterText = iss.Title+"\n\n"+iss.Body, d.Title+"\n\n"+d.Body
		iss.Title, iss.Body, iss.EditNote = d.Title, d.Body, reason
	}
	if err := s.keepVersion(ctx, ver); err != nil {
		return err
	}
	held := *m.mod()
	if err := s.saveModeration(ctx, m); err != nil {
		return err
	}
	if err := s.told(ctx, m, EventEdited, NoticeEdited, reason, v.userID()); err != nil {
		return err
	}
	s.changed(ctx, m)
	f := m.access.forum
	return s.audit.Record(ctx, audit.Entry{ActorID: v.userID(), Action: actionName(held, "edit"), Subject: t.subject(),
		Scope: orgScope(f.OrgID), Forum: f.ID, Reason: reason, Before: beforeText, After: afterText})
}

// keepVersion stores an earlier text under the next free sequence number.
func (s *Service) keepVersion(ctx context.Context, v *Version) error {
	versions, err := s.store.ListVersions(ctx, v.ItemID)
	if err != nil {
		return err
	}
	v.Seq = int64(len(versions)) + 1
	for tries := 0; ; tries++ {
		err := s.store.AddVersion(ctx, v)
		if err == nil || !errors.Is(err, fault.ErrConflict) || tries > 50 {
			return err
		}
		v.Seq++
	}
}

// holdIfRisky holds a new item for the safeguarding lead when its text
// holds a risk term, and returns whether it did.
func holdIfRisky(f *Forum, mod *Moderation, now time.Time, texts ...string) bool {
	for _, t := range texts {
		if RiskMatch(f, t) {
			mod.Held, mod.HeldAt = HoldSafeguarding, now
			return true
		}
	}
	return false
}

// reported holds an item once enough distinct members have reported it.
func (s *Service) reported(ctx context.Context, a *issueAccess, t Target) error {
	n, err := s.store.CountReports(ctx, itemID(t))
	if err != nil {
		return err
	}
	threshold := a.forum.ReportThreshold
	if threshold <= 0 {
		threshold = DefaultReportThreshold
	}
	if n < threshold {
		s.pub.Publish(ctx, ModerationRoom(a.forum.ID), "queue.changed", map[string]any{"forum": a.forum.ID})
		return nil
	}
	m := &moderated{access: a}
	if t.CommentID != "" {
		if m.comment, err = s.store.FindComment(ctx, t.CommentID); err != nil {
			return err
		}
	}
	mod := m.mod()
	if mod.Held != "" || mod.Hidden != "" {
		return nil
	}
	mod.Held, mod.HeldAt = HoldReports, s.now()
	if err := s.saveModeration(ctx, m); err != nil {
		return err
	}
	if err := s.told(ctx, m, EventHeld, NoticeHeld, "", ""); err != nil {
		return err
	}
	s.changed(ctx, m)
	return s.audit.Record(ctx, audit.Entry{Action: "moderation.hold", Subject: t.subject(), Scope: orgScope(a.forum.OrgID),
		Forum: a.forum.ID, Detail: "reports"})
}

// Merge folds a duplicate issue into another of the same forum: supports
// combine (a member who supported both counts once), followers carry over,
// both histories stay readable, and the duplicate's followers and submitter
// are told where it went.
func (s *Service) Merge(ctx context.Context, v Viewer, fromID, intoID, reason string) error {
	from, err := s.access(ctx, v, fromID)
	if err != nil {
		return err
	}
	if !from.facilitator {
		return ErrForbidden
	}
	into, err := s.access(ctx, v, intoID)
	if err != nil || into.forum.ID != from.forum.ID || intoID == fromID {
		return errors.Join(ErrMergeTarget, err)
	}
	if from.status.Closed() || into.status.Closed() {
		return ErrClosed
	}
	if reason, err = validReason(reason, false, nil, ErrMergeReasonLong); err != nil {
		return err
	}
	// Supports and followers first: each copy is idempotent, so a merge cut
	// short is finished by trying again, and the status comes last.
	supports, err := s.store.ListSupports(ctx, fromID)
	if err != nil {
		return err
	}
	for _, sup := range supports {
		err := s.store.AddSupport(ctx, &Support{IssueID: intoID, Key: sup.Key, At: sup.At})
		if err != nil && !errors.Is(err, fault.ErrConflict) {
			return err
		}
	}
	followers, err := s.store.ListFollowers(ctx, fromID)
	if err != nil {
		return err
	}
	for _, uid := range followers {
		if err := s.follow(ctx, intoID, uid); err != nil {
			return err
		}
	}
	if _, err := s.appendEvent(ctx, into.issue, Event{Kind: EventMergedFrom, Actor: ActorFacilitator, ActorID: v.userID(), Note: reason, Ref: fromID}); err != nil {
		return err
	}
	if _, err := s.appendEvent(ctx, from.issue, Event{Kind: EventStatus, Status: StatusMerged, Actor: ActorFacilitator, ActorID: v.userID(), Note: reason, Ref: intoID}); err != nil {
		return err
	}
	for _, uid := range followers {
		if uid == v.userID() {
			continue
		}
		if err := s.deliver(ctx, &Notification{ID: secret.NewID(), UserID: uid, IssueID: intoID, Title: from.issue.Title,
			Kind: NoticeMerged, Note: reason, At: s.now()}); err != nil {
			return err
		}
	}
	s.pub.Publish(ctx, IssueRoom(fromID), "status.changed", map[string]any{"status": string(StatusMerged), "note": reason})
	if _, err := s.countChanged(ctx, into.issue); err != nil {
		return err
	}
	return s.audit.Record(ctx, audit.Entry{ActorID: v.userID(), Action: "moderation.merge", Subject: "issue:" + fromID,
		Scope: orgScope(from.forum.OrgID), Forum: from.forum.ID, Reason: reason, Detail: "into issue:" + intoID})
}

// MergedInto returns the issue an issue was merged into, from its history.
func MergedInto(events []*Event) string {
	for i := len(events) - 1; i >= 0; i-- {
		if e := events[i]; e.Kind == EventStatus && e.Status == StatusMerged {
			return e.Ref
		}
	}
	return ""
}

// ItemView is one issue or comment as a facilitator deciding on it sees it.
type ItemView struct {
	Forum      *Forum
	Issue      *Issue
	Comment    *Comment // nil when the item is the issue
	Status     Status
	Reports    []*Report // open reports; reporters are not shown
	Versions   []*Version
	Safeguards bool // the viewer may decide on what is held for safeguarding
	Masked     bool // held for safeguarding and the viewer may not read it
	Actions    []Action
	// MergeTargets are the forum's other open issues (for an issue).
	MergeTargets []*IssueSummary
	// Quotes chosen from the issue for steering agendas.
	Quotes []*Quote
	// CanErase: the viewer administers the forum's organisation.
	CanErase bool
}

// ModerationItem returns an item for a facilitator to decide on. Those who
// safeguard the forum reading an item held for safeguarding is recorded in
// the audit trail.
func (s *Service) ModerationItem(ctx context.Context, v Viewer, t Target) (*ItemView, error) {
	m, err := s.loadTarget(ctx, v, t)
	if err != nil {
		return nil, err
	}
	f := m.access.forum
	view := &ItemView{Forum: f, Issue: m.access.issue, Comment: m.comment, Status: m.access.status, Safeguards: safeguards(v, f),
		CanErase: v.Principal.AdministersOrganisation(f.OrgID)}
	mod := m.mod()
	view.Masked = mod.Held == HoldSafeguarding && !view.Safeguards
	if view.Masked {
		if m.comment != nil {
			m.comment.Body = ""
		} else {
			m.access.issue.Title, m.access.issue.Body = "", ""
		}
		view.Actions = nil
		return view, nil
	}
	if mod.Held == HoldSafeguarding {
		if err := s.audit.Record(ctx, audit.Entry{ActorID: v.userID(), Action: "safeguarding.view", Subject: t.subject(),
			Scope: orgScope(f.OrgID), Forum: f.ID}); err != nil {
			return nil, err
		}
	}
	reports, err := s.store.ListReports(ctx, f.ID, true)
	if err != nil {
		return nil, err
	}
	for _, r := range reports {
		if r.Item() == itemID(t) {
			view.Reports = append(view.Reports, r)
		}
	}
	if view.Versions, err = s.store.ListVersions(ctx, itemID(t)); err != nil {
		return nil, err
	}
	if m.comment == nil {
		if view.Quotes, err = s.store.ListQuotes(ctx, t.IssueID); err != nil {
			return nil, err
		}
	}
	inReview := m.comment == nil && (view.Status == StatusInReview || view.Status == StatusSubmitted)
	if mod.Held != "" || inReview {
		view.Actions = append(view.Actions, ActApprove)
	}
	if mod.Hidden == "" {
		view.Actions = append(view.Actions, ActHide)
	} else {
		view.Actions = append(view.Actions, ActRestore)
	}
	if mod.Held != HoldSafeguarding {
		view.Actions = append(view.Actions, ActEscalate)
	}
	if m.comment == nil && !view.Status.Closed() {
		open := []Status{StatusOpen, StatusOnAgenda, StatusActionAgreed, StatusInProgress}
		list, _, err := s.store.ListIssues(ctx, IssueFilter{ForumID: f.ID, Statuses: open, Sort: SortNewest, Limit: 200})
		if err != nil {
			return nil, err
		}
		for _, sum := range list {
			if sum.ID != t.IssueID && sum.Hidden == "" {
				view.MergeTargets = append(view.MergeTargets, sum)
			}
		}
	}
	return view, nil
}

// QueueTab is one list in a facilitator's moderation queue.
type QueueTab string

// The queue's tabs.
const (
	TabApproval     QueueTab = "approval"     // issues in review
	TabReports      QueueTab = "reports"      // items members reported, still undecided
	TabSafeguarding QueueTab = "safeguarding" // items held for the safeguarding lead
	TabOverdue      QueueTab = "overdue"      // issues past the response target with no response
	TabQuestions    QueueTab = "questions"    // questions the anonymous submitter has not answered
)

// QueueTabs lists the tabs in order.
var QueueTabs = []QueueTab{TabApproval, TabReports, TabSafeguarding, TabOverdue, TabQuestions}

// QueueItem is one entry in the queue.
type QueueItem struct {
	Issue     *Issue
	Comment   *Comment // nil when the item is the issue
	Reports   []*Report
	Masked    bool // held for safeguarding: only its lead, deputy and administrators see it
	Escalated bool // held for safeguarding longer than the forum allows
	Since     time.Time
}

// Queue is a forum's moderation queue as one facilitator sees it.
type Queue struct {
	Forum  *Forum
	Tab    QueueTab
	Counts map[QueueTab]int
	Items  []*QueueItem
	// Safeguards: the viewer is the lead, the deputy or an administrator.
	Safeguards bool
}

// Queue returns a forum's moderation queue, with every tab counted and one
// tab's items listed.
func (s *Service) Queue(ctx context.Context, v Viewer, forumID string, tab QueueTab) (*Queue, error) {
	f, err := s.store.FindForum(ctx, forumID)
	if err != nil {
		return nil, err
	}
	if ok, err := s.facilitates(ctx, v, f); err != nil || !ok {
		return nil, errors.Join(ErrForbidden, err)
	}
	if !slices.Contains(QueueTabs, tab) {
		tab = TabApproval
	}
	q := &Queue{Forum: f, Tab: tab, Counts: map[QueueTab]int{}, Safeguards: safeguards(v, f)}
	lists, err := s.queueLists(ctx, f, q.Safeguards)
	if err != nil {
		return nil, err
	}
	for _, t := range QueueTabs {
		q.Counts[t] = len(lists[t])
	}
	q.Items = lists[tab]
	if tab == TabSafeguarding && q.Safeguards {
		for _, item := range q.Items { // every reading of a hold is recorded
			if err := s.audit.Record(ctx, audit.Entry{ActorID: v.userID(), Action: "safeguarding.view", Subject: queueSubject(item),
				Scope: orgScope(f.OrgID), Forum: f.ID}); err != nil {
				return nil, err
			}
		}
	}
	return q, nil
}

// Queues returns the queue of every forum the viewer facilitates, each with
// its tabs counted and no items listed.
func (s *Service) Queues(ctx context.Context, v Viewer) ([]*Queue, error) {
	if v.Principal == nil {
		return nil, ErrSignInRequired
	}
	forums, err := s.store.ListForums(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Queue
	for _, f := range forums {
		if ok, err := s.facilitates(ctx, v, f); err != nil {
			return nil, err
		} else if !ok {
			continue
		}
		q, err := s.Queue(ctx, v, f.ID, TabApproval)
		if err != nil {
			return nil, err
		}
		q.Items = nil
		out = append(out, q)
	}
	return out, nil
}

// queueLists gathers every tab's items.
func (s *Service) queueLists(ctx context.Context, f *Forum, sees bool) (map[QueueTab][]*QueueItem, error) {
	out := map[QueueTab][]*QueueItem{}
	now := s.now()
	// file puts a held item under its tab.
	file := func(item *QueueItem, mod Moderation) {
		if mod.Held == HoldSafeguarding {
			item.Masked, item.Escalated = !sees, now.Sub(mod.HeldAt) > f.escalateAfter()
			out[TabSafeguarding] = append(out[TabSafeguarding], item)
		} else {
			out[TabReports] = append(out[TabReports], item)
		}
	}
	issues := map[string]*Issue{}
	held, err := s.store.ListHeldIssues(ctx, f.ID)
	if err != nil {
		return nil, err
	}
	for _, iss := range held {
		issues[iss.ID] = iss
		file(&QueueItem{Issue: iss, Since: iss.HeldAt}, iss.Moderation)
	}
	comments, err := s.store.ListHeldComments(ctx, f.ID)
	if err != nil {
		return nil, err
	}
	for _, c := range comments {
		file(&QueueItem{Comment: c, Since: c.HeldAt}, c.Moderation)
	}
	// Open reports not yet at the threshold are listed too, grouped by item.
	reports, err := s.store.ListReports(ctx, f.ID, true)
	if err != nil {
		return nil, err
	}
	byItem := map[string]*QueueItem{}
	for _, item := range out[TabReports] {
		byItem[queueKey(item)] = item
	}
	for _, r := range reports {
		item, ok := byItem[r.Item()]
		if !ok {
			item = &QueueItem{Issue: &Issue{ID: r.IssueID}, Since: r.At}
			if r.CommentID != "" {
				item = &QueueItem{Comment: &Comment{ID: r.CommentID, IssueID: r.IssueID}, Since: r.At}
			}
			byItem[r.Item()] = item
			out[TabReports] = append(out[TabReports], item)
		}
		item.Reports = append(item.Reports, r)
	}
	// Fill in what the report rows alone do not carry.
	for _, item := range out[TabReports] {
		if err := s.fillItem(ctx, item, issues); err != nil {
			return nil, err
		}
	}
	for _, item := range out[TabSafeguarding] {
		if err := s.fillItem(ctx, item, issues); err != nil {
			return nil, err
		}
	}
	open := []Status{StatusSubmitted, StatusInReview, StatusOpen, StatusOnAgenda, StatusActionAgreed, StatusInProgress}
	list, _, err := s.store.ListIssues(ctx, IssueFilter{ForumID: f.ID, Statuses: open, Sort: SortNewest, Limit: 1000, Held: true})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, sum := range list {
		iss := sum.Issue
		if iss.Status == StatusInReview || iss.Status == StatusSubmitted {
			out[TabApproval] = append(out[TabApproval], &QueueItem{Issue: &iss, Since: iss.CreatedAt,
				Masked: iss.Held == HoldSafeguarding && !sees})
		}
		ids = append(ids, iss.ID)
	}
	events, err := s.store.ListEventsOf(ctx, ids, []EventKind{EventResponse, EventQuestion, EventAnswer})
	if err != nil {
		return nil, err
	}
	responded, asked := map[string]bool{}, map[string]time.Time{}
	for _, e := range events {
		switch e.Kind {
		case EventResponse:
			responded[e.IssueID] = true
		case EventQuestion:
			asked[e.IssueID] = e.At
		case EventAnswer:
			delete(asked, e.IssueID)
		}
	}
	target := time.Duration(f.ResponseTargetDays) * 24 * time.Hour
	for i := len(list) - 1; i >= 0; i-- { // oldest first
		iss := list[i].Issue
		masked := iss.Held == HoldSafeguarding && !sees
		if !responded[iss.ID] && now.Sub(iss.CreatedAt) > target {
			out[TabOverdue] = append(out[TabOverdue], &QueueItem{Issue: &iss, Since: iss.CreatedAt, Masked: masked})
		}
		if at, ok := asked[iss.ID]; ok {
			out[TabQuestions] = append(out[TabQuestions], &QueueItem{Issue: &iss, Since: at, Masked: masked})
		}
	}
	return out, nil
}

func queueSubject(item *QueueItem) string {
	if item.Comment != nil {
		return "comment:" + item.Comment.ID
	}
	return "issue:" + item.Issue.ID
}

func queueKey(item *QueueItem) string {
	if item.Comment != nil {
		return item.Comment.ID
	}
	return item.Issue.ID
}

// fillItem loads a queue item's issue (and comment) in full.
func (s *Service) fillItem(ctx context.Context, item *QueueItem, issues map[string]*Issue) error {
	issueID := ""
	if item.Comment != nil {
		if item.Comment.AuthorID == "" && item.Comment.Body == "" {
			c, err := s.store.FindComment(ctx, item.Comment.ID)
			if err != nil {
				return err
			}
			item.Comment = c
		}
		issueID = item.Comment.IssueID
	} else {
		issueID = item.Issue.ID
	}
	iss, ok := issues[issueID]
	if !ok {
		var err error
		if iss, err = s.store.FindIssue(ctx, issueID); err != nil {
			return err
		}
		issues[issueID] = iss
	}
	item.Issue = iss
	return nil
}

// OverdueCount counts a forum's issues past the response target with no
// response, for its facilitators' view of the forum page.
func (s *Service) OverdueCount(ctx context.Context, v Viewer, forumID string) (int, error) {
	q, err := s.Queue(ctx, v, forumID, TabOverdue)
	if err != nil {
		return 0, err
	}
	return q.Counts[TabOverdue], nil
}

// escalateAfter is how long a safeguarding hold waits for the lead before
// it is escalated.
func (f *Forum) escalateAfter() time.Duration {
	hours := f.EscalateHours
	if hours <= 0 {
		hours = DefaultEscalateHours
	}
	return time.Duration(hours) * time.Hour
}

// ModerationRoom is the live room of a forum's moderation queue.
func ModerationRoom(forumID string) string { return "moderation:" + forumID }

func orgScope(orgID string) string { return account.OrganisationScope(orgID).String() }

// Erase removes an issue's or a comment's words for good, when its author
// asks or the law requires it. Administrators of the forum's organisation
// may; facilitators never delete. A tombstone stays in its place, earlier
// versions lose their words, audit entries about it keep their place but
// lose the content they held, and a new entry records the erasure without
// any content.
func (s *Service) Erase(ctx context.Context, by *account.Principal, t Target, why Erasure) error {
	if why != ErasedByAuthor && why != ErasedLegal {
		return fault.InvalidField("why", "moderation.error.erase_reason")
	}
	iss, err := s.store.FindIssue(ctx, t.IssueID)
	if err != nil {
		return err
	}
	f, err := s.store.FindForum(ctx, iss.ForumID)
	if err != nil {
		return err
	}
	if !by.AdministersOrganisation(f.OrgID) {
		return ErrForbidden
	}
	a := &issueAccess{forum: f, issue: iss}
	m := &moderated{access: a}
	if t.CommentID != "" {
		if m.comment, err = s.store.FindComment(ctx, t.CommentID); err != nil {
			return err
		}
		if m.comment.IssueID != iss.ID {
			return ErrNotFound
		}
		m.comment.Body = ""
	} else {
		iss.Title, iss.Body = "", ""
		if err := s.store.RemoveQuotes(ctx, iss.ID); err != nil {
			return err
		}
	}
	*m.mod() = Moderation{Erased: why}
	if err := s.saveModeration(ctx, m); err != nil {
		return err
	}
	if err := s.store.EraseVersions(ctx, itemID(t)); err != nil {
		return err
	}
	if err := s.audit.Redact(ctx, t.subject()); err != nil {
		return err
	}
	s.changed(ctx, m)
	return s.audit.Record(ctx, audit.Entry{ActorID: by.User.ID, Action: "moderation.erase", Subject: t.subject(),
		Scope: orgScope(f.OrgID), Forum: f.ID, Detail: string(why)})
}

// SetThemes tags an issue with themes from its forum's list.
func (s *Service) SetThemes(ctx context.Context, v Viewer, issueID string, themes []string) error {
	a, err := s.access(ctx, v, issueID)
	if err != nil {
		return err
	}
	if !a.facilitator {
		return ErrForbidden
	}
	var tagged []string
	for _, t := range themes {
		if !slices.Contains(a.forum.Themes, t) {
			return ErrThemeUnknown
		}
		if !slices.Contains(tagged, t) {
			tagged = append(tagged, t)
		}
	}
	before := a.issue.Themes
	a.issue.Themes = tagged
	if err := s.store.UpdateIssue(ctx, a.issue); err != nil {
		return err
	}
	return s.audit.Record(ctx, audit.Entry{ActorID: v.userID(), Action: "moderation.themes", Subject: "issue:" + issueID,
		Scope: orgScope(a.forum.OrgID), Forum: a.forum.ID, Detail: strings.Join(before, ", ") + " → " + strings.Join(tagged, ", ")})
}

// SetForumThemes replaces a forum's list of themes; its facilitators may.
// Issues keep the themes they were tagged with.
func (s *Service) SetForumThemes(ctx context.Context, v Viewer, forumID string, themes []string) (*Forum, error) {
	f, err := s.store.FindForum(ctx, forumID)
	if err != nil {
		return nil, err
	}
	if ok, err := s.facilitates(ctx, v, f); err != nil || !ok {
		return nil, errors.Join(ErrForbidden, err)
	}
	fs := f.Settings()
	fs.Themes = themes
	if err := fs.validate(); err != nil {
		return nil, err
	}
	f.Themes = fs.Themes
	if err := s.store.UpdateForum(ctx, f); err != nil {
		return nil, err
	}
	return f, s.audit.Record(ctx, audit.Entry{ActorID: v.userID(), Action: "forum.themes", Subject: "forum:" + f.ID,
		Scope: orgScope(f.OrgID), Forum: f.ID, Detail: strings.Join(f.Themes, ", ")})
}

// AddQuote keeps a short passage from an issue for steering agendas. The
// facilitator picks the words; anything that looks identifying (a name, a
// date of birth, a school, an NHS number...) is removed before it is kept.
func (s *Service) AddQuote(ctx context.Context, v Viewer, issueID, text, placeholder string) (*Quote, error) {
	a, err := s.access(ctx, v, issueID)
	if err != nil {
		return nil, err
	}
	if !a.facilitator {
		return nil, ErrForbidden
	}
	if a.issue.Held == HoldSafeguarding && !safeguards(v, a.forum) {
		return nil, ErrSafeguardingOnly
	}
	text = clean(text)
	if text == "" {
		return nil, ErrQuoteRequired
	}
	if runes(text) > MaxQuote {
		return nil, ErrQuoteLong
	}
	if found := FindIdentifying(text, s.now()); len(found) > 0 {
		text = RemoveIdentifying(text, found, placeholder)
	}
	q := &Quote{ID: secret.NewID(), IssueID: issueID, ForumID: a.forum.ID, Text: text, ByID: v.userID(), At: s.now()}
	if err := s.store.AddQuote(ctx, q); err != nil {
		return nil, err
	}
	return q, s.audit.Record(ctx, audit.Entry{ActorID: v.userID(), Action: "moderation.quote", Subject: "issue:" + issueID,
		Scope: orgScope(a.forum.OrgID), Forum: a.forum.ID, After: text})
}

// RemoveQuote takes a quote off an issue's list.
func (s *Service) RemoveQuote(ctx context.Context, v Viewer, issueID, quoteID string) error {
	a, err := s.access(ctx, v, issueID)
	if err != nil {
		return err
	}
	if !a.facilitator {
		return ErrForbidden
	}
	if err := s.store.RemoveQuote(ctx, issueID, quoteID); err != nil {
		return err
	}
	return s.audit.Record(ctx, audit.Entry{ActorID: v.userID(), Action: "moderation.unquote", Subject: "issue:" + issueID,
		Scope: orgScope(a.forum.OrgID), Forum: a.forum.ID, Detail: "quote:" + quoteID})
}

// Quotes lists the quotes chosen from an issue; anyone who may see the
// issue may read them (steering agendas show them).
func (s *Service) Quotes(ctx context.Context, v Viewer, issueID string) ([]*Quote, error) {
	if _, err := s.access(ctx, v, issueID); err != nil {
		return nil, err
	}
	return s.store.ListQuotes(ctx, issueID)
}
