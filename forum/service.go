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

// Service holds the forum rules.
type Service struct {
	store  Store
	audit  *audit.Log
	clock  func() time.Time
	secret []byte // derives follow-up codes from a form's idempotency key
	pub    Publisher
	dir    Directory // who administers an organisation; nil: escalations reach the deputy only
	// notifier hears of each stored notification (email); nil: none.
	notifier Notifier
	// counts shares support-count reads among concurrent supports.
	counts countReads
}

// NewService returns the forum service. secret is the installation's signing
// key, used so that a retried anonymous submission shows the same code.
func NewService(store Store, log *audit.Log, clock func() time.Time, secret []byte) *Service {
	return &Service{store: store, audit: log, clock: clock, secret: secret, pub: noPublisher{}}
}

func (s *Service) now() time.Time { return s.clock().UTC() }

// Viewer is who is looking or acting: a signed-in person (nil Principal for
// a visitor) and, for visitors, the hash of their device token.
type Viewer struct {
	Principal *account.Principal
	DeviceKey string
}

func (v Viewer) userID() string {
	if v.Principal == nil {
		return ""
	}
	return v.Principal.User.ID
}

// ForumSettings are what an administrator sets for a forum.
type ForumSettings struct {
	OrgID              string
	Name               string
	Area               string
	Description        string
	Languages          []string
	PreModerate        bool
	AllowAnonymous     bool
	VisitorSupport     bool
	OpenJoin           bool
	ResponseTargetDays int
	SafeguardingLeadID string
	Themes             []string
	// Moderation.
	PreModerateAnonymous bool
	ReportThreshold      int
	SafeguardingDeputyID string
	EscalateHours        int
	RiskTerms            []string
}

func (fs *ForumSettings) validate() error {
	fs.Name, fs.Area, fs.Description = clean(fs.Name), clean(fs.Area), clean(fs.Description)
	if fs.Name == "" {
		return ErrNameRequired
	}
	if runes(fs.Name) > 120 || runes(fs.Area) > 120 || runes(fs.Description) > 2000 {
		return ErrNameLong
	}
	if fs.ResponseTargetDays == 0 {
		fs.ResponseTargetDays = 28
	}
	if fs.ResponseTargetDays < 1 || fs.ResponseTargetDays > 365 {
		return ErrTarget
	}
	var themes []string
	for _, t := range fs.Themes {
		if t = clean(t); t != "" && !slices.Contains(themes, t) && runes(t) <= 60 {
			themes = append(themes, t)
		}
	}
	fs.Themes = themes
	if fs.ReportThreshold == 0 {
		fs.ReportThreshold = DefaultReportThreshold
	}
	if fs.ReportThreshold < 1 || fs.ReportThreshold > 100 {
		return ErrReportThreshold
	}
	if fs.EscalateHours == 0 {
		fs.EscalateHours = DefaultEscalateHours
	}
	if fs.EscalateHours < 1 || fs.EscalateHours > 24*14 {
		return ErrEscalateHours
	}
	var terms []string
	for _, t := range fs.RiskTerms {
		if t = clean(t); t != "" && !slices.Contains(terms, t) && runes(t) <= 80 {
			terms = append(terms, t)
		}
	}
	fs.RiskTerms = terms
	return nil
}

// CreateForum adds a forum to an organisation. Its administrators (or the
// installation's) may.
func (s *Service) CreateForum(ctx context.Context, by *account.Principal, fs ForumSettings) (*Forum, error) {
	return s.CreateForumOnce(ctx, by, fs, "")
}

// CreateForumOnce is CreateForum for a form that carries an idempotency key:
// the same person sending the same key again (a resent form, ten presses at
// once) gets the same forum, and no second one is made. The forum's ID
// derives from the key, so the store's unique key refuses a second one.
func (s *Service) CreateForumOnce(ctx context.Context, by *account.Principal, fs ForumSettings, idemKey string) (*Forum, error) {
	if !by.AdministersOrganisation(fs.OrgID) {
		return nil, ErrForbidden
	}
	if err := fs.validate(); err != nil {
		return nil, err
	}
	f := &Forum{ID: secret.NewID(), CreatedAt: s.now()}
	if idemKey != "" {
		f.ID = secret.HashToken("forum|" + by.User.ID + "|" + idemKey)[:16]
	}
	f.apply(fs)
	if err := s.store.CreateForum(ctx, f); errors.Is(err, fault.ErrConflict) && idemKey != "" {
		return s.store.FindForum(ctx, f.ID) // made by an earlier try with this key
	} else if err != nil {
		return nil, err
	}
	return f, s.record(ctx, by, "forum.create", "forum:"+f.ID, f, "")
}

func (f *Forum) apply(fs ForumSettings) {
	f.OrgID, f.Name, f.Area, f.Description = fs.OrgID, fs.Name, fs.Area, fs.Description
	f.Languages, f.PreModerate, f.AllowAnonymous, f.VisitorSupport = fs.Languages, fs.PreModerate, fs.AllowAnonymous, fs.VisitorSupport
	f.OpenJoin, f.ResponseTargetDays, f.SafeguardingLeadID, f.Themes = fs.OpenJoin, fs.ResponseTargetDays, fs.SafeguardingLeadID, fs.Themes
	f.PreModerateAnonymous, f.ReportThreshold, f.SafeguardingDeputyID = fs.PreModerateAnonymous, fs.ReportThreshold, fs.SafeguardingDeputyID
	f.EscalateHours, f.RiskTerms = fs.EscalateHours, fs.RiskTerms
}

// Settings returns a forum's settings, as its form shows them.
func (f *Forum) Settings() ForumSettings {
	return ForumSettings{OrgID: f.OrgID, Name: f.Name, Area: f.Area, Description: f.Description, Languages: f.Languages,
		PreModerate: f.PreModerate, AllowAnonymous: f.AllowAnonymous, VisitorSupport: f.VisitorSupport, OpenJoin: f.OpenJoin,
		ResponseTargetDays: f.ResponseTargetDays, SafeguardingLeadID: f.SafeguardingLeadID, Themes: f.Themes,
		PreModerateAnonymous: f.PreModerateAnonymous, ReportThreshold: f.ReportThreshold, SafeguardingDeputyID: f.SafeguardingDeputyID,
		EscalateHours: f.EscalateHours, RiskTerms: f.RiskTerms}
}

// UpdateForum changes a forum's settings; its organisation stays.
func (s *Service) UpdateForum(ctx context.Context, by *account.Principal, id string, fs ForumSettings) (*Forum, error) {
	f, err := s.store.FindForum(ctx, id)
	if err != nil {
		return nil, err
	}
	if !by.AdministersOrganisation(f.OrgID) {
		return nil, ErrForbidden
	}
	fs.OrgID = f.OrgID
	if err := fs.validate(); err != nil {
		return nil, err
	}
	f.apply(fs)
	if err := s.store.UpdateForum(ctx, f); err != nil {
		return nil, err
	}
	return f, s.record(ctx, by, "forum.update", "forum:"+f.ID, f, "")
}

// Forum returns a forum.
func (s *Service) Forum(ctx context.Context, id string) (*Forum, error) {
	return s.store.FindForum(ctx, id)
}

// Forums lists every forum.
func (s *Service) Forums(ctx context.Context) ([]*Forum, error) { return s.store.ListForums(ctx) }

// Membership returns a person's membership of a forum, or nil.
func (s *Service) Membership(ctx context.Context, forumID string, p *account.Principal) (*Member, error) {
	if p == nil {
		return nil, nil
	}
	m, err := s.store.FindMember(ctx, forumID, p.User.ID)
	if errors.Is(err, fault.ErrNotFound) {
		return nil, nil
	}
	return m, err
}

// Memberships lists a person's forums.
func (s *Service) Memberships(ctx context.Context, p *account.Principal) ([]*Member, error) {
	if p == nil {
		return nil, nil
	}
	return s.store.ListMemberships(ctx, p.User.ID)
}

func validDisplayName(name string) (string, error) {
	name = clean(name)
	if name == "" || runes(name) > MaxName || strings.ContainsAny(name, "\n\t") {
		return "", ErrDisplayName
	}
	return name, nil
}

// Join makes a signed-in person a member of an open forum, under a display
// name of their choice. Administrators of the forum may always join.
func (s *Service) Join(ctx context.Context, by *account.Principal, forumID, displayName string) (*Member, error) {
	if by == nil {
		return nil, ErrSignInRequired
	}
	f, err := s.store.FindForum(ctx, forumID)
	if err != nil {
		return nil, err
	}
	if !f.OpenJoin && !by.AdministersOrganisation(f.OrgID) {
		return nil, ErrJoinByInvitation
	}
	return s.addMember(ctx, f, by.User.ID, displayName, RoleMember)
}

func (s *Service) addMember(ctx context.Context, f *Forum, userID, displayName string, role Role) (*Member, error) {
	name, err := validDisplayName(displayName)
	if err != nil {
		return nil, err
	}
	m := &Member{ForumID: f.ID, UserID: userID, DisplayName: name, Role: role, JoinedAt: s.now()}
	if err := s.store.AddMember(ctx, m); err != nil {
		if errors.Is(err, fault.ErrConflict) {
			return nil, ErrAlreadyMember
		}
		return nil, err
	}
	return m, nil
}

// SetRole makes a member a facilitator or a plain member. Administrators of
// the forum's organisation may.
func (s *Service) SetRole(ctx context.Context, by *account.Principal, forumID, userID string, role Role) error {
	f, err := s.store.FindForum(ctx, forumID)
	if err != nil {
		return err
	}
	if !by.AdministersOrganisation(f.OrgID) {
		return ErrForbidden
	}
	if role != RoleMember && role != RoleFacilitator {
		return fault.InvalidField("role", "account.error.role_invalid")
	}
	m, err := s.store.FindMember(ctx, forumID, userID)
	if err != nil {
		return err
	}
	if m.Role == role {
		return nil
	}
	m.Role = role
	if err := s.store.UpdateMember(ctx, m); err != nil {
		return err
	}
	if s.dir != nil { // a new role, a new session (SECURITY.md)
		if err := s.dir.EndSessions(ctx, userID); err != nil {
			return err
		}
	}
	return s.record(ctx, by, "forum.role", "user:"+userID, f, "role "+string(role))
}

// Members lists a forum's members, for its administrators and facilitators.
func (s *Service) Members(ctx context.Context, v Viewer, forumID string) ([]*Member, error) {
	f, err := s.store.FindForum(ctx, forumID)
	if err != nil {
		return nil, err
	}
	if ok, err := s.facilitates(ctx, v, f); err != nil || !ok {
		return nil, errors.Join(ErrForbidden, err)
	}
	return s.store.ListMembers(ctx, forumID)
}

// facilitates reports whether the viewer may facilitate a forum: its
// facilitators, its safeguarding lead and deputy, and its organisation's
// administrators.
func (s *Service) facilitates(ctx context.Context, v Viewer, f *Forum) (bool, error) {
	if v.Principal == nil {
		return false, nil
	}
	if safeguards(v, f) {
		return true, nil
	}
	m, err := s.Membership(ctx, f.ID, v.Principal)
	return m != nil && m.Role == RoleFacilitator, err
}

func (s *Service) record(ctx context.Context, by *account.Principal, action, subject string, f *Forum, detail string) error {
	e := audit.Entry{Action: action, Subject: subject, Detail: detail, Scope: orgScope(f.OrgID), Forum: f.ID}
	if by != nil {
		e.ActorID = by.User.ID
	}
	return s.audit.Record(ctx, e)
}
