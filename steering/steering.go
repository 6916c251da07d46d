// Package steering is where families' issues become decisions and actions:
// keyworker steering groups, their meetings and agendas, the quiet voice,
// decisions, actions with their histories, minutes, and the exports a group
// circulates. Every step about an issue flows back into that issue's own
// history through the forum service, so the family that raised it reads it.
package steering

import (
	"time"
	"unicode/utf8"
)

// Group is a keyworker steering group, linked to the forums whose issues it
// takes up.
type Group struct {
	ID          string
	OrgID       string // the organisation whose administrators run it
	Name        string
	Description string
	ForumIDs    []string
	CreatedAt   time.Time
}

// Role is a person's part in a group.
type Role string

// Group roles.
const (
	RoleChair     Role = "chair"      // builds agendas, runs meetings, records decisions
	RoleMember    Role = "member"     // takes part, updates actions
	RoleParentRep Role = "parent_rep" // a parent carer representative: may lead items, signs minutes
	RoleObserver  Role = "observer"   // reads
)

// Roles lists every group role.
var Roles = []Role{RoleChair, RoleMember, RoleParentRep, RoleObserver}

// OrgKind is the kind of organisation a member speaks for.
type OrgKind string

// Organisations that sit on a steering group.
const (
	OrgICB              OrgKind = "icb" // integrated care board (the NHS commissioner)
	OrgLocalAuthority   OrgKind = "local_authority"
	OrgKeyworkerService OrgKind = "keyworker_service"
	OrgProvider         OrgKind = "provider"
	OrgParentForum      OrgKind = "parent_carer_forum"
	OrgVoluntary        OrgKind = "voluntary_sector"
)

// OrgKinds lists every kind of organisation.
var OrgKinds = []OrgKind{OrgICB, OrgLocalAuthority, OrgKeyworkerService, OrgProvider, OrgParentForum, OrgVoluntary}

// Member is a person's place in a group.
type Member struct {
	GroupID      string
	UserID       string
	Name         string // as the group's papers show them
	Role         Role
	Organisation OrgKind
	AddedAt      time.Time
}

// MeetingStatus is where a meeting is in its life.
type MeetingStatus string

// Meeting statuses, in order.
const (
	MeetingDraft      MeetingStatus = "draft"       // the chair is preparing it: only they see it
	MeetingPublished  MeetingStatus = "published"   // the agenda is out
	MeetingInProgress MeetingStatus = "in_progress" // happening now
	MeetingClosed     MeetingStatus = "closed"
)

// MeetingStatuses lists every meeting status in order.
var MeetingStatuses = []MeetingStatus{MeetingDraft, MeetingPublished, MeetingInProgress, MeetingClosed}

// Meeting is one meeting of a group.
type Meeting struct {
	ID       string
	GroupID  string
	Title    string
	StartsAt time.Time // UTC; shown in the installation's time zone
	Minutes  int       // planned length
	Place    string
	Online   string // a link to join online
	Status   MeetingStatus
	// Current is the agenda item being discussed, while in progress.
	Current string
	// QuietVoice: the chair lets anyone holding the meeting's link (not
	// only linked forums' members) send the quiet voice. LinkKey is the
	// secret part of that link.
	OpenLink  bool
	LinkKey   string
	CreatedAt time.Time
}

// ItemKind says what an agenda item is.
type ItemKind string

// Agenda item kinds.
const (
	ItemStanding ItemKind = "standing" // a regular item (welcome, actions review, ...)
	ItemIssue    ItemKind = "issue"    // an issue families raised
	ItemAction   ItemKind = "action"   // an overdue action carried forward
	ItemQuiet    ItemKind = "quiet"    // a quiet-voice question taken up in the meeting
)

// Item is one agenda item.
type Item struct {
	ID        string
	MeetingID string
	Order     int
	Kind      ItemKind
	Title     string
	IssueID   string // for issue items
	ActionID  string // for carried-forward actions
	LeadID    string // the member who leads it (a parent representative may)
	Minutes   int    // its time box
	Notes     string // recorded during the meeting
	CreatedAt time.Time
}

// DecisionType is what was decided.
type DecisionType string

// Decision types.
const (
	DecisionAgreed   DecisionType = "agreed"
	DecisionDeferred DecisionType = "deferred"
	DecisionDeclined DecisionType = "declined" // with a reason
)

// DecisionTypes lists every decision type.
var DecisionTypes = []DecisionType{DecisionAgreed, DecisionDeferred, DecisionDeclined}

// Decision is one entry in a group's decision log.
type Decision struct {
	ID        string
	GroupID   string
	MeetingID string
	ItemID    string
	Text      string
	Type      DecisionType
	Reason    string    // why, when declined or deferred
	AgreedBy  []OrgKind // which organisations agreed
	Dissent   string    // any dissent recorded
	ByID      string
	At        time.Time
}

// ActionStatus is where an action is.
type ActionStatus string

// Action statuses.
const (
	ActionAgreed      ActionStatus = "agreed"
	ActionInProgress  ActionStatus = "in_progress"
	ActionDone        ActionStatus = "done"         // with evidence, and an outcome for families
	ActionNotPossible ActionStatus = "not_possible" // with a reason, and an outcome for families
)

// ActionStatuses lists every action status.
var ActionStatuses = []ActionStatus{ActionAgreed, ActionInProgress, ActionDone, ActionNotPossible}

// Finished reports whether an action's life is over.
func (s ActionStatus) Finished() bool { return s == ActionDone || s == ActionNotPossible }

// Action is something a group agreed to do.
type Action struct {
	ID          string
	GroupID     string
	MeetingID   string // where it was agreed
	ItemID      string
	Description string
	OwnerOrg    OrgKind
	Owner       string // a role or a person, as the group names them
	Due         string // a date, YYYY-MM-DD, in the installation's time zone
	IssueIDs    []string
	CreatedAt   time.Time
	// Status, the current Due, the rating and the history are derived
	// from the action's events (see ActionEvent) when it is loaded.
	Status  ActionStatus
	RAG     RAG
	Outcome string // for families, once finished
	History []*ActionEvent
}

// ActionEvent is one change in an action's history, numbered per action
// (Seq, unique), so two people updating at once are both kept.
type ActionEvent struct {
	ActionID string
	Seq      int64
	Status   ActionStatus
	Note     string // progress, evidence (text or a link), or the reason
	Outcome  string // for families, when done or not possible
	Due      string // a new due date, when it moved
	ByID     string
	At       time.Time
	Key      string // the hash of the form's idempotency key
}

// RAG is an action's red/amber/green rating.
type RAG string

// Ratings.
const (
	RAGRed      RAG = "red"      // overdue
	RAGAmber    RAG = "amber"    // due within two weeks
	RAGGreen    RAG = "green"    // on track
	RAGComplete RAG = "complete" // finished
)

// RAGs lists every rating.
var RAGs = []RAG{RAGRed, RAGAmber, RAGGreen, RAGComplete}

// amberDays is how close a due date turns an action amber.
const amberDays = 14

// Rate computes an action's rating on a day (YYYY-MM-DD in the
// installation's time zone).
func Rate(status ActionStatus, due, today string) RAG {
	switch {
	case status.Finished():
		return RAGComplete
	case due == "":
		return RAGGreen
	case due < today:
		return RAGRed
	}
	d, err1 := time.Parse(time.DateOnly, due)
	t, err2 := time.Parse(time.DateOnly, today)
	if err1 == nil && err2 == nil && d.Sub(t) <= amberDays*24*time.Hour {
		return RAGAmber
	}
	return RAGGreen
}

// QuestionStatus is where a quiet-voice question is.
type QuestionStatus string

// Quiet-voice statuses.
const (
	QuestionWaiting  QuestionStatus = "waiting"  // for the chair or a facilitator
	QuestionApproved QuestionStatus = "approved" // everyone in the meeting sees it
	QuestionDeclined QuestionStatus = "declined"
	QuestionTaken    QuestionStatus = "taken" // turned into an agenda item or a minutes entry
)

// Question is a quiet-voice question or comment, sent anonymously during a
// meeting. Nothing identifies its sender: no account, no address, no time
// finer than the meeting; order is by Seq.
type Question struct {
	ID        string
	MeetingID string
	Seq       int64
	Text      string
	Status    QuestionStatus
	Supports  int // filled in lists
}

// Minutes are a meeting's record: drafted during it, signed off by the chair
// and a parent carer representative, then published. Published minutes
// change only by a visible amendment.
type Minutes struct {
	MeetingID   string
	Text        string
	ChairID     string // who signed off as chair
	ParentRepID string // who signed off as parent carer representative
	Published   time.Time
	Amendments  []Amendment
	UpdatedAt   time.Time
}

// Amendment is a visible change to published minutes.
type Amendment struct {
	Text string
	ByID string
	At   time.Time
}

// Signed reports whether both sign-offs are in.
func (m *Minutes) Signed() bool { return m.ChairID != "" && m.ParentRepID != "" }

// Limits on what people type, in characters.
const (
	MaxName     = 120
	MaxText     = 2000
	MaxQuestion = 1000
	MaxMinutes  = 50000
)

func runes(s string) int { return utf8.RuneCountInString(s) }
