package forum

import (
	"context"
	"errors"

	"chorus/account"
	"chorus/audit"

	"chorus/internal/fault"
)

// IssueView is an issue as one viewer sees it.
type IssueView struct {
	Forum       *Forum
	Issue       *Issue
	Status      Status   // from the history, the truth
	Events      []*Event // what this viewer may see of the history
	Supports    int
	Supported   bool // this viewer supports it
	CanSupport  bool
	Comments    []*Comment
	Member      *Member // the viewer's membership, if any
	Facilitator bool    // the viewer may facilitate this forum
	Following   bool    // the viewer follows it
	Next        []Status
	// Editable holds the viewer's own comments still within the edit window.
	Editable map[string]bool
	// Versions holds the earlier texts of the issue and its edited comments,
	// by item ID, for facilitators.
	Versions map[string][]*Version
	// Safeguards: the viewer is the forum's safeguarding lead, deputy or an
	// administrator, who alone see what is held for safeguarding.
	Safeguards bool
	// Masked: the issue is held for safeguarding and this facilitator may
	// not read it; its title and text are withheld.
	Masked bool
	// MergedInto is the issue this one was merged into, if it was.
	MergedInto string
	// Reports counts open reports by item ID, for facilitators.
	Reports map[string]int
}

// visible reports whether an issue may be seen by the viewer: issues waiting
// in review or held are seen only by their author and facilitators.
func visible(iss *Issue, status Status, v Viewer, facilitator bool) bool {
	if iss.Held == "" && status != StatusInReview && status != StatusSubmitted {
		return true
	}
	return facilitator || (iss.AuthorID != "" && iss.AuthorID == v.userID())
}

// withheld reports whether a viewer may not read an item's words: it is
// hidden and they are not a facilitator, or it is held for safeguarding and
// they do not safeguard the forum.
func withheld(mod Moderation, facilitator, safeguards bool) bool {
	return (mod.Hidden != "" && !facilitator) || (mod.Held == HoldSafeguarding && !safeguards)
}

// issueAccess is what every action on an issue needs to know: the issue, its
// forum, its status from the history, and who the viewer is there. It loads
// no comments, so the hot paths (supports) stay light.
type issueAccess struct {
	forum       *Forum
	issue       *Issue
	events      []*Event
	status      Status
	member      *Member
	facilitator bool
}

// access loads an issue for a viewer; ErrNotFound when they may not see it.
func (s *Service) access(ctx context.Context, v Viewer, id string) (*issueAccess, error) {
	iss, f, m, err := s.findAccess(ctx, id, v.Principal)
	if err != nil {
		return nil, err
	}
	fac := v.Principal != nil && (safeguards(v, f) || (m != nil && m.Role == RoleFacilitator))
	events, err := s.store.ListEvents(ctx, id)
	if err != nil {
		return nil, err
	}
	status := statusOf(events)
	if !visible(iss, status, v, fac) {
		return nil, ErrNotFound
	}
	return &issueAccess{forum: f, issue: iss, events: events, status: status, member: m, facilitator: fac}, nil
}

// CanSee reports whether the viewer may see an issue (ErrNotFound when
// not) and whether they facilitate its forum: what following the issue's
// live room needs, without the comments, counts and history of its page,
// which the page itself loaded.
func (s *Service) CanSee(ctx context.Context, v Viewer, id string) (facilitator bool, err error) {
	a, err := s.access(ctx, v, id)
	if err != nil {
		return false, err
	}
	return a.facilitator, nil
}

// accessReader is a store that reads an issue, its forum and a person's
// membership there in one query (the embedded store does).
type accessReader interface {
	// FindIssueAccess returns the issue, its forum and, when userID is not
	// empty, that person's membership (nil when not a member). ErrNotFound.
	FindIssueAccess(ctx context.Context, issueID, userID string) (*Issue, *Forum, *Member, error)
}

// findAccess reads an issue, its forum and the viewer's membership there:
// every live subscribe and every support starts here, so in one query where
// the store can, and the membership once (it says both whether they are a
// member and whether they facilitate).
func (s *Service) findAccess(ctx context.Context, id string, p *account.Principal) (*Issue, *Forum, *Member, error) {
	if ar, ok := s.store.(accessReader); ok {
		uid := ""
		if p != nil {
			uid = p.User.ID
		}
		return ar.FindIssueAccess(ctx, id, uid)
	}
	iss, err := s.store.FindIssue(ctx, id)
	if err != nil {
		return nil, nil, nil, err
	}
	f, err := s.store.FindForum(ctx, iss.ForumID)
	if err != nil {
		return nil, nil, nil, err
	}
	m, err := s.Membership(ctx, f.ID, p)
	if err != nil {
		return nil, nil, nil, err
	}
	return iss, f, m, nil
}

// Issue returns an issue as the viewer may see it.
func (s *Service) Issue(ctx context.Context, v Viewer, id string) (*IssueView, error) {
	a, err := s.access(ctx, v, id)
	if err != nil {
		return nil, err
	}
	view := &IssueView{Forum: a.forum, Issue: a.issue, Status: a.status, Facilitator: a.facilitator, Member: a.member,
		Safeguards: safeguards(v, a.forum), MergedInto: MergedInto(a.events)}
	own := a.issue.AuthorID != "" && a.issue.AuthorID == v.userID()
	if withheld(a.issue.Moderation, a.facilitator, view.Safeguards) && !own {
		view.Masked = a.issue.Held == HoldSafeguarding
		a.issue.Title, a.issue.Body = "", ""
	} else if a.issue.Held == HoldSafeguarding && !own { // those who safeguard it read it: recorded
		if err := s.audit.Record(ctx, audit.Entry{ActorID: v.userID(), Action: "safeguarding.view", Subject: "issue:" + id,
			Scope: orgScope(a.forum.OrgID), Forum: a.forum.ID}); err != nil {
			return nil, err
		}
	}
	for _, e := range a.events {
		if !e.Private || a.facilitator {
			view.Events = append(view.Events, e)
		}
	}
	if a.facilitator {
		view.Next = NextStatuses(a.status)
	}
	if view.Supports, err = s.store.CountSupports(ctx, id); err != nil {
		return nil, err
	}
	if key := supportKey(v, a.forum, a.member); key != "" {
		view.CanSupport = !a.status.Closed()
		if view.Supported, err = s.store.HasSupport(ctx, id, key); err != nil {
			return nil, err
		}
	}
	comments, err := s.store.ListComments(ctx, id)
	if err != nil {
		return nil, err
	}
	uid := v.userID()
	for _, c := range comments {
		own := uid != "" && c.AuthorID == uid
		if c.Held != "" && !a.facilitator && !own {
			continue // held: not for others' eyes until a facilitator decides
		}
		if withheld(c.Moderation, a.facilitator, view.Safeguards) && !own {
			c.Body = ""
		}
		view.Comments = append(view.Comments, c)
	}
	view.Editable, view.Versions = map[string]bool{}, map[string][]*Version{}
	if a.facilitator {
		if view.Reports, err = s.openReports(ctx, a.forum.ID, id); err != nil {
			return nil, err
		}
		items := []string{id}
		for _, c := range view.Comments {
			if !c.EditedAt.IsZero() && c.Body != "" {
				items = append(items, c.ID)
			}
		}
		for _, item := range items {
			if item == id && view.Masked {
				continue
			}
			vs, err := s.store.ListVersions(ctx, item)
			if err != nil {
				return nil, err
			}
			if len(vs) > 0 {
				view.Versions[item] = vs
			}
		}
	}
	if uid != "" {
		for _, c := range view.Comments {
			if c.AuthorID == uid && s.now().Sub(c.CreatedAt) <= CommentEdit && !a.status.Closed() {
				view.Editable[c.ID] = true
			}
		}
		if view.Following, err = s.store.IsFollowing(ctx, id, uid); err != nil {
			return nil, err
		}
	}
	return view, nil
}

// ForumView is a forum's page of issues.
type ForumView struct {
	Forum       *Forum
	Issues      []*IssueSummary
	Total       int
	Member      *Member
	Facilitator bool
	// Queue counts the moderation queue's tabs by name, for facilitators.
	Queue map[string]int
}

// openReports counts an issue's open reports by item, for its facilitators.
func (s *Service) openReports(ctx context.Context, forumID, issueID string) (map[string]int, error) {
	reports, err := s.store.ListReports(ctx, forumID, true)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, r := range reports {
		if r.IssueID == issueID {
			out[r.Item()]++
		}
	}
	return out, nil
}

// PageSize is how many issues a forum page lists.
const PageSize = 20

// Issues lists a forum's issues for a viewer. Issues waiting in review are
// listed only to facilitators.
func (s *Service) Issues(ctx context.Context, v Viewer, f IssueFilter) (*ForumView, error) {
	forum, err := s.store.FindForum(ctx, f.ForumID)
	if err != nil {
		return nil, err
	}
	fac, err := s.facilitates(ctx, v, forum)
	if err != nil {
		return nil, err
	}
	if len(f.Statuses) == 0 {
		for _, st := range Statuses {
			if fac || (st != StatusInReview && st != StatusSubmitted) {
				f.Statuses = append(f.Statuses, st)
			}
		}
	} else if !fac {
		var allowed []Status
		for _, st := range f.Statuses {
			if st != StatusInReview && st != StatusSubmitted {
				allowed = append(allowed, st)
			}
		}
		if f.Statuses = allowed; len(allowed) == 0 {
			return &ForumView{Forum: forum, Facilitator: fac}, nil
		}
	}
	if f.Limit <= 0 || f.Limit > 100 {
		f.Limit = PageSize
	}
	if f.Offset < 0 {
		f.Offset = 0
	}
	switch f.Sort {
	case SortSupport, SortNewest, SortActive:
	default:
		f.Sort = SortNewest
	}
	f.Query = clean(f.Query)
	f.Held = fac
	list, total, err := s.store.ListIssues(ctx, f)
	if err != nil {
		return nil, err
	}
	sg := safeguards(v, forum)
	for _, sum := range list {
		if withheld(sum.Moderation, fac, sg) {
			sum.Title, sum.Body = "", ""
		}
	}
	m, err := s.Membership(ctx, forum.ID, v.Principal)
	if err != nil {
		return nil, err
	}
	view := &ForumView{Forum: forum, Issues: list, Total: total, Member: m, Facilitator: fac}
	if fac {
		q, err := s.Queue(ctx, v, forum.ID, TabApproval)
		if err != nil {
			return nil, err
		}
		view.Queue = map[string]int{}
		for tab, n := range q.Counts {
			view.Queue[string(tab)] = n
		}
	}
	return view, nil
}

// supportKey is who a support counts as: the member's account, or a
// visitor's device where the forum lets visitors support. Empty: may not.
func supportKey(v Viewer, f *Forum, m *Member) string {
	if m != nil {
		return "u:" + m.UserID
	}
	if f.VisitorSupport && v.Principal == nil && v.DeviceKey != "" {
		return "d:" + v.DeviceKey
	}
	return ""
}

// Support records that the viewer is affected too. Supporting twice is not
// an error: the count is unchanged.
func (s *Service) Support(ctx context.Context, v Viewer, issueID string) (int, error) {
	a, err := s.access(ctx, v, issueID)
	if err != nil {
		return 0, err
	}
	key := supportKey(v, a.forum, a.member)
	if key == "" {
		if a.forum.VisitorSupport {
			return 0, ErrSignInRequired
		}
		return 0, ErrSupportOff
	}
	if a.status.Closed() {
		return 0, ErrClosed
	}
	err = s.store.AddSupport(ctx, &Support{IssueID: issueID, Key: key, At: s.now()})
	if err != nil && !errors.Is(err, fault.ErrConflict) {
		return 0, err
	}
	if a.member != nil {
		if err := s.follow(ctx, issueID, a.member.UserID); err != nil {
			return 0, err
		}
	}
	return s.countChanged(ctx, a.issue)
}

// Unsupport withdraws the viewer's support.
func (s *Service) Unsupport(ctx context.Context, v Viewer, issueID string) (int, error) {
	a, err := s.access(ctx, v, issueID)
	if err != nil {
		return 0, err
	}
	key := supportKey(v, a.forum, a.member)
	if key == "" {
		return 0, ErrSupportOff
	}
	if err := s.store.RemoveSupport(ctx, issueID, key); err != nil && !errors.Is(err, fault.ErrNotFound) {
		return 0, err
	}
	return s.countChanged(ctx, a.issue)
}

// countChanged reads an issue's support count after a change and announces
// it to the issue's page and its forum's list. Concurrent changes share
// reads (countReads): the count returned and announced includes the change.
func (s *Service) countChanged(ctx context.Context, iss *Issue) (int, error) {
	return s.counts.read(ctx, iss.ID, func(ctx context.Context) (int, error) {
		n, err := s.store.CountSupports(ctx, iss.ID)
		if err != nil {
			return 0, err
		}
		data := map[string]any{"issue": iss.ID, "count": n}
		s.pub.Count(ctx, IssueRoom(iss.ID), "support.count", data)
		s.pub.Count(ctx, ForumRoom(iss.ForumID), "support.count", data)
		return n, nil
	})
}
