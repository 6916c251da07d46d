package forum

import (
	"context"

	"chorus/account"
	"chorus/internal/fault"
)

// PersonStore reads and forgets what the forums hold about one person,
// whichever forums they belong to now: a data-rights download reads by
// author, and so does an erasure.
type PersonStore interface {
	// ListIssuesByAuthor returns the issues a person raised under their
	// name, oldest first. Anonymous issues name nobody and are never in it.
	ListIssuesByAuthor(ctx context.Context, userID string) ([]*Issue, error)
	// ListCommentsByAuthor returns a person's comments, oldest first.
	ListCommentsByAuthor(ctx context.Context, userID string) ([]*Comment, error)
	// ListSupportsByKey returns the supports given under a key ("u:<id>").
	ListSupportsByKey(ctx context.Context, key string) ([]*Support, error)
	// ListFollowsByUser returns the issues a person follows.
	ListFollowsByUser(ctx context.Context, userID string) ([]*Follow, error)
	// ListReportsByReporter returns a person's reports, newest first.
	ListReportsByReporter(ctx context.Context, userID string) ([]*Report, error)
	// ForgetPerson removes a person from the forums for an erasure: their
	// memberships, follows and notifications are deleted; issues and
	// comments they wrote name formerID and formerName as author; events,
	// quotes and reports they made name formerID (reports lose the
	// reporter's words); supports count under "u:<formerID>", so every
	// count stays; a forum whose safeguarding lead or deputy they were has
	// none. Running it again changes nothing.
	ForgetPerson(ctx context.Context, userID, formerID, formerName string) error
}

// NoticeErasure tells installation administrators that someone asked for
// erasure, and a person that their request was refused; it links to the
// erasure page (see RegisterNoticeLink), never names the person.
const NoticeErasure NoticeKind = "erasure"

func init() {
	RegisterNoticeLink(NoticeErasure, func(n *Notification) string {
		if n.Ref == "admin" {
			return "/admin/erasure"
		}
		return "/account/erasure"
	})
}

// ErrSafeguardingHold: the person's posts are held for safeguarding, so
// they are not erased until a safeguarding lead has dealt with them.
var ErrSafeguardingHold = fault.New(fault.Conflict, "erasure.error.safeguarding")

// ErasureHolds counts the person's named issues and comments held for
// safeguarding and not yet erased: while any is, an erasure must wait or be
// refused with a reason, never go ahead silently.
func (s *Service) ErasureHolds(ctx context.Context, userID string) (int, error) {
	issues, err := s.store.ListIssuesByAuthor(ctx, userID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, iss := range issues {
		if iss.Held == HoldSafeguarding && iss.Erased == "" {
			n++
		}
	}
	comments, err := s.store.ListCommentsByAuthor(ctx, userID)
	if err != nil {
		return 0, err
	}
	for _, c := range comments {
		if c.Held == HoldSafeguarding && c.Erased == "" {
			n++
		}
	}
	return n, nil
}

// ErasedCounts says how much of a person's forum content an erasure
// removed: counts only, for the audit trail.
type ErasedCounts struct {
	Issues, Comments int
}

// ErasePerson carries out the forum side of an erasure, for an installation
// administrator: each named issue and comment the person wrote is erased
// through Erase (a tombstone stays, earlier versions and audit content go,
// quotes from the issue go), then the store forgets the person
// (ForgetPerson). Anonymous issues are not touched: nothing links them to
// anyone. It refuses while any of the person's posts is held for
// safeguarding. It may be run again after a failure: what is done stays
// done.
func (s *Service) ErasePerson(ctx context.Context, by *account.Principal, userID, formerID, formerName string) (ErasedCounts, error) {
	var n ErasedCounts
	if by == nil || !by.IsAdmin() {
		return n, ErrForbidden
	}
	if held, err := s.ErasureHolds(ctx, userID); err != nil {
		return n, err
	} else if held > 0 {
		return n, ErrSafeguardingHold
	}
	comments, err := s.store.ListCommentsByAuthor(ctx, userID)
	if err != nil {
		return n, err
	}
	for _, c := range comments {
		if c.Erased != "" {
			continue
		}
		if err := s.Erase(ctx, by, Target{IssueID: c.IssueID, CommentID: c.ID}, ErasedByAuthor); err != nil {
			return n, err
		}
		n.Comments++
	}
	issues, err := s.store.ListIssuesByAuthor(ctx, userID)
	if err != nil {
		return n, err
	}
	for _, iss := range issues {
		if iss.Erased != "" {
			continue
		}
		if err := s.Erase(ctx, by, Target{IssueID: iss.ID}, ErasedByAuthor); err != nil {
			return n, err
		}
		n.Issues++
	}
	return n, s.store.ForgetPerson(ctx, userID, formerID, formerName)
}
