package forum

import (
	"context"
	"errors"
	"strconv"
	"time"

	"chorus/audit"
	"chorus/internal/fault"
	"chorus/internal/secret"
)

// Directory is what the forum service asks of accounts: who administers an
// organisation (escalations reach them), and ending a person's sessions
// when their role in a forum changes (they sign in again under a new
// session ID). The account service is one.
type Directory interface {
	OrganisationAdmins(ctx context.Context, orgID string) ([]string, error)
	EndSessions(ctx context.Context, userID string) error
}

// SetDirectory connects the forum service to accounts.
func (s *Service) SetDirectory(d Directory) { s.dir = d }

// EscalateOverdue tells each forum's safeguarding deputy and administrators
// of every item held for safeguarding longer than the forum allows. Each
// hold is escalated once (a record under a unique key says so), however
// many instances run this at once. Run it every few minutes.
func (s *Service) EscalateOverdue(ctx context.Context) (int, error) {
	forums, err := s.store.ListForums(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, f := range forums {
		cutoff := s.now().Add(-f.escalateAfter())
		issues, err := s.store.ListHeldIssues(ctx, f.ID)
		if err != nil {
			return n, err
		}
		comments, err := s.store.ListHeldComments(ctx, f.ID)
		if err != nil {
			return n, err
		}
		type held struct {
			subject, issueID, title string
			at                      time.Time
		}
		var due []held
		for _, i := range issues {
			if i.Held == HoldSafeguarding && i.HeldAt.Before(cutoff) {
				due = append(due, held{"issue:" + i.ID, i.ID, i.Title, i.HeldAt})
			}
		}
		for _, c := range comments {
			if c.Held == HoldSafeguarding && c.HeldAt.Before(cutoff) {
				due = append(due, held{"comment:" + c.ID, c.IssueID, "", c.HeldAt})
			}
		}
		for _, h := range due {
			key := secret.HashToken("escalated|" + h.subject + "|" + strconv.FormatInt(h.at.UnixMilli(), 10))
			err := s.store.AddIdempotency(ctx, &Idempotency{Key: key, Result: h.subject, At: s.now()})
			if errors.Is(err, fault.ErrConflict) {
				continue // escalated already
			}
			if err != nil {
				return n, err
			}
			if err := s.escalate(ctx, f, h.issueID, h.subject); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// recordHold notes in the audit trail that a risk term held a new post.
func (s *Service) recordHold(ctx context.Context, f *Forum, subject string) error {
	return s.audit.Record(ctx, audit.Entry{Action: "safeguarding.hold", Subject: subject, Scope: orgScope(f.OrgID), Forum: f.ID,
		Detail: "a risk term matched"})
}

// escalate notifies the deputy and the forum's administrators of one item.
// The notification names no content: they read it in the queue, where the
// reading is recorded.
func (s *Service) escalate(ctx context.Context, f *Forum, issueID, subject string) error {
	to := []string{}
	if f.SafeguardingDeputyID != "" {
		to = append(to, f.SafeguardingDeputyID)
	}
	if s.dir != nil {
		admins, err := s.dir.OrganisationAdmins(ctx, f.OrgID)
		if err != nil {
			return err
		}
		to = append(to, admins...)
	}
	seen := map[string]bool{}
	for _, uid := range to {
		if seen[uid] {
			continue
		}
		seen[uid] = true
		if err := s.deliver(ctx, &Notification{ID: secret.NewID(), UserID: uid, IssueID: issueID,
			Title: f.Name, Kind: NoticeEscalated, At: s.now()}); err != nil {
			return err
		}
	}
	return s.audit.Record(ctx, audit.Entry{Action: "safeguarding.escalate", Subject: subject, Scope: orgScope(f.OrgID), Forum: f.ID,
		Detail: "held longer than " + strconv.Itoa(int(f.escalateAfter().Hours())) + " hours"})
}
