package steering

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"chorus/account"
	"chorus/audit"
)

// The group's paperwork: the register and the meeting packs it circulates.
// Each file is recorded in the audit trail when it is generated, with the
// SHA-256 of its content (which never holds the time it was generated), so
// that a copy passed round can be checked against the record.

// ExportAction is the audit action of a generated export.
const ExportAction = "steering.export"

// SmallCount is the smallest count about a group of families that
// summaries and exports show as a number: below it they say "fewer than
// 5", so that nobody can be picked out of a figure. An issue's own support
// count stays exact.
const SmallCount = 5

// Small reports whether a count about families is shown as "fewer than 5".
func Small(n int) bool { return n > 0 && n < SmallCount }

// Export is one generated file.
type Export struct {
	Subject string    // "group:<id>" or "meeting:<id>"
	Format  string    // what was generated: "actions.csv", "pack.pdf", ...
	SHA256  string    // of the file's bytes, in hex
	At      time.Time // when it was generated
}

// Paperwork is what a group's exports hold: its register, with each agenda
// item and meeting by ID (decisions name them), and the exports generated
// so far.
type Paperwork struct {
	*Register
	Items       map[string]*Item
	MeetingByID map[string]*Meeting
	Exports     []*Export
}

// recentExports is how many generated files a page lists.
const recentExports = 10

// GroupSubject and MeetingSubject name what an export is of.
func GroupSubject(id string) string { return "group:" + id }

// MeetingSubject names a meeting's exports.
func MeetingSubject(id string) string { return "meeting:" + id }

// Paperwork returns a group's register as its exports show it, for those
// who may read the register.
func (s *Service) Paperwork(ctx context.Context, p *account.Principal, groupID string) (*Paperwork, error) {
	r, err := s.Register(ctx, p, groupID)
	if err != nil {
		return nil, err
	}
	pw := &Paperwork{Register: r, Items: map[string]*Item{}, MeetingByID: map[string]*Meeting{}}
	var shown []*Meeting
	for _, m := range r.Meetings {
		if m.Status == MeetingDraft && !r.Chairs() {
			continue // a draft is the chair's alone
		}
		shown = append(shown, m)
		pw.MeetingByID[m.ID] = m
		items, err := s.store.ListItems(ctx, m.ID)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			pw.Items[it.ID] = it
		}
	}
	pw.Meetings = shown
	if pw.Exports, err = s.Exports(ctx, r.Seat, GroupSubject(groupID)); err != nil {
		return nil, err
	}
	return pw, nil
}

// RecordExport records that a file was generated for someone with a seat
// (as Register or Meeting returned it): what it is of, its format and the
// SHA-256 of content. It returns the record, which the file's headers and
// the page that offered it show.
func (s *Service) RecordExport(ctx context.Context, st *Seat, by *account.Principal, subject, format string, content []byte) (*Export, error) {
	if !st.Sees() {
		return nil, ErrNotFound
	}
	sum := sha256.Sum256(content)
	ex := &Export{Subject: subject, Format: format, SHA256: hex.EncodeToString(sum[:]), At: s.now()}
	e := audit.Entry{Action: ExportAction, Subject: subject, Detail: format + " sha256:" + ex.SHA256, At: ex.At,
		Scope: account.OrganisationScope(st.Group.OrgID).String()}
	if by != nil {
		e.ActorID = by.User.ID
	}
	if err := s.audit.Record(ctx, e); err != nil {
		return nil, err
	}
	return ex, nil
}

// Exports lists the files most recently generated of a subject, newest
// first, for someone with a seat.
func (s *Service) Exports(ctx context.Context, st *Seat, subject string) ([]*Export, error) {
	if !st.Sees() {
		return nil, ErrNotFound
	}
	es, err := s.audit.List(ctx, audit.Filter{Subject: subject, Action: ExportAction, Limit: recentExports})
	if err != nil {
		return nil, err
	}
	var out []*Export
	for _, e := range es {
		format, sum, ok := strings.Cut(e.Detail, " sha256:")
		if !ok || e.Action != ExportAction {
			continue
		}
		out = append(out, &Export{Subject: e.Subject, Format: format, SHA256: sum, At: e.At})
	}
	return out, nil
}

// LastUpdated is when an action last changed: its latest history event, or
// its creation.
func (a *Action) LastUpdated() time.Time {
	t := a.CreatedAt
	for _, e := range a.History {
		if e.At.After(t) {
			t = e.At
		}
	}
	return t
}
