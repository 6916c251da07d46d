package steering

import (
	"context"
	"errors"

	"chorus/account"
	"chorus/internal/fault"
	"chorus/internal/secret"
)

// The quiet voice: during a meeting, parents and carers send questions or
// comments anonymously; the chair or a linked forum's facilitator approves
// them; everyone following the meeting sees and supports the approved ones;
// the chair turns one into an agenda item or a minutes entry. Nothing that
// identifies the sender is stored: not their account, their device or the
// time, only the words and their place in the queue.

// Ask sends a quiet-voice question to a meeting in progress. Anyone who may
// follow the meeting may. A form sent again (the same idemKey) sends it once.
func (s *Service) Ask(ctx context.Context, p *account.Principal, meetingID, linkKey, text, idemKey string) (*Question, error) {
	mc, err := s.meetingFor(ctx, p, meetingID, linkKey)
	if err != nil {
		return nil, err
	}
	if mc.meeting.Status != MeetingInProgress {
		return nil, ErrQuietClosed
	}
	text = clean(text)
	switch {
	case text == "":
		return nil, ErrQuestionRequired
	case runes(text) > MaxQuestion:
		return nil, ErrQuestionLong
	}
	q := &Question{ID: secret.NewID(), MeetingID: meetingID, Text: text, Status: QuestionWaiting}
	if idemKey != "" {
		// Derived from the form's own random key, never from who sent it.
		q.ID = secret.HashToken("question|" + meetingID + "|" + idemKey)[:16]
	}
	if err := s.addQuestion(ctx, q); err != nil {
		return nil, err
	}
	s.pub.Publish(ctx, MeetingRoom(meetingID), "meeting.question", map[string]any{"meeting": meetingID})
	return q, nil
}

func (s *Service) addQuestion(ctx context.Context, q *Question) error {
	for tries := 0; ; tries++ {
		list, err := s.store.ListQuestions(ctx, q.MeetingID)
		if err != nil {
			return err
		}
		for _, o := range list {
			if o.ID == q.ID {
				return nil // sent before
			}
		}
		q.Seq = int64(len(list)) + 1
		err = s.store.AddQuestion(ctx, q)
		if err == nil || !errors.Is(err, fault.ErrConflict) || tries > 50 {
			return err
		}
	}
}

// ModerateQuestion approves or declines a waiting question; the chair and
// the facilitators of the group's forums may.
func (s *Service) ModerateQuestion(ctx context.Context, by *account.Principal, questionID string, to QuestionStatus) error {
	q, mc, err := s.questionFor(ctx, by, questionID)
	if err != nil {
		return err
	}
	if !mc.seat.Moderates() {
		return ErrForbidden
	}
	if to != QuestionApproved && to != QuestionDeclined {
		return ErrActionStatus
	}
	if q.Status == to {
		return nil
	}
	if err := s.store.SetQuestionStatus(ctx, q.ID, to); err != nil {
		return err
	}
	s.pub.Publish(ctx, MeetingRoom(q.MeetingID), "meeting.question", map[string]any{"meeting": q.MeetingID})
	return s.record(ctx, by, "quiet."+string(to), "meeting:"+q.MeetingID, mc.seat.Group, q.ID)
}

func (s *Service) questionFor(ctx context.Context, p *account.Principal, id string) (*Question, *meetingAccess, error) {
	q, err := s.store.FindQuestion(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	mc, err := s.meetingFor(ctx, p, q.MeetingID, "")
	if err != nil {
		return nil, nil, err
	}
	return q, mc, nil
}

// SupportQuestion adds the viewer's support to an approved question: a
// signed-in person once, a visitor (by the meeting's link) once per device.
func (s *Service) SupportQuestion(ctx context.Context, p *account.Principal, questionID, linkKey, deviceKey string) error {
	q, err := s.store.FindQuestion(ctx, questionID)
	if err != nil {
		return err
	}
	if _, err := s.meetingFor(ctx, p, q.MeetingID, linkKey); err != nil {
		return err
	}
	if q.Status != QuestionApproved {
		return ErrQuietClosed
	}
	key := ""
	switch {
	case p != nil:
		key = "u:" + p.User.ID
	case deviceKey != "":
		key = "d:" + deviceKey
	default:
		return ErrSignInRequired
	}
	if err := s.store.AddQuestionSupport(ctx, q.ID, key); err != nil && !errors.Is(err, fault.ErrConflict) {
		return err
	}
	s.pub.Publish(ctx, MeetingRoom(q.MeetingID), "meeting.question", map[string]any{"meeting": q.MeetingID})
	return nil
}

// TakeQuestion turns an approved question into a new agenda item, or an
// entry in the meeting's draft minutes; the chair may.
func (s *Service) TakeQuestion(ctx context.Context, by *account.Principal, questionID string, toMinutes bool, heading string) error {
	q, mc, err := s.questionFor(ctx, by, questionID)
	if err != nil {
		return err
	}
	if !mc.seat.Chairs() {
		return ErrForbidden
	}
	if q.Status == QuestionTaken {
		return nil
	}
	if q.Status != QuestionApproved {
		return ErrQuietClosed
	}
	if toMinutes {
		mn, err := s.minutes(ctx, mc.meeting.ID)
		if err != nil {
			return err
		}
		if !mn.Published.IsZero() {
			return ErrMinutesPublished
		}
		mn.Text = clean(mn.Text + "\n\n" + heading + "\n\n> " + q.Text)
		mn.UpdatedAt = s.now()
		if err := s.store.SaveMinutes(ctx, mn); err != nil {
			return err
		}
	} else {
		title := q.Text
		if r := []rune(title); len(r) > 200 {
			title = string(r[:199]) + "…"
		}
		items, err := s.store.ListItems(ctx, mc.meeting.ID)
		if err != nil {
			return err
		}
		it := &Item{ID: secret.HashToken("quiet|" + q.ID)[:16], MeetingID: mc.meeting.ID, Kind: ItemQuiet, Title: title,
			Notes: q.Text, Order: len(items) + 1, CreatedAt: s.now()}
		for _, o := range items {
			it.Order = max(it.Order, o.Order+1)
		}
		if err := s.store.AddItem(ctx, it); err != nil && !errors.Is(err, fault.ErrConflict) {
			return err
		}
	}
	if err := s.store.SetQuestionStatus(ctx, q.ID, QuestionTaken); err != nil {
		return err
	}
	s.changed(ctx, mc.meeting, "meeting.agenda")
	return s.record(ctx, by, "quiet.taken", "meeting:"+q.MeetingID, mc.seat.Group, q.ID)
}
