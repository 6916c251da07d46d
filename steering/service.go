package steering

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"chorus/account"
	"chorus/audit"
	"chorus/forum"
	"chorus/internal/fault"
	"chorus/internal/secret"
)

// Forums is what the steering service needs of the forum service: what an
// agenda shows of an issue, what is worth an agenda, who belongs to a linked
// forum, and the way back into an issue's history.
type Forums interface {
	Forum(ctx context.Context, id string) (*forum.Forum, error)
	Membership(ctx context.Context, forumID string, p *account.Principal) (*forum.Member, error)
	CanFacilitate(ctx context.Context, v forum.Viewer, forumID string) (*forum.Forum, error)
	AgendaIssue(ctx context.Context, id string) (*forum.AgendaIssue, error)
	AgendaSuggestions(ctx context.Context, forumIDs []string, limit int) (*forum.Suggestions, error)
	RecordSteering(ctx context.Context, issueID string, st forum.SteeringStep) error
	CombinedInsight(ctx context.Context, forumIDs []string, r forum.InsightRange, exact bool) (*forum.ForumInsight, error)
}

// People names the accounts an administrator may add to a group.
type People interface {
	UserByID(ctx context.Context, by *account.Principal, id string) (*account.Member, error)
}

// Publisher tells people watching a meeting what changed, after the change
// is stored. Publishing never fails the change.
type Publisher interface {
	Publish(ctx context.Context, room, typ string, data map[string]any)
}

type noPublisher struct{}

func (noPublisher) Publish(context.Context, string, string, map[string]any) {}

// MeetingRoom is the live room of a meeting's page.
func MeetingRoom(meetingID string) string { return "meeting:" + meetingID }

// Service holds the steering rules.
type Service struct {
	store  Store
	forums Forums
	people People
	audit  *audit.Log
	clock  func() time.Time
	loc    *time.Location // the installation's time zone: due dates, ratings, calendars
	pub    Publisher
}

// NewService returns the steering service. loc is the installation's time
// zone (CHORUS_TIMEZONE).
func NewService(store Store, forums Forums, people People, log *audit.Log, clock func() time.Time, loc *time.Location) *Service {
	if loc == nil {
		loc = time.UTC
	}
	return &Service{store: store, forums: forums, people: people, audit: log, clock: clock, loc: loc, pub: noPublisher{}}
}

// SetPublisher makes the service announce changes through p.
func (s *Service) SetPublisher(p Publisher) { s.pub = p }

// Location is the installation's time zone.
func (s *Service) Location() *time.Location { return s.loc }

func (s *Service) now() time.Time { return s.clock().UTC() }

// Today is the date in the installation's time zone, YYYY-MM-DD.
func (s *Service) Today() string { return s.clock().In(s.loc).Format(time.DateOnly) }

func clean(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")) }

// GroupSettings are what an administrator sets for a group.
type GroupSettings struct {
	OrgID       string
	Name        string
	Description string
	ForumIDs    []string
}

func (s *Service) validGroup(ctx context.Context, gs *GroupSettings) error {
	gs.Name, gs.Description = clean(gs.Name), clean(gs.Description)
	switch {
	case gs.Name == "":
		return ErrNameRequired
	case runes(gs.Name) > MaxName:
		return ErrNameLong
	case runes(gs.Description) > MaxText:
		return ErrTextLong
	}
	var ids []string
	for _, id := range gs.ForumIDs {
		if id == "" || slices.Contains(ids, id) {
			continue
		}
		if _, err := s.forums.Forum(ctx, id); errors.Is(err, fault.ErrNotFound) {
			return ErrForumUnknown
		} else if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	gs.ForumIDs = ids
	return nil
}

// CreateGroup makes a steering group in an organisation; its administrators
// (or the installation's) may. A form sent again (the same idemKey) makes
// no second group.
func (s *Service) CreateGroup(ctx context.Context, by *account.Principal, gs GroupSettings, idemKey string) (*Group, error) {
	if !by.AdministersOrganisation(gs.OrgID) {
		return nil, ErrForbidden
	}
	if err := s.validGroup(ctx, &gs); err != nil {
		return nil, err
	}
	g := &Group{ID: secret.NewID(), OrgID: gs.OrgID, Name: gs.Name, Description: gs.Description, ForumIDs: gs.ForumIDs, CreatedAt: s.now()}
	if idemKey != "" {
		g.ID = secret.HashToken("group|" + by.User.ID + "|" + idemKey)[:16]
	}
	if err := s.store.CreateGroup(ctx, g); errors.Is(err, fault.ErrConflict) && idemKey != "" {
		return s.store.FindGroup(ctx, g.ID)
	} else if err != nil {
		return nil, err
	}
	return g, s.record(ctx, by, "group.create", "group:"+g.ID, g, g.Name)
}

// UpdateGroup changes a group's name, description and linked forums.
func (s *Service) UpdateGroup(ctx context.Context, by *account.Principal, id string, gs GroupSettings) (*Group, error) {
	g, err := s.store.FindGroup(ctx, id)
	if err != nil {
		return nil, err
	}
	if !by.AdministersOrganisation(g.OrgID) {
		return nil, ErrForbidden
	}
	if err := s.validGroup(ctx, &gs); err != nil {
		return nil, err
	}
	g.Name, g.Description, g.ForumIDs = gs.Name, gs.Description, gs.ForumIDs
	if err := s.store.UpdateGroup(ctx, g); err != nil {
		return nil, err
	}
	return g, s.record(ctx, by, "group.update", "group:"+g.ID, g, g.Name)
}

// Groups lists the groups a person may open: all of them for anyone (their
// pages say who may see what inside).
func (s *Service) Groups(ctx context.Context) ([]*Group, error) { return s.store.ListGroups(ctx) }

// Seat is who a person is in a group: what they may see and do.
type Seat struct {
	Group  *Group
	Member *Member // nil when not a member
	// Admin: administers the group's organisation, so may do what a chair does.
	Admin bool
	// Forum: a member (or facilitator) of one of the group's linked forums.
	Forum bool
	// Facilitator of a linked forum: may approve quiet-voice questions.
	Facilitator bool
}

// Chairs reports whether the seat may run the group's meetings.
func (st *Seat) Chairs() bool { return st.Admin || (st.Member != nil && st.Member.Role == RoleChair) }

// Sits reports whether the seat is the group's (a member of any role).
func (st *Seat) Sits() bool { return st.Admin || st.Member != nil }

// Acts reports whether the seat may update actions: chairs and members,
// parent representatives included, not observers.
func (st *Seat) Acts() bool {
	return st.Chairs() || (st.Member != nil && st.Member.Role != RoleObserver)
}

// Sees reports whether the seat may see the group: its members and
// administrators, and the people of its linked forums.
func (st *Seat) Sees() bool { return st.Sits() || st.Forum }

// Moderates reports whether the seat may approve quiet-voice questions.
func (st *Seat) Moderates() bool { return st.Chairs() || st.Facilitator }

// Represents reports whether the seat signs minutes for parents and carers.
func (st *Seat) Represents() bool { return st.Member != nil && st.Member.Role == RoleParentRep }

// Seat returns who p is in a group.
func (s *Service) Seat(ctx context.Context, p *account.Principal, groupID string) (*Seat, error) {
	g, err := s.store.FindGroup(ctx, groupID)
	if err != nil {
		return nil, err
	}
	return s.seat(ctx, p, g)
}

func (s *Service) seat(ctx context.Context, p *account.Principal, g *Group) (*Seat, error) {
	st := &Seat{Group: g}
	if p == nil {
		return st, nil
	}
	st.Admin = p.AdministersOrganisation(g.OrgID)
	members, err := s.store.ListGroupMembers(ctx, g.ID)
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		if m.UserID == p.User.ID {
			st.Member = m
		}
	}
	for _, fid := range g.ForumIDs {
		m, err := s.forums.Membership(ctx, fid, p)
		if err != nil {
			return nil, err
		}
		st.Forum = st.Forum || m != nil
		if _, err := s.forums.CanFacilitate(ctx, forum.Viewer{Principal: p}, fid); err == nil {
			st.Forum, st.Facilitator = true, true
		} else if !errors.Is(err, forum.ErrForbidden) && !errors.Is(err, fault.ErrNotFound) {
			return nil, err
		}
	}
	return st, nil
}

// seeing returns who p is in a group, refusing anyone who may not see it:
// ErrSignInRequired for a visitor, ErrNotFound for others, so that a
// group's ID reveals nothing.
func (s *Service) seeing(ctx context.Context, p *account.Principal, groupID string) (*Seat, error) {
	st, err := s.Seat(ctx, p, groupID)
	if err != nil {
		return nil, err
	}
	if !st.Sees() {
		if p == nil {
			return nil, ErrSignInRequired
		}
		return nil, ErrNotFound
	}
	return st, nil
}

// GroupView is a group's page.
type GroupView struct {
	*Seat
	Members  []*Member
	Meetings []*Meeting
	Forums   []*forum.Forum
}

// Group returns a group's page for someone with a seat in it (a member, an
// administrator, or a member of a linked forum); others get ErrNotFound.
func (s *Service) Group(ctx context.Context, p *account.Principal, id string) (*GroupView, error) {
	st, err := s.seeing(ctx, p, id)
	if err != nil {
		return nil, err
	}
	v := &GroupView{Seat: st}
	if v.Members, err = s.store.ListGroupMembers(ctx, id); err != nil {
		return nil, err
	}
	meetings, err := s.store.ListMeetings(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, m := range meetings {
		if m.Status != MeetingDraft || st.Chairs() {
			v.Meetings = append(v.Meetings, m)
		}
	}
	for _, fid := range st.Group.ForumIDs {
		f, err := s.forums.Forum(ctx, fid)
		if err != nil {
			return nil, err
		}
		v.Forums = append(v.Forums, f)
	}
	return v, nil
}

// AddMember gives a person a seat in a group. The group's administrators may.
func (s *Service) AddMember(ctx context.Context, by *account.Principal, groupID, userID, name string, role Role, org OrgKind) (*Member, error) {
	g, err := s.store.FindGroup(ctx, groupID)
	if err != nil {
		return nil, err
	}
	if !by.AdministersOrganisation(g.OrgID) {
		return nil, ErrForbidden
	}
	who, err := s.people.UserByID(ctx, by, userID)
	if errors.Is(err, fault.ErrNotFound) || (err == nil && who.User.Disabled) {
		return nil, ErrPersonUnknown
	} else if err != nil {
		return nil, err
	}
	if name = clean(name); name == "" {
		name = who.User.Name
	}
	m := &Member{GroupID: g.ID, UserID: userID, Name: name, Role: role, Organisation: org, AddedAt: s.now()}
	if err := validMember(m); err != nil {
		return nil, err
	}
	if err := s.store.AddGroupMember(ctx, m); errors.Is(err, fault.ErrConflict) {
		return nil, ErrAlreadyMember
	} else if err != nil {
		return nil, err
	}
	return m, s.record(ctx, by, "group.member.add", "user:"+userID, g, string(role)+" "+string(org))
}

func validMember(m *Member) error {
	switch {
	case !slices.Contains(Roles, m.Role):
		return ErrRoleUnknown
	case m.Organisation != "" && !slices.Contains(OrgKinds, m.Organisation):
		return ErrOrgUnknown
	case runes(m.Name) > MaxName:
		return ErrNameLong
	}
	return nil
}

// UpdateMember changes a member's role, organisation and name.
func (s *Service) UpdateMember(ctx context.Context, by *account.Principal, groupID, userID, name string, role Role, org OrgKind) error {
	g, err := s.store.FindGroup(ctx, groupID)
	if err != nil {
		return err
	}
	if !by.AdministersOrganisation(g.OrgID) {
		return ErrForbidden
	}
	members, err := s.store.ListGroupMembers(ctx, groupID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(members, func(m *Member) bool { return m.UserID == userID })
	if i < 0 {
		return ErrNotFound
	}
	m := members[i]
	if name = clean(name); name != "" {
		m.Name = name
	}
	m.Role, m.Organisation = role, org
	if err := validMember(m); err != nil {
		return err
	}
	if err := s.store.UpdateGroupMember(ctx, m); err != nil {
		return err
	}
	return s.record(ctx, by, "group.member.update", "user:"+userID, g, string(role)+" "+string(org))
}

// RemoveMember ends a person's seat in a group.
func (s *Service) RemoveMember(ctx context.Context, by *account.Principal, groupID, userID string) error {
	g, err := s.store.FindGroup(ctx, groupID)
	if err != nil {
		return err
	}
	if !by.AdministersOrganisation(g.OrgID) {
		return ErrForbidden
	}
	if err := s.store.RemoveGroupMember(ctx, groupID, userID); err != nil {
		return err
	}
	return s.record(ctx, by, "group.member.remove", "user:"+userID, g, "")
}

// Memberships lists a person's seats.
func (s *Service) Memberships(ctx context.Context, p *account.Principal) ([]*Member, error) {
	if p == nil {
		return nil, nil
	}
	return s.store.ListGroupMemberships(ctx, p.User.ID)
}

func (s *Service) record(ctx context.Context, by *account.Principal, action, subject string, g *Group, detail string) error {
	e := audit.Entry{Action: "steering." + action, Subject: subject, Detail: detail, Scope: account.OrganisationScope(g.OrgID).String()}
	if by != nil {
		e.ActorID = by.User.ID
	}
	if !strings.HasPrefix(subject, "group:") {
		e.Detail = strings.TrimSpace("group:" + g.ID + " " + detail)
	}
	return s.audit.Record(ctx, e)
}
