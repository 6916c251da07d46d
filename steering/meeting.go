package steering

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/url"
	"slices"
	"time"

	"chorus/account"
	"chorus/forum"
	"chorus/internal/fault"
	"chorus/internal/secret"
)

// MeetingSettings are what a chair sets for a meeting.
type MeetingSettings struct {
	Title    string
	StartsAt time.Time
	Minutes  int
	Place    string
	Online   string
	OpenLink bool
}

func (ms *MeetingSettings) validate() error {
	ms.Title, ms.Place, ms.Online = clean(ms.Title), clean(ms.Place), clean(ms.Online)
	switch {
	case ms.Title == "":
		return ErrTitleRequired
	case runes(ms.Title) > MaxName || runes(ms.Place) > MaxName:
		return ErrTitleLong
	case ms.StartsAt.IsZero():
		return ErrWhen
	case ms.Minutes < 0 || ms.Minutes > 8*60:
		return ErrLength
	}
	if ms.Minutes == 0 {
		ms.Minutes = 90
	}
	if ms.Online != "" {
		u, err := url.Parse(ms.Online)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(ms.Online) > 500 {
			return ErrLink
		}
	}
	return nil
}

// CreateMeeting adds a draft meeting to a group; its chair (or an
// administrator) may. A form sent again makes no second meeting.
func (s *Service) CreateMeeting(ctx context.Context, by *account.Principal, groupID string, ms MeetingSettings, idemKey string) (*Meeting, error) {
	st, err := s.Seat(ctx, by, groupID)
	if err != nil {
		return nil, err
	}
	if !st.Chairs() {
		return nil, ErrForbidden
	}
	if err := ms.validate(); err != nil {
		return nil, err
	}
	m := &Meeting{ID: onceID("meeting", by, idemKey), GroupID: groupID, Status: MeetingDraft, LinkKey: secret.NewToken(), CreatedAt: s.now()}
	m.apply(ms)
	if err := s.store.CreateMeeting(ctx, m); errors.Is(err, fault.ErrConflict) && idemKey != "" {
		return s.store.FindMeeting(ctx, m.ID)
	} else if err != nil {
		return nil, err
	}
	if err := s.carryForward(ctx, by, st.Group, m); err != nil {
		return nil, err
	}
	return m, s.record(ctx, by, "meeting.create", "meeting:"+m.ID, st.Group, m.Title)
}

func (m *Meeting) apply(ms MeetingSettings) {
	m.Title, m.StartsAt, m.Minutes, m.Place, m.Online, m.OpenLink = ms.Title, ms.StartsAt.UTC(), ms.Minutes, ms.Place, ms.Online, ms.OpenLink
}

// Settings returns a meeting's settings, as its form shows them.
func (m *Meeting) Settings() MeetingSettings {
	return MeetingSettings{Title: m.Title, StartsAt: m.StartsAt, Minutes: m.Minutes, Place: m.Place, Online: m.Online, OpenLink: m.OpenLink}
}

// UpdateMeeting changes a meeting's details.
func (s *Service) UpdateMeeting(ctx context.Context, by *account.Principal, id string, ms MeetingSettings) (*Meeting, error) {
	mc, err := s.chairing(ctx, by, id)
	if err != nil {
		return nil, err
	}
	if err := ms.validate(); err != nil {
		return nil, err
	}
	mc.meeting.apply(ms)
	if err := s.store.UpdateMeeting(ctx, mc.meeting); err != nil {
		return nil, err
	}
	s.changed(ctx, mc.meeting, "meeting.status")
	return mc.meeting, s.record(ctx, by, "meeting.update", "meeting:"+id, mc.seat.Group, mc.meeting.Title)
}

// nextStatus is the one step a meeting may take from each status.
var nextStatus = map[MeetingStatus]MeetingStatus{
	MeetingDraft: MeetingPublished, MeetingPublished: MeetingInProgress, MeetingInProgress: MeetingClosed,
}

// NextStatus is where a meeting may go next; empty when closed.
func (m *Meeting) NextStatus() MeetingStatus { return nextStatus[m.Status] }

// SetMeetingStatus moves a meeting one step on: draft → published →
// in progress → closed. Publishing puts its issues "on an agenda" and tells
// their followers and submitters.
func (s *Service) SetMeetingStatus(ctx context.Context, by *account.Principal, id string, to MeetingStatus) error {
	mc, err := s.chairing(ctx, by, id)
	if err != nil {
		return err
	}
	m := mc.meeting
	if m.Status == to {
		return nil // a form sent twice
	}
	if nextStatus[m.Status] != to {
		return ErrMeetingStatus
	}
	m.Status = to
	if to == MeetingClosed {
		m.Current = ""
	}
	if err := s.store.UpdateMeeting(ctx, m); err != nil {
		return err
	}
	if to == MeetingPublished {
		items, err := s.store.ListItems(ctx, id)
		if err != nil {
			return err
		}
		for _, it := range items {
			if err := s.putOnAgenda(ctx, by, mc.seat.Group, m, it); err != nil {
				return err
			}
		}
	}
	s.changed(ctx, m, "meeting.status")
	return s.record(ctx, by, "meeting.status", "meeting:"+id, mc.seat.Group, string(to))
}

// putOnAgenda tells an issue's history that a published meeting will
// discuss it: the issue moves to "on an agenda" if it was open.
func (s *Service) putOnAgenda(ctx context.Context, by *account.Principal, g *Group, m *Meeting, it *Item) error {
	if it.Kind != ItemIssue || m.Status == MeetingDraft {
		return nil
	}
	err := s.forums.RecordSteering(ctx, it.IssueID, forum.SteeringStep{Kind: forum.EventAgenda, Ref: "meeting:" + m.ID,
		Note: g.Name + ": " + m.Title + ", " + m.StartsAt.In(s.loc).Format(time.DateOnly), Status: forum.StatusOnAgenda,
		Key: "agenda|" + m.ID + "|" + it.IssueID, ActorID: by.User.ID})
	if errors.Is(err, fault.ErrNotFound) {
		return nil // hidden or held since it was added: the agenda keeps its title
	}
	return err
}

// FollowsByLink reports whether a meeting lets anyone holding its link
// follow it. Its live events name only what changed, never words; the
// page each follower fetches again still needs the link's key.
func (s *Service) FollowsByLink(ctx context.Context, id string) bool {
	m, err := s.store.FindMeeting(ctx, id)
	return err == nil && m.OpenLink && m.Status != MeetingDraft
}

// meetingAccess is a meeting with who is looking at it.
type meetingAccess struct {
	meeting *Meeting
	seat    *Seat
	// link: the viewer holds the meeting's link, which the chair opened.
	link bool
}

// chairing loads a meeting for its chair; others get ErrForbidden (or
// ErrNotFound when they may not see it at all).
func (s *Service) chairing(ctx context.Context, by *account.Principal, id string) (*meetingAccess, error) {
	mc, err := s.meetingFor(ctx, by, id, "")
	if err != nil {
		return nil, err
	}
	if !mc.seat.Chairs() {
		return nil, ErrForbidden
	}
	return mc, nil
}

// meetingFor loads a meeting for a viewer: the group's members and
// administrators, members of its linked forums once it is published, and
// anyone with the meeting's link when the chair allows it. Drafts are the
// chair's. Others get ErrNotFound (ErrSignInRequired for visitors).
func (s *Service) meetingFor(ctx context.Context, p *account.Principal, id, linkKey string) (*meetingAccess, error) {
	m, err := s.store.FindMeeting(ctx, id)
	if err != nil {
		return nil, err
	}
	g, err := s.store.FindGroup(ctx, m.GroupID)
	if err != nil {
		return nil, err
	}
	st, err := s.seat(ctx, p, g)
	if err != nil {
		return nil, err
	}
	mc := &meetingAccess{meeting: m, seat: st}
	mc.link = m.OpenLink && linkKey != "" && subtle.ConstantTimeCompare([]byte(linkKey), []byte(m.LinkKey)) == 1
	switch {
	case st.Chairs():
	case m.Status == MeetingDraft:
		return nil, ErrNotFound
	case st.Sees() || mc.link:
	case p == nil:
		return nil, ErrSignInRequired
	default:
		return nil, ErrNotFound
	}
	return mc, nil
}

// AgendaEntry is an agenda item with what it shows.
type AgendaEntry struct {
	*Item
	Issue     *forum.AgendaIssue // for issue items, when the issue can still be shown
	Action    *Action            // for carried-forward actions
	Lead      *Member
	Decisions []*Decision
	Actions   []*Action
}

// MeetingView is a meeting's page.
type MeetingView struct {
	*Seat
	Meeting   *Meeting
	Agenda    []*AgendaEntry
	Current   *AgendaEntry
	Members   []*Member
	Questions []*Question // as the viewer may see them
	Minutes   *Minutes
	// Link: the viewer came by the meeting's link.
	Link bool
	// Quiet: the viewer may send the quiet voice now.
	Quiet bool
	// Supported lists the questions the viewer supports.
	Today string
}

// Meeting returns a meeting's page for a viewer; linkKey is the secret part
// of the meeting's link, if they came by it. deviceKey identifies a visitor's
// device for supporting quiet-voice questions.
func (s *Service) Meeting(ctx context.Context, p *account.Principal, id, linkKey string) (*MeetingView, error) {
	mc, err := s.meetingFor(ctx, p, id, linkKey)
	if err != nil {
		return nil, err
	}
	v := &MeetingView{Seat: mc.seat, Meeting: mc.meeting, Link: mc.link, Today: s.Today()}
	v.Quiet = mc.meeting.Status == MeetingInProgress
	if v.Members, err = s.store.ListGroupMembers(ctx, mc.meeting.GroupID); err != nil {
		return nil, err
	}
	if v.Agenda, err = s.agenda(ctx, mc.meeting, v.Members); err != nil {
		return nil, err
	}
	for _, e := range v.Agenda {
		if e.ID == mc.meeting.Current {
			v.Current = e
		}
	}
	questions, err := s.store.ListQuestions(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, q := range questions {
		if q.Status == QuestionApproved || q.Status == QuestionTaken || mc.seat.Moderates() {
			v.Questions = append(v.Questions, q)
		}
	}
	if mn, err := s.store.FindMinutes(ctx, id); err == nil {
		if !mn.Published.IsZero() || mc.seat.Sits() {
			v.Minutes = mn
		}
	} else if !errors.Is(err, fault.ErrNotFound) {
		return nil, err
	}
	return v, nil
}

// agenda builds a meeting's agenda entries, with what each shows.
func (s *Service) agenda(ctx context.Context, m *Meeting, members []*Member) ([]*AgendaEntry, error) {
	items, err := s.store.ListItems(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	decisions, err := s.store.ListDecisions(ctx, m.GroupID, m.ID)
	if err != nil {
		return nil, err
	}
	actions, err := s.actions(ctx, m.GroupID)
	if err != nil {
		return nil, err
	}
	var out []*AgendaEntry
	for _, it := range items {
		e := &AgendaEntry{Item: it}
		if it.Kind == ItemIssue {
			if e.Issue, err = s.forums.AgendaIssue(ctx, it.IssueID); err != nil && !errors.Is(err, fault.ErrNotFound) {
				return nil, err
			}
		}
		for _, a := range actions {
			if a.ID == it.ActionID {
				e.Action = a
			}
			if a.ItemID == it.ID {
				e.Actions = append(e.Actions, a)
			}
		}
		for _, mb := range members {
			if mb.UserID == it.LeadID {
				e.Lead = mb
			}
		}
		for _, d := range decisions {
			if d.ItemID == it.ID {
				e.Decisions = append(e.Decisions, d)
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// ItemSettings are what a chair sets for an agenda item.
type ItemSettings struct {
	Kind    ItemKind
	Title   string
	IssueID string
	LeadID  string
	Minutes int
	Key     string // the form's idempotency key: the same form sent again adds nothing
}

// AddItem adds an item to the end of a meeting's agenda: a standing item, or
// an issue from one of the group's forums (which must be one the public may
// see). An issue added to a published agenda goes "on an agenda" at once.
func (s *Service) AddItem(ctx context.Context, by *account.Principal, meetingID string, is ItemSettings) (*Item, error) {
	mc, err := s.chairing(ctx, by, meetingID)
	if err != nil {
		return nil, err
	}
	if mc.meeting.Status == MeetingClosed {
		return nil, ErrMeetingClosed
	}
	items, err := s.store.ListItems(ctx, meetingID)
	if err != nil {
		return nil, err
	}
	it := &Item{ID: onceID("item", by, is.Key), MeetingID: meetingID, Kind: is.Kind, Title: clean(is.Title), IssueID: is.IssueID,
		LeadID: is.LeadID, Minutes: is.Minutes, CreatedAt: s.now()}
	for _, old := range items {
		if old.ID == it.ID {
			return old, nil // the same form, sent again
		}
		it.Order = max(it.Order, old.Order)
	}
	it.Order++
	switch is.Kind {
	case ItemIssue:
		ai, err := s.forums.AgendaIssue(ctx, is.IssueID)
		if errors.Is(err, fault.ErrNotFound) || (err == nil && !slices.Contains(mc.seat.Group.ForumIDs, ai.ForumID)) {
			return nil, ErrIssueUnknown
		} else if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(items, func(o *Item) bool { return o.IssueID == is.IssueID }) {
			return nil, ErrIssueOnAgenda
		}
		if it.Title == "" {
			it.Title = ai.Title
		}
	case ItemStanding, ItemQuiet:
		it.IssueID = ""
	default:
		return nil, ErrTitleRequired
	}
	if err := s.validItem(ctx, mc.meeting, it); err != nil {
		return nil, err
	}
	if err := s.store.AddItem(ctx, it); errors.Is(err, fault.ErrConflict) && is.Key != "" {
		return s.store.FindItem(ctx, it.ID) // the same form, sent at the same moment
	} else if err != nil {
		return nil, err
	}
	if err := s.putOnAgenda(ctx, by, mc.seat.Group, mc.meeting, it); err != nil {
		return nil, err
	}
	s.changed(ctx, mc.meeting, "meeting.agenda")
	return it, s.record(ctx, by, "agenda.add", "meeting:"+meetingID, mc.seat.Group, string(it.Kind)+" "+it.IssueID)
}

func (s *Service) validItem(ctx context.Context, m *Meeting, it *Item) error {
	switch {
	case it.Title == "":
		return ErrTitleRequired
	case runes(it.Title) > 200:
		return ErrTitleLong
	case it.Minutes < 0 || it.Minutes > 240:
		return ErrTimeBox
	case runes(it.Notes) > MaxText*5:
		return ErrNotesLong
	}
	if it.LeadID != "" {
		members, err := s.store.ListGroupMembers(ctx, m.GroupID)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(members, func(mb *Member) bool { return mb.UserID == it.LeadID }) {
			return ErrLeadUnknown
		}
	}
	return nil
}

// UpdateItem changes an item's title, lead, time box and notes.
func (s *Service) UpdateItem(ctx context.Context, by *account.Principal, itemID, title, leadID string, minutes int, notes string) error {
	it, mc, err := s.itemFor(ctx, by, itemID)
	if err != nil {
		return err
	}
	if title = clean(title); title != "" {
		it.Title = title
	}
	it.LeadID, it.Minutes, it.Notes = leadID, minutes, clean(notes)
	if err := s.validItem(ctx, mc.meeting, it); err != nil {
		return err
	}
	if err := s.store.UpdateItem(ctx, it); err != nil {
		return err
	}
	s.changed(ctx, mc.meeting, "meeting.agenda")
	return s.record(ctx, by, "agenda.update", "meeting:"+mc.meeting.ID, mc.seat.Group, it.ID)
}

func (s *Service) itemFor(ctx context.Context, by *account.Principal, itemID string) (*Item, *meetingAccess, error) {
	it, err := s.store.FindItem(ctx, itemID)
	if err != nil {
		return nil, nil, err
	}
	mc, err := s.chairing(ctx, by, it.MeetingID)
	if err != nil {
		return nil, nil, err
	}
	return it, mc, nil
}

// MeetingOf names the meeting an agenda item belongs to (whoever asks
// still needs to be allowed to see that meeting).
func (s *Service) MeetingOf(ctx context.Context, itemID string) (string, error) {
	it, err := s.store.FindItem(ctx, itemID)
	if err != nil {
		return "", err
	}
	return it.MeetingID, nil
}

// MoveItem moves an item one place up (-1) or down (+1) the agenda.
func (s *Service) MoveItem(ctx context.Context, by *account.Principal, itemID string, step int) error {
	it, mc, err := s.itemFor(ctx, by, itemID)
	if err != nil {
		return err
	}
	items, err := s.store.ListItems(ctx, it.MeetingID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(items, func(o *Item) bool { return o.ID == itemID })
	j := i + step
	if i < 0 || j < 0 || j >= len(items) || (step != 1 && step != -1) {
		return nil // already first or last
	}
	// Number the agenda afresh so that equal orders cannot stick.
	items[i], items[j] = items[j], items[i]
	for n, o := range items {
		if o.Order != n+1 {
			o.Order = n + 1
			if err := s.store.UpdateItem(ctx, o); err != nil {
				return err
			}
		}
	}
	s.changed(ctx, mc.meeting, "meeting.agenda")
	return nil
}

// RemoveItem takes an item off a meeting's agenda before the meeting starts.
func (s *Service) RemoveItem(ctx context.Context, by *account.Principal, itemID string) error {
	it, mc, err := s.itemFor(ctx, by, itemID)
	if err != nil {
		return err
	}
	if mc.meeting.Status == MeetingInProgress || mc.meeting.Status == MeetingClosed {
		return ErrMeetingClosed
	}
	if err := s.store.RemoveItem(ctx, itemID); err != nil {
		return err
	}
	s.changed(ctx, mc.meeting, "meeting.agenda")
	return s.record(ctx, by, "agenda.remove", "meeting:"+mc.meeting.ID, mc.seat.Group, it.ID+" "+it.IssueID)
}

// SetCurrent moves a meeting in progress to an agenda item; everyone
// following the meeting sees it.
func (s *Service) SetCurrent(ctx context.Context, by *account.Principal, itemID string) error {
	it, mc, err := s.itemFor(ctx, by, itemID)
	if err != nil {
		return err
	}
	if mc.meeting.Status != MeetingInProgress {
		return ErrMeetingStatus
	}
	mc.meeting.Current = it.ID
	if err := s.store.UpdateMeeting(ctx, mc.meeting); err != nil {
		return err
	}
	s.changed(ctx, mc.meeting, "meeting.current")
	return nil
}

// Suggestions are what a chair might put on an agenda.
type Suggestions struct {
	*forum.Suggestions
	Overdue []*Action // overdue actions not yet on this agenda
}

// Suggest returns the open issues most worth a meeting's time across the
// group's forums, and the group's overdue actions.
func (s *Service) Suggest(ctx context.Context, by *account.Principal, meetingID string) (*Suggestions, error) {
	mc, err := s.chairing(ctx, by, meetingID)
	if err != nil {
		return nil, err
	}
	fs, err := s.forums.AgendaSuggestions(ctx, mc.seat.Group.ForumIDs, 10)
	if err != nil {
		return nil, err
	}
	items, err := s.store.ListItems(ctx, meetingID)
	if err != nil {
		return nil, err
	}
	onAgenda := map[string]bool{}
	for _, it := range items {
		onAgenda[it.IssueID], onAgenda[it.ActionID] = true, true
	}
	drop := func(list []*forum.IssueSummary) []*forum.IssueSummary {
		return slices.DeleteFunc(list, func(i *forum.IssueSummary) bool { return onAgenda[i.ID] })
	}
	fs.MostSupported, fs.Unanswered = drop(fs.MostSupported), drop(fs.Unanswered)
	out := &Suggestions{Suggestions: fs}
	actions, err := s.actions(ctx, mc.seat.Group.ID)
	if err != nil {
		return nil, err
	}
	for _, a := range actions {
		if a.RAG == RAGRed && !onAgenda[a.ID] {
			out.Overdue = append(out.Overdue, a)
		}
	}
	return out, nil
}

// carryForward puts the group's overdue actions on a new meeting's agenda,
// so that nothing agreed slips out of sight.
func (s *Service) carryForward(ctx context.Context, by *account.Principal, g *Group, m *Meeting) error {
	actions, err := s.actions(ctx, g.ID)
	if err != nil {
		return err
	}
	items, err := s.store.ListItems(ctx, m.ID)
	if err != nil {
		return err
	}
	order := len(items)
	for _, a := range actions {
		if a.RAG != RAGRed || slices.ContainsFunc(items, func(it *Item) bool { return it.ActionID == a.ID }) {
			continue
		}
		order++
		// The ID derives from the meeting and action, so that a retried
		// form carries each action forward once.
		it := &Item{ID: secret.HashToken("carry|" + m.ID + "|" + a.ID)[:16], MeetingID: m.ID, Order: order, Kind: ItemAction,
			Title: a.Description, ActionID: a.ID, CreatedAt: s.now()}
		if err := s.store.AddItem(ctx, it); err != nil && !errors.Is(err, fault.ErrConflict) {
			return err
		}
	}
	return nil
}

// changed tells everyone following a meeting that part of it changed.
func (s *Service) changed(ctx context.Context, m *Meeting, typ string) {
	s.pub.Publish(ctx, MeetingRoom(m.ID), typ, map[string]any{"meeting": m.ID, "current": m.Current, "status": string(m.Status)})
}
