package notify

import (
	"context"

	"chorus/account"
)

// ErasureStore forgets a person's email records for an erasure.
type ErasureStore interface {
	// ForgetMail deletes a person's notification preferences and the
	// records of email sent to them. Deleting none is not an error.
	ForgetMail(ctx context.Context, userID string) error
}

// ForgetPerson deletes a person's email preferences and records, for an
// erasure.
func (s *Service) ForgetPerson(ctx context.Context, userID string) error {
	return s.store.ForgetMail(ctx, userID)
}

// ErasureOutcome is what a person is told about their erasure request.
type ErasureOutcome string

// Erasure outcomes.
const (
	ErasureCarriedOut ErasureOutcome = "done"
	ErasureRefused    ErasureOutcome = "refused"
)

// TellErasure emails a person the outcome of their erasure request, at
// once and waiting for the mail server: when it is carried out, this is
// sent before anything is erased, since afterwards Chorus has no address
// for them. It says nothing of the reason (mail passes through other
// servers): a refused person signs in to read it. Without email it does
// nothing.
func (s *Service) TellErasure(ctx context.Context, u *account.User, outcome ErasureOutcome) error {
	if !s.MailEnabled() || u.Email == "" {
		return nil
	}
	pr, err := s.preferences(ctx, u.ID)
	if err != nil {
		return err
	}
	t := s.tr(u.Language, pr.EasyRead)
	data := &mailData{T: t, Name: u.Name, Intro: t.M("mail.erasure." + string(outcome))}
	if outcome == ErasureRefused {
		data.Link = s.link("/account/erasure", t)
	}
	m, err := s.render(u, t, t.M("mail.subject.erasure"), "erasure", data)
	if err != nil {
		return err
	}
	m.Unsubscribe = ""
	sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sendTimeout)
	defer cancel()
	return s.sender.Send(sendCtx, m)
}
