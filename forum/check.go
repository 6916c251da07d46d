package forum

import (
	"context"
)

// Checks are what a person is shown before posting: issues like theirs that
// they might support instead, and personal details they might remove.
type Checks struct {
	Similar  []Candidate
	Findings []Finding // in the text
	InTitle  []Finding // in the title
}

// CheckDraft looks for similar open issues in the forum and for identifying
// details in a draft. It warns; it never blocks.
func (s *Service) CheckDraft(ctx context.Context, forumID string, d Draft) (*Checks, error) {
	cands, err := s.store.IssueCandidates(ctx, forumID)
	if err != nil {
		return nil, err
	}
	byID := map[string]Candidate{}
	for _, c := range cands {
		byID[c.ID] = c
	}
	ch := &Checks{Findings: FindIdentifying(d.Body, s.now()), InTitle: FindIdentifying(d.Title, s.now())}
	for _, m := range Similar(d.Title, d.Body, cands, 5) {
		ch.Similar = append(ch.Similar, byID[m.ID])
	}
	return ch, nil
}

// Redact removes the identifying details found in a draft's title and text.
func (s *Service) Redact(d Draft, placeholder string) Draft {
	d.Title = RemoveIdentifying(d.Title, FindIdentifying(d.Title, s.now()), placeholder)
	d.Body = RemoveIdentifying(d.Body, FindIdentifying(d.Body, s.now()), placeholder)
	return d
}

// IdentifyingKinds lists every kind of detail the check looks for, so that
// each has a message in every language.
var IdentifyingKinds = []IdentifyingKind{NHSNumber, DateOfBirth, Postcode, Phone, Email, ChildName, SchoolName}
