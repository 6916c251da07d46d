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
}

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
)

// Actor says who made an event, as the submitter and readers see it. An
// anonymous submitter is only ever "submitter"; facilitators are named by role.
type Actor string

// Actors.
const (
	ActorSystem      Actor = "system"
	ActorSubmitter   Actor = "submitter"
	ActorMember      Actor = "member"
	ActorFacilitator Actor = "facilitator"
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
}

// FollowUp ties an anonymous submission's code to its issue. The code is a
// public selector plus a secret stored only as an argon2id hash.
type FollowUp struct {
	Selector   string
	SecretHash string
	IssueID    string
	CreatedAt  time.Time // day precision
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
	AuthorID   string
	AuthorName string
	Body       string // Markdown
	CreatedAt  time.Time
	EditedAt   time.Time // zero unless edited
}

// CommentEdit is how long after posting a member may still edit a comment.
const CommentEdit = 15 * time.Minute

// CommentVersion is an earlier text of an edited comment, kept so that
// facilitators can see what was first said.
type CommentVersion struct {
	CommentID string
	Seq       int64 // 1 for the first text
	Body      string
	At        time.Time // when this text was written
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
)

// Notification is one entry in a person's in-app list.
type Notification struct {
	ID      string
	UserID  string
	IssueID string
	Title   string // the issue's title when it was made
	Kind    NoticeKind
	Status  Status // for status notifications
	At      time.Time
	Read    bool
}

// Report is a member's flag on an issue or a comment, for facilitators.
type Report struct {
	ID         string
	ForumID    string
	IssueID    string
	CommentID  string // empty when the issue itself is reported
	ReporterID string
	Reason     string
	At         time.Time
}

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
