// Package forum is about parent carer forums and what families do in them:
// issues raised by name or anonymously (with a follow-up code), each with one
// tracked life; supports; comments; and the follow-up thread that lets an
// anonymous parent see every step. It knows nothing of HTTP or databases.
package forum

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Forum is a parent carer forum.
type Forum struct {
	ID                 string
	OrgID              string // the organisation (region) that runs it
	Name               string
	Area               string
	Description        string
	Languages          []string // languages families may write in (tags)
	PreModerate        bool     // new issues wait in review
	AllowAnonymous     bool     // anyone may raise an issue anonymously
	VisitorSupport     bool     // visitors (device token) may support, not only members
	OpenJoin           bool     // anyone signed in may join; otherwise by invitation
	ResponseTargetDays int
	SafeguardingLeadID string // an account ID
	Themes             []string
	CreatedAt          time.Time
	// Moderation settings.
	PreModerateAnonymous bool     // anonymous issues wait in review even where others do not
	ReportThreshold      int      // distinct members' reports that hold content for review
	SafeguardingDeputyID string   // an account ID: hears of what the lead has not handled in time
	EscalateHours        int      // how long a safeguarding hold waits before escalation
	RiskTerms            []string // this forum's own risk terms, beside the built-in ones
}

// Role is what a person is in a forum.
type Role string

// Forum roles.
const (
	RoleMember      Role = "member"
	RoleFacilitator Role = "facilitator"
)

// Member is a person's membership of a forum.
type Member struct {
	ForumID     string
	UserID      string
	DisplayName string
	Role        Role
	JoinedAt    time.Time
}

// Status is where an issue is in its life.
type Status string

// The issue lifecycle.
const (
	StatusSubmitted    Status = "submitted"
	StatusInReview     Status = "in_review"
	StatusOpen         Status = "open"
	StatusOnAgenda     Status = "on_agenda"
	StatusActionAgreed Status = "action_agreed"
	StatusInProgress   Status = "in_progress"
	StatusResolved     Status = "resolved"
	StatusNotPossible  Status = "not_possible"
	StatusMerged       Status = "merged"
)

// Statuses lists every status in lifecycle order.
var Statuses = []Status{StatusSubmitted, StatusInReview, StatusOpen, StatusOnAgenda, StatusActionAgreed,
	StatusInProgress, StatusResolved, StatusNotPossible, StatusMerged}

// Issue is something a family raised.
type Issue struct {
	ID         string
	ForumID    string
	Title      string
	Body       string // the author's Markdown
	Lang       string // the language the page was in when they wrote
	AuthorID   string // empty when anonymous
	AuthorName string // the author's display name; empty when anonymous
	Anonymous  bool
	Themes     []string
	CreatedAt  time.Time // day precision when anonymous
	// Status is a cache of the latest status event, kept for lists; the
	// history is the truth.
	Status Status
	// OnBehalf: a facilitator posted it for a parent who phoned or wrote
	// in, and recorded that the parent agreed.
	OnBehalf bool
	Moderation
}

// Hold says why content waits for a facilitator before others see it.
type Hold string

// Reasons to hold content.
const (
	HoldReports      Hold = "reports"      // enough members reported it
	HoldSafeguarding Hold = "safeguarding" // a risk term matched, or a facilitator escalated it
)

// Moderation is what facilitators have done to an issue or a comment. The
// content itself is never deleted by a facilitator.
type Moderation struct {
	Held     Hold      // empty when nothing holds it
	HeldAt   time.Time // when it was held
	Hidden   string    // the public reason it is hidden; empty when shown
	EditNote string    // the public reason for a facilitator's latest edit
	// Erased says an administrator removed the content for good (see
	// Service.Erase): only a tombstone stays.
	Erased Erasure
}

// Erasure is why an administrator removed content.
type Erasure string

// Reasons to erase.
const (
	ErasedByAuthor Erasure = "author" // the author asked
	ErasedLegal    Erasure = "legal"  // a legal request
)

// IssueSummary is an issue with what lists show beside it.
type IssueSummary struct {
	Issue
	Supports     int
	Comments     int
	LastActivity time.Time
}

// EventKind says what an event in an issue's history is.
type EventKind string

// Kinds of history event.
const (
	EventStatus   EventKind = "status"   // the status changed
	EventResponse EventKind = "response" // a response the submitter can read
	EventDetail   EventKind = "detail"   // the submitter added detail
	EventQuestion EventKind = "question" // a facilitator asked the submitter, privately
	EventAnswer   EventKind = "answer"   // the submitter answered, privately
	// Moderation, told to the submitter in their history. Held and
	// released are private; the rest are public, with their reason.
	EventHeld       EventKind = "held"
	EventReleased   EventKind = "released"
	EventHidden     EventKind = "hidden"
	EventRestored   EventKind = "restored"
	EventEdited     EventKind = "edited"
	EventMergedFrom EventKind = "merged_from" // another issue was merged into this one (Ref)
	// A steering group's steps (Ref names the meeting or action; Note is
	// what families read).
	EventAgenda            EventKind = "agenda"              // put on a meeting's agenda
	EventActionAgreed      EventKind = "action_agreed"       // an action about it was agreed
	EventActionProgress    EventKind = "action_progress"     // that action is in progress
	EventActionDone        EventKind = "action_done"         // that action is done: Note is the outcome
	EventActionNotPossible EventKind = "action_not_possible" // that action is not possible: Note says why
)

// EventKinds lists every kind of history event.
var EventKinds = []EventKind{EventStatus, EventResponse, EventDetail, EventQuestion, EventAnswer,
	EventHeld, EventReleased, EventHidden, EventRestored, EventEdited, EventMergedFrom,
	EventAgenda, EventActionAgreed, EventActionProgress, EventActionDone, EventActionNotPossible}

// Actor says who made an event, as the submitter and readers see it. An
// anonymous submitter is only ever "submitter"; facilitators are named by role.
type Actor string

// Actors.
const (
	ActorSystem      Actor = "system"
	ActorSubmitter   Actor = "submitter"
	ActorMember      Actor = "member"
	ActorFacilitator Actor = "facilitator"
	ActorSteering    Actor = "steering" // the steering group
)

// Event is one entry in an issue's append-only history. Events are numbered
// per issue (Seq, unique), so concurrent changes are all kept, in order.
type Event struct {
	IssueID string
	Seq     int64
	Kind    EventKind
	Status  Status // for status events: the new status
	Actor   Actor
	ActorID string    // the account that acted; empty for an anonymous submitter
	Note    string    // the reason, response, question, answer or detail
	Private bool      // seen only by facilitators and the submitter
	At      time.Time // day precision when the issue is anonymous
	Ref     string    // the other issue of a merge
	// Key is the hash of the idempotency key of the form that made it, if
	// any: unique per issue, so a form sent twice adds one event.
	Key string
}

// FollowUp ties an anonymous submission's code to its issue. The code is a
// public selector plus a secret stored only as an argon2id hash.
type FollowUp struct {
	Selector   string
	SecretHash string
	IssueID    string
	CreatedAt  time.Time // day precision
	// SeenSeq is the last history event the code holder has seen, so their
	// next visit can mark what is new (a sequence, never a time).
	SeenSeq int64
}

// Support is one "this affects us too". Key is "u:<account>" for members or
// "d:<device hash>" for visitors; one per key per issue.
type Support struct {
	IssueID string
	Key     string
	At      time.Time
}

// Comment is a member's reply on an issue.
type Comment struct {
	ID         string
	IssueID    string
	ForumID    string
	AuthorID   string
	AuthorName string
	Body       string // Markdown
	CreatedAt  time.Time
	EditedAt   time.Time // zero unless edited
	Moderation
}

// CommentEdit is how long after posting a member may still edit a comment.
const CommentEdit = 15 * time.Minute

// Version is an earlier text of an edited issue or comment, kept so that
// facilitators can see what was first said.
type Version struct {
	ItemID string // the issue's or the comment's ID
	Seq    int64  // 1 for the first text
	Title  string // an issue's title; empty for comments
	Body   string
	At     time.Time // when this text was written
}

// Follow says a member hears about changes to an issue.
type Follow struct {
	IssueID string
	UserID  string
	At      time.Time
}

// NoticeKind says what a notification is about.
type NoticeKind string

// Kinds of notification.
const (
	NoticeStatus   NoticeKind = "status"   // a followed issue's status changed
	NoticeResponse NoticeKind = "response" // a followed issue got a response
	// Told to an author about their own post, with the reason.
	NoticeHeld     NoticeKind = "held"
	NoticeReleased NoticeKind = "released"
	NoticeHidden   NoticeKind = "hidden"
	NoticeRestored NoticeKind = "restored"
	NoticeEdited   NoticeKind = "edited"
	// Told to followers of an issue merged into another (IssueID is the other).
	NoticeMerged NoticeKind = "merged"
	// Told to the safeguarding deputy of a hold the lead has not handled.
	NoticeEscalated NoticeKind = "escalated"
	// Told to followers when a steering group takes a followed issue up
	// (an agenda, an action) without changing its status.
	NoticeSteering NoticeKind = "steering"
	// Told to someone with an account whom an invitation names (a forum,
	// a steering group's seat, a role): Title names what it is to, Ref
	// holds the sealed link, opened by the web layer (never the token).
	NoticeInvitation NoticeKind = "invitation"
)

// NoticeKinds lists every kind of notification.
var NoticeKinds = []NoticeKind{NoticeStatus, NoticeResponse, NoticeHeld, NoticeReleased, NoticeHidden,
	NoticeRestored, NoticeEdited, NoticeMerged, NoticeEscalated, NoticeSteering, NoticeInvitation, NoticeErasure}

// Notification is one entry in a person's in-app list.
type Notification struct {
	ID      string
	UserID  string
	IssueID string
	Title   string // the issue's title when it was made
	Kind    NoticeKind
	Status  Status // for status notifications
	Note    string // the reason, for moderation notifications
	Ref     string // what else it is about, for kinds that need it (see Notice)
	At      time.Time
	Read    bool
}

// Report is a member's flag on an issue or a comment, for facilitators. A
// member reports an item once; reports stay open until a facilitator decides.
type Report struct {
	ID         string
	ForumID    string
	IssueID    string
	CommentID  string // empty when the issue itself is reported
	ReporterID string
	Reason     ReportReason
	Detail     string // the reporter's own words
	At         time.Time
	Resolved   bool
}

// Item is the ID of what a report is about: the comment, else the issue.
func (r *Report) Item() string {
	if r.CommentID != "" {
		return r.CommentID
	}
	return r.IssueID
}

// ReportReason is the short-list reason a member gives.
type ReportReason string

// Report reasons.
const (
	ReportPersonal     ReportReason = "personal"     // it shares someone's personal details
	ReportUnkind       ReportReason = "unkind"       // it is unkind or abusive
	ReportSafeguarding ReportReason = "safeguarding" // someone may be at risk
	ReportSpam         ReportReason = "spam"
	ReportOther        ReportReason = "other"
)

// ReportReasons lists the reasons a member may choose.
var ReportReasons = []ReportReason{ReportPersonal, ReportUnkind, ReportSafeguarding, ReportSpam, ReportOther}

// Quote is a short passage a facilitator chose from an issue for steering
// group agendas, with anything identifying removed.
type Quote struct {
	ID      string
	IssueID string
	ForumID string
	Text    string
	ByID    string // the facilitator who chose it
	At      time.Time
}

// MaxQuote is the longest quote, in characters.
const MaxQuote = 280

// Idempotency records that a form was already handled, and what it made.
type Idempotency struct {
	Key    string
	Result string // the ID of what the form created
	At     time.Time
}

// Limits on what people write.
const (
	MaxTitle   = 160
	MaxBody    = 10000
	MaxComment = 5000
	MaxName    = 60
)

// day truncates a time to the day: all that is kept of anything tied to an
// anonymous submission.
func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func runes(s string) int { return utf8.RuneCountInString(s) }

// clean trims a person's text and normalises line endings.
func clean(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
}
