package steering

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"chorus/account"
	"chorus/forum"
	"chorus/internal/fault"
	"chorus/internal/secret"
)

// DecisionSettings are what the chair records as decided on an item.
type DecisionSettings struct {
	Text     string
	Type     DecisionType
	Reason   string
	AgreedBy []OrgKind
	Dissent  string
}

// Decide records a decision on an agenda item in the group's decision log.
// A form sent again (the same idemKey) records it once.
func (s *Service) Decide(ctx context.Context, by *account.Principal, itemID string, ds DecisionSettings, idemKey string) (*Decision, error) {
	it, mc, err := s.itemFor(ctx, by, itemID)
	if err != nil {
		return nil, err
	}
	if mc.meeting.Status == MeetingDraft {
		return nil, ErrMeetingStatus
	}
	ds.Text, ds.Reason, ds.Dissent = clean(ds.Text), clean(ds.Reason), clean(ds.Dissent)
	switch {
	case ds.Text == "":
		return nil, ErrDecisionRequired
	case !slices.Contains(DecisionTypes, ds.Type):
		return nil, ErrDecisionType
	case ds.Type == DecisionDeclined && ds.Reason == "":
		return nil, ErrReasonRequired
	case runes(ds.Text) > MaxText || runes(ds.Reason) > MaxText || runes(ds.Dissent) > MaxText:
		return nil, ErrDecisionLong
	}
	var orgs []OrgKind
	for _, o := range ds.AgreedBy {
		if !slices.Contains(OrgKinds, o) {
			return nil, ErrOrgUnknown
		}
		if !slices.Contains(orgs, o) {
			orgs = append(orgs, o)
		}
	}
	d := &Decision{ID: onceID("decision", by, idemKey), GroupID: mc.seat.Group.ID, MeetingID: mc.meeting.ID, ItemID: it.ID,
		Text: ds.Text, Type: ds.Type, Reason: ds.Reason, AgreedBy: orgs, Dissent: ds.Dissent, ByID: by.User.ID, At: s.now()}
	if err := s.store.AddDecision(ctx, d); errors.Is(err, fault.ErrConflict) {
		return d, nil // recorded by the first try
	} else if err != nil {
		return nil, err
	}
	s.changed(ctx, mc.meeting, "meeting.decision")
	return d, s.record(ctx, by, "decision.add", "meeting:"+mc.meeting.ID, mc.seat.Group, string(d.Type)+" "+d.ID)
}

// onceID is a record's ID: derived from the form's idempotency key, so that
// the store's unique key refuses a second record from the same form.
func onceID(kind string, by *account.Principal, idemKey string) string {
	if idemKey == "" {
		return secret.NewID()
	}
	return secret.HashToken(kind + "|" + by.User.ID + "|" + idemKey)[:16]
}

// ActionSettings are what the chair records as agreed to do.
type ActionSettings struct {
	Description string
	OwnerOrg    OrgKind
	Owner       string
	Due         string // YYYY-MM-DD
	IssueIDs    []string
}

func validDue(due string) (string, error) {
	due = strings.TrimSpace(due)
	if due == "" {
		return "", nil
	}
	if _, err := time.Parse(time.DateOnly, due); err != nil {
		return "", ErrDue
	}
	return due, nil
}

// AddAction records an action agreed on an agenda item. It links to the
// issues it answers (the item's issue by default); each of them gains
// "action agreed" in its history and moves on. A form sent again records it
// once.
func (s *Service) AddAction(ctx context.Context, by *account.Principal, itemID string, as ActionSettings, idemKey string) (*Action, error) {
	it, mc, err := s.itemFor(ctx, by, itemID)
	if err != nil {
		return nil, err
	}
	if mc.meeting.Status == MeetingDraft {
		return nil, ErrMeetingStatus
	}
	as.Description, as.Owner = clean(as.Description), clean(as.Owner)
	switch {
	case as.Description == "":
		return nil, ErrActionRequired
	case runes(as.Description) > MaxText:
		return nil, ErrTextLong
	case as.Owner == "" && as.OwnerOrg == "":
		return nil, ErrOwnerRequired
	case runes(as.Owner) > MaxName:
		return nil, ErrOwnerLong
	case as.OwnerOrg != "" && !slices.Contains(OrgKinds, as.OwnerOrg):
		return nil, ErrOrgUnknown
	}
	if as.Due, err = validDue(as.Due); err != nil {
		return nil, err
	}
	ids := as.IssueIDs
	if it.IssueID != "" && !slices.Contains(ids, it.IssueID) {
		ids = append([]string{it.IssueID}, ids...)
	}
	var issues []string
	for _, id := range ids {
		if id = strings.TrimSpace(id); id == "" || slices.Contains(issues, id) {
			continue
		}
		ai, err := s.forums.AgendaIssue(ctx, id)
		if errors.Is(err, fault.ErrNotFound) || (err == nil && !slices.Contains(mc.seat.Group.ForumIDs, ai.ForumID)) {
			return nil, ErrIssueUnknown
		} else if err != nil {
			return nil, err
		}
		issues = append(issues, id)
	}
	a := &Action{ID: onceID("action", by, idemKey), GroupID: mc.seat.Group.ID, MeetingID: mc.meeting.ID, ItemID: it.ID,
		Description: as.Description, OwnerOrg: as.OwnerOrg, Owner: as.Owner, Due: as.Due, IssueIDs: issues, CreatedAt: s.now()}
	if err := s.store.CreateAction(ctx, a); err != nil && !errors.Is(err, fault.ErrConflict) {
		return nil, err
	}
	// The first event may already be there (a retry after a crash): its
	// key makes adding it again harmless, and the steps below are keyed too.
	first := &ActionEvent{ActionID: a.ID, Seq: 1, Status: ActionAgreed, Due: a.Due, ByID: by.User.ID, At: a.CreatedAt, Key: "created"}
	if err := s.store.AddActionEvent(ctx, first); err != nil && !errors.Is(err, fault.ErrConflict) {
		return nil, err
	}
	if err := s.flowBack(ctx, by, a, first); err != nil {
		return nil, err
	}
	s.changed(ctx, mc.meeting, "meeting.action")
	return a, s.record(ctx, by, "action.add", "action:"+a.ID, mc.seat.Group, strings.Join(issues, " "))
}

// ActionUpdate is a change to an action's progress.
type ActionUpdate struct {
	Status  ActionStatus
	Note    string // progress, evidence (text or a link), or why not possible
	Outcome string // for families: required when done or not possible
	Due     string // a new due date; empty keeps it
}

// UpdateAction records progress on an action: a new event in its history.
// Finishing one needs evidence or a reason, and an outcome written for
// families, which becomes the response on every linked issue; an issue
// whose actions are all finished moves to resolved (or not possible). A
// form sent again (the same idemKey) records it once.
func (s *Service) UpdateAction(ctx context.Context, by *account.Principal, actionID string, u ActionUpdate, idemKey string) error {
	a, err := s.action(ctx, actionID)
	if err != nil {
		return err
	}
	g, err := s.store.FindGroup(ctx, a.GroupID)
	if err != nil {
		return err
	}
	st, err := s.seat(ctx, by, g)
	if err != nil {
		return err
	}
	if !st.Acts() {
		if st.Sees() {
			return ErrForbidden
		}
		return ErrNotFound
	}
	key := ""
	if idemKey != "" {
		key = secret.HashToken("action-event|" + idemKey)
		if slices.ContainsFunc(a.History, func(e *ActionEvent) bool { return e.Key == key }) {
			return nil
		}
	}
	if a.Status.Finished() {
		return ErrActionFinished
	}
	u.Note, u.Outcome = clean(u.Note), clean(u.Outcome)
	switch {
	case !slices.Contains(ActionStatuses, u.Status):
		return ErrActionStatus
	case runes(u.Note) > MaxText || runes(u.Outcome) > MaxText:
		return ErrNoteLong
	case u.Status.Finished() && u.Note == "":
		return ErrEvidenceRequired
	case u.Status.Finished() && u.Outcome == "":
		return ErrOutcomeRequired
	}
	if u.Due, err = validDue(u.Due); err != nil {
		return err
	}
	if u.Due == a.Due {
		u.Due = ""
	}
	e := &ActionEvent{ActionID: a.ID, Status: u.Status, Note: u.Note, Outcome: u.Outcome, Due: u.Due, ByID: by.User.ID, At: s.now(), Key: key}
	if err := s.appendActionEvent(ctx, a, e); err != nil {
		return err
	}
	a.Status = u.Status
	if err := s.flowBack(ctx, by, a, e); err != nil {
		return err
	}
	if m, err := s.store.FindMeeting(ctx, a.MeetingID); err == nil {
		s.changed(ctx, m, "meeting.action")
	}
	return s.record(ctx, by, "action.update", "action:"+a.ID, g, string(u.Status))
}

// appendActionEvent adds an event after the action's latest, retrying with
// the next number when someone else's change took it: both are kept.
func (s *Service) appendActionEvent(ctx context.Context, a *Action, e *ActionEvent) error {
	e.Seq = int64(len(a.History)) + 1
	for tries := 0; ; tries++ {
		err := s.store.AddActionEvent(ctx, e)
		if err == nil {
			return nil
		}
		if !errors.Is(err, fault.ErrConflict) || tries > 50 {
			return err
		}
		events, err := s.store.ListActionEvents(ctx, []string{a.ID})
		if err != nil {
			return err
		}
		if e.Key != "" && slices.ContainsFunc(events, func(o *ActionEvent) bool { return o.Key == e.Key }) {
			return nil // the same form, sent twice at once
		}
		e.Seq = int64(len(events)) + 1
	}
}

// flowBack writes an action's step into the history of every issue it
// answers, so the family that raised it reads it: "you said, we did".
func (s *Service) flowBack(ctx context.Context, by *account.Principal, a *Action, e *ActionEvent) error {
	for _, issueID := range a.IssueIDs {
		step := forum.SteeringStep{Ref: "action:" + a.ID, Key: "action|" + a.ID + "|" + e.Key + "|" + strconv.FormatInt(e.Seq, 10), ActorID: by.User.ID}
		switch e.Status {
		case ActionAgreed:
			step.Kind, step.Note, step.Status = forum.EventActionAgreed, a.Description, forum.StatusActionAgreed
		case ActionInProgress:
			step.Kind, step.Note, step.Status = forum.EventActionProgress, a.Description, forum.StatusInProgress
		case ActionDone, ActionNotPossible:
			step.Kind, step.Note, step.Respond = forum.EventActionDone, e.Outcome, true
			if e.Status == ActionNotPossible {
				step.Kind = forum.EventActionNotPossible
			}
			done, all, err := s.issueActionsFinished(ctx, issueID)
			if err != nil {
				return err
			}
			if all {
				step.Status = forum.Resolve(done)
			}
		}
		if err := s.forums.RecordSteering(ctx, issueID, step); err != nil && !errors.Is(err, fault.ErrNotFound) {
			return err
		}
	}
	return nil
}

// issueActionsFinished reports whether every action linked to an issue has
// finished, and whether any of them was done.
func (s *Service) issueActionsFinished(ctx context.Context, issueID string) (anyDone, all bool, err error) {
	list, err := s.store.ListActionsFor(ctx, issueID)
	if err != nil {
		return false, false, err
	}
	if err := s.derive(ctx, list); err != nil {
		return false, false, err
	}
	all = true
	for _, a := range list {
		all = all && a.Status.Finished()
		anyDone = anyDone || a.Status == ActionDone
	}
	return anyDone, all, nil
}

// action loads one action with its history.
func (s *Service) action(ctx context.Context, id string) (*Action, error) {
	a, err := s.store.FindAction(ctx, id)
	if err != nil {
		return nil, err
	}
	return a, s.derive(ctx, []*Action{a})
}

// actions loads a group's actions with their histories.
func (s *Service) actions(ctx context.Context, groupID string) ([]*Action, error) {
	list, err := s.store.ListActions(ctx, groupID)
	if err != nil {
		return nil, err
	}
	return list, s.derive(ctx, list)
}

// derive fills actions' status, due date, outcome, rating and history from
// their events.
func (s *Service) derive(ctx context.Context, list []*Action) error {
	if len(list) == 0 {
		return nil
	}
	ids := make([]string, len(list))
	byID := map[string]*Action{}
	for i, a := range list {
		ids[i], byID[a.ID] = a.ID, a
		a.Status, a.History = ActionAgreed, nil
	}
	events, err := s.store.ListActionEvents(ctx, ids)
	if err != nil {
		return err
	}
	for _, e := range events {
		a := byID[e.ActionID]
		a.History = append(a.History, e)
		a.Status = e.Status
		if e.Due != "" {
			a.Due = e.Due
		}
		if e.Outcome != "" {
			a.Outcome = e.Outcome
		}
	}
	today := s.Today()
	for _, a := range list {
		a.RAG = Rate(a.Status, a.Due, today)
	}
	return nil
}

// ActionView is an action's page.
type ActionView struct {
	*Seat
	Action  *Action
	Meeting *Meeting
	Issues  []*forum.AgendaIssue
	Members []*Member
}

// Action returns an action's page for the group's members and
// administrators, and members of its linked forums.
func (s *Service) Action(ctx context.Context, p *account.Principal, id string) (*ActionView, error) {
	a, err := s.action(ctx, id)
	if err != nil {
		return nil, err
	}
	st, err := s.seeing(ctx, p, a.GroupID)
	if err != nil {
		return nil, err
	}
	v := &ActionView{Seat: st, Action: a}
	if v.Meeting, err = s.store.FindMeeting(ctx, a.MeetingID); err != nil {
		return nil, err
	}
	if v.Members, err = s.store.ListGroupMembers(ctx, a.GroupID); err != nil {
		return nil, err
	}
	for _, id := range a.IssueIDs {
		ai, err := s.forums.AgendaIssue(ctx, id)
		if errors.Is(err, fault.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		v.Issues = append(v.Issues, ai)
	}
	return v, nil
}

// Register is a group's decision log and actions, as its members and
// exports see them.
type Register struct {
	*Seat
	Meetings  []*Meeting
	Decisions []*Decision
	Actions   []*Action
	Members   []*Member
}

// Register returns a group's decision log and actions, for its members and
// administrators and the members of its linked forums.
func (s *Service) Register(ctx context.Context, p *account.Principal, groupID string) (*Register, error) {
	st, err := s.seeing(ctx, p, groupID)
	if err != nil {
		return nil, err
	}
	r := &Register{Seat: st}
	if r.Meetings, err = s.store.ListMeetings(ctx, groupID); err != nil {
		return nil, err
	}
	if r.Decisions, err = s.store.ListDecisions(ctx, groupID, ""); err != nil {
		return nil, err
	}
	if r.Actions, err = s.actions(ctx, groupID); err != nil {
		return nil, err
	}
	if r.Members, err = s.store.ListGroupMembers(ctx, groupID); err != nil {
		return nil, err
	}
	return r, nil
}
