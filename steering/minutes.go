package steering

import (
	"context"
	"errors"

	"chorus/account"
	"chorus/internal/fault"
)

// minutes returns a meeting's minutes, or empty ones.
func (s *Service) minutes(ctx context.Context, meetingID string) (*Minutes, error) {
	mn, err := s.store.FindMinutes(ctx, meetingID)
	if errors.Is(err, fault.ErrNotFound) {
		return &Minutes{MeetingID: meetingID}, nil
	}
	return mn, err
}

// SaveMinutes replaces the draft minutes; the chair may, until they are
// published. Any sign-off already given is withdrawn: it was for other words.
func (s *Service) SaveMinutes(ctx context.Context, by *account.Principal, meetingID, text string) error {
	mc, err := s.chairing(ctx, by, meetingID)
	if err != nil {
		return err
	}
	text = clean(text)
	if runes(text) > MaxMinutes {
		return ErrMinutesLong
	}
	mn, err := s.minutes(ctx, meetingID)
	if err != nil {
		return err
	}
	if !mn.Published.IsZero() {
		return ErrMinutesPublished
	}
	if mn.Text == text {
		return nil
	}
	mn.Text, mn.ChairID, mn.ParentRepID, mn.UpdatedAt = text, "", "", s.now()
	if err := s.store.SaveMinutes(ctx, mn); err != nil {
		return err
	}
	return s.record(ctx, by, "minutes.save", "meeting:"+meetingID, mc.seat.Group, "")
}

// SignMinutes records a sign-off of the draft minutes: the chair signs as
// chair, a parent carer representative as parent representative.
func (s *Service) SignMinutes(ctx context.Context, by *account.Principal, meetingID string) error {
	mc, err := s.meetingFor(ctx, by, meetingID, "")
	if err != nil {
		return err
	}
	if !mc.seat.Represents() && !mc.seat.Chairs() {
		return ErrForbidden
	}
	mn, err := s.minutes(ctx, meetingID)
	if err != nil {
		return err
	}
	if !mn.Published.IsZero() {
		return ErrMinutesPublished
	}
	if mn.Text == "" {
		return ErrMinutesUnsigned
	}
	if mc.seat.Represents() {
		mn.ParentRepID = by.User.ID
	} else {
		mn.ChairID = by.User.ID
	}
	if err := s.store.SaveMinutes(ctx, mn); err != nil {
		return err
	}
	return s.record(ctx, by, "minutes.sign", "meeting:"+meetingID, mc.seat.Group, "")
}

// PublishMinutes publishes signed minutes; the chair may. From then on they
// change only by a visible amendment.
func (s *Service) PublishMinutes(ctx context.Context, by *account.Principal, meetingID string) error {
	mc, err := s.chairing(ctx, by, meetingID)
	if err != nil {
		return err
	}
	mn, err := s.minutes(ctx, meetingID)
	if err != nil {
		return err
	}
	if !mn.Published.IsZero() {
		return nil
	}
	if !mn.Signed() {
		return ErrMinutesUnsigned
	}
	mn.Published = s.now()
	if err := s.store.SaveMinutes(ctx, mn); err != nil {
		return err
	}
	s.changed(ctx, mc.meeting, "meeting.minutes")
	return s.record(ctx, by, "minutes.publish", "meeting:"+meetingID, mc.seat.Group, "")
}

// AmendMinutes adds a visible amendment to published minutes; the chair may.
func (s *Service) AmendMinutes(ctx context.Context, by *account.Principal, meetingID, text string) error {
	mc, err := s.chairing(ctx, by, meetingID)
	if err != nil {
		return err
	}
	text = clean(text)
	switch {
	case text == "":
		return ErrAmendmentRequired
	case runes(text) > MaxText:
		return ErrAmendmentLong
	}
	mn, err := s.minutes(ctx, meetingID)
	if err != nil {
		return err
	}
	if mn.Published.IsZero() {
		return ErrMinutesUnsigned
	}
	mn.Amendments = append(mn.Amendments, Amendment{Text: text, ByID: by.User.ID, At: s.now()})
	if err := s.store.SaveMinutes(ctx, mn); err != nil {
		return err
	}
	s.changed(ctx, mc.meeting, "meeting.minutes")
	return s.record(ctx, by, "minutes.amend", "meeting:"+meetingID, mc.seat.Group, "")
}
