package forum

import (
	"context"
	"time"
)

// IssueSort orders an issue list.
type IssueSort string

// Issue list orders.
const (
	SortSupport IssueSort = "support" // most supported first
	SortNewest  IssueSort = "newest"
	SortActive  IssueSort = "active" // most recently active first
)

// IssueFilter selects a forum's issues.
type IssueFilter struct {
	ForumID  string
	Statuses []Status // empty: every status
	Theme    string
	Query    string // words in the title or text, case-insensitive
	Sort     IssueSort
	Offset   int
	Limit    int
	// Held includes issues a hold keeps from the public (facilitators' lists).
	Held bool
}

// Store is what the forum service needs from storage. Adapters return
// fault.ErrNotFound and fault.ErrConflict (a unique key is taken).
type Store interface {
	// PersonStore reads and forgets by person (erase.go).
	PersonStore

	// CreateForum inserts a forum.
	CreateForum(ctx context.Context, f *Forum) error
	// UpdateForum replaces a forum's settings. ErrNotFound.
	UpdateForum(ctx context.Context, f *Forum) error
	// FindForum returns a forum. ErrNotFound.
	FindForum(ctx context.Context, id string) (*Forum, error)
	// ListForums returns every forum, by name.
	ListForums(ctx context.Context) ([]*Forum, error)

	// AddMember inserts a membership. ErrConflict when already a member.
	AddMember(ctx context.Context, m *Member) error
	// UpdateMember replaces a member's display name and role. ErrNotFound.
	UpdateMember(ctx context.Context, m *Member) error
	// FindMember returns a membership. ErrNotFound.
	FindMember(ctx context.Context, forumID, userID string) (*Member, error)
	// ListMembers returns a forum's members, by display name.
	ListMembers(ctx context.Context, forumID string) ([]*Member, error)
	// ListMemberships returns a person's memberships.
	ListMemberships(ctx context.Context, userID string) ([]*Member, error)

	// CreateIssue inserts an issue.
	CreateIssue(ctx context.Context, i *Issue) error
	// FindIssue returns an issue. ErrNotFound.
	FindIssue(ctx context.Context, id string) (*Issue, error)
	// UpdateIssue replaces an issue's title, text, themes and moderation
	// (facilitators are their one writer). ErrNotFound.
	UpdateIssue(ctx context.Context, i *Issue) error
	// ListHeldIssues returns a forum's held issues, oldest hold first.
	ListHeldIssues(ctx context.Context, forumID string) ([]*Issue, error)
	// SetIssueStatus updates the status cache to the status of event seq,
	// unless a later event has already set it. The event must already be in
	// the history: adapters on servers without atomic updates repair the
	// cache from it. ErrNotFound when the issue does not exist.
	SetIssueStatus(ctx context.Context, issueID string, status Status, seq int64) error
	// ListIssues returns one page of a forum's issues with their counts, and
	// how many match in all.
	ListIssues(ctx context.Context, f IssueFilter) ([]*IssueSummary, int, error)
	// IssueCandidates returns the title and text of a forum's issues that are
	// not closed, for similarity checks.
	IssueCandidates(ctx context.Context, forumID string) ([]Candidate, error)

	// AddEvent inserts an event under its (issue, seq) key, and its (issue,
	// key) when it has a Key. ErrConflict when either is taken: the caller
	// retries with the next seq, unless its key is already there.
	AddEvent(ctx context.Context, e *Event) error
	// ListEvents returns an issue's history in order.
	ListEvents(ctx context.Context, issueID string) ([]*Event, error)
	// ListEventsOf returns the events of the given kinds of several issues,
	// each issue's in order.
	ListEventsOf(ctx context.Context, issueIDs []string, kinds []EventKind) ([]*Event, error)

	// AddFollowUp inserts a follow-up code record. ErrConflict when the
	// selector is taken.
	AddFollowUp(ctx context.Context, f *FollowUp) error
	// FindFollowUp returns the record for a selector. ErrNotFound.
	FindFollowUp(ctx context.Context, selector string) (*FollowUp, error)
	// SetFollowUpSeen records the last history event the code holder has
	// seen (the code holder is its one writer). ErrNotFound.
	SetFollowUpSeen(ctx context.Context, selector string, seq int64) error

	// AddSupport inserts a support. ErrConflict when this key already supports.
	AddSupport(ctx context.Context, s *Support) error
	// RemoveSupport deletes a support. ErrNotFound.
	RemoveSupport(ctx context.Context, issueID, key string) error
	// HasSupport reports whether a key supports an issue.
	HasSupport(ctx context.Context, issueID, key string) (bool, error)
	// CountSupports counts an issue's supports.
	CountSupports(ctx context.Context, issueID string) (int, error)
	// ListSupports returns an issue's supports.
	ListSupports(ctx context.Context, issueID string) ([]*Support, error)

	// AddComment inserts a comment.
	AddComment(ctx context.Context, c *Comment) error
	// ListComments returns an issue's comments, oldest first.
	ListComments(ctx context.Context, issueID string) ([]*Comment, error)

	// FindComment returns a comment. ErrNotFound.
	FindComment(ctx context.Context, id string) (*Comment, error)
	// UpdateComment replaces a comment's body, edit time and moderation.
	// ErrNotFound.
	UpdateComment(ctx context.Context, c *Comment) error
	// ListHeldComments returns a forum's held comments, oldest hold first.
	ListHeldComments(ctx context.Context, forumID string) ([]*Comment, error)
	// AddVersion keeps an earlier text of an issue or comment. ErrConflict
	// when the (item, seq) key is taken.
	AddVersion(ctx context.Context, v *Version) error
	// ListVersions returns an item's earlier texts, oldest first.
	ListVersions(ctx context.Context, itemID string) ([]*Version, error)
	// EraseVersions empties the title and text of an item's earlier texts.
	EraseVersions(ctx context.Context, itemID string) error

	// AddFollow makes a person follow an issue. ErrConflict when they do.
	AddFollow(ctx context.Context, f *Follow) error
	// RemoveFollow stops a person following an issue. ErrNotFound.
	RemoveFollow(ctx context.Context, issueID, userID string) error
	// IsFollowing reports whether a person follows an issue.
	IsFollowing(ctx context.Context, issueID, userID string) (bool, error)
	// ListFollowers returns the IDs of an issue's followers.
	ListFollowers(ctx context.Context, issueID string) ([]string, error)

	// AddNotification inserts a notification.
	AddNotification(ctx context.Context, n *Notification) error
	// ListNotifications returns a person's newest notifications first, at
	// most limit.
	ListNotifications(ctx context.Context, userID string, limit int) ([]*Notification, error)
	// CountUnread counts a person's unread notifications.
	CountUnread(ctx context.Context, userID string) (int, error)
	// MarkRead marks all of a person's notifications read.
	MarkRead(ctx context.Context, userID string) error
	// MarkNotificationRead marks one of a person's notifications read.
	// ErrNotFound when the person has no notification with that ID.
	MarkNotificationRead(ctx context.Context, userID, id string) error

	// AddReport inserts a report. ErrConflict when the reporter has
	// already reported that item.
	AddReport(ctx context.Context, r *Report) error
	// ListReports returns a forum's reports, newest first; only the open
	// ones when open is set.
	ListReports(ctx context.Context, forumID string, open bool) ([]*Report, error)
	// CountReports counts an item's open reports (one per reporter).
	CountReports(ctx context.Context, itemID string) (int, error)
	// ResolveReports closes an item's open reports.
	ResolveReports(ctx context.Context, itemID string) error

	// AddQuote inserts a quote.
	AddQuote(ctx context.Context, q *Quote) error
	// ListQuotes returns an issue's quotes, oldest first.
	ListQuotes(ctx context.Context, issueID string) ([]*Quote, error)
	// RemoveQuote deletes one of an issue's quotes. ErrNotFound.
	RemoveQuote(ctx context.Context, issueID, id string) error
	// RemoveQuotes deletes every quote of an issue (when it is erased).
	RemoveQuotes(ctx context.Context, issueID string) error

	// AddIdempotency records a handled form. ErrConflict when the key exists.
	AddIdempotency(ctx context.Context, i *Idempotency) error
	// FindIdempotency returns a handled form's record. ErrNotFound.
	FindIdempotency(ctx context.Context, key string) (*Idempotency, error)

	// AddAttempt, CountAttempts and ClearAttempts are the same per-key
	// attempt records the account store keeps (follow-up code tries).
	AddAttempt(ctx context.Context, key string, at time.Time) error
	CountAttempts(ctx context.Context, key string, since time.Time) (int, error)
	ClearAttempts(ctx context.Context, key string) error
}
