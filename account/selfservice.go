package account

import (
	"context"
	"errors"
	"time"

	"chorus/internal/fault"
	"chorus/internal/secret"
)

// Self-service password resets: a link sent by email lives an hour, and one
// address gets at most SelfResetPerHour links an hour, so a stranger cannot
// flood a person's inbox.
const (
	SelfResetTTL     = time.Hour
	SelfResetPerHour = 3
)

// RequestReset makes a single-use, time-limited password-reset link for the
// person with an email address, for the caller to send to that address. It
// returns a nil user, and no error, when there is no such active account or
// the address has had enough links this hour: the caller answers alike
// either way, so nobody learns whether an address has an account.
func (s *Service) RequestReset(ctx context.Context, email string) (*User, string, error) {
	email = NormalizeEmail(email)
	if ValidateEmail(email) != nil {
		return nil, "", nil
	}
	u, err := s.store.FindUserByEmail(ctx, email)
	if errors.Is(err, fault.ErrNotFound) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	if u.Disabled {
		return nil, "", nil
	}
	key := "reset-request:" + u.ID
	now := s.now()
	n, err := s.store.CountAttempts(ctx, key, now.Add(-time.Hour))
	if err != nil {
		return nil, "", err
	}
	if n >= SelfResetPerHour {
		return nil, "", nil
	}
	if err := s.store.AddAttempt(ctx, key, now); err != nil {
		return nil, "", err
	}
	token := secret.NewToken()
	r := &Reset{ID: secret.NewID(), TokenHash: secret.HashToken(token), UserID: u.ID, CreatedBy: u.ID, CreatedAt: now,
		ExpiresAt: now.Add(min(SelfResetTTL, s.settings.ResetTTL))}
	if err := s.store.CreateReset(ctx, r); err != nil {
		return nil, "", err
	}
	return u, token, s.record(ctx, &Principal{User: u}, "user.reset_request", "user:"+u.ID, Scope{}, "")
}

// SetLanguage remembers the language a person chose, for what Chorus sends
// them. An unchanged language writes nothing.
func (s *Service) SetLanguage(ctx context.Context, p *Principal, tag string) error {
	if p == nil {
		return ErrForbidden
	}
	u, err := s.store.FindUserByID(ctx, p.User.ID)
	if err != nil {
		return err
	}
	if u.Language == tag {
		return nil
	}
	u.Language = tag
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return err
	}
	p.User.Language = tag
	return nil
}
