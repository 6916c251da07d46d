package account

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"chorus/internal/fault"
	"chorus/internal/secret"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// Step says what a person must do after their password was accepted.
type Step int

// Sign-in steps.
const (
	StepDone     Step = iota // start a session
	StepTOTP                 // enter a code from their authenticator
	StepEnrolMFA             // their role requires MFA: set it up first
)

// SignIn checks an email and password. It throttles failures per account in
// the store (shared by every instance) and never says whether an account
// exists: unknown, disabled and wrong-password all give ErrBadCredentials.
func (s *Service) SignIn(ctx context.Context, email, password string) (*User, Step, error) {
	email = NormalizeEmail(email)
	key := "login:" + secret.HashToken(email)
	since := s.now().Add(-s.settings.LoginWindow)
	failures, err := s.store.CountAttempts(ctx, key, since)
	if err != nil {
		return nil, 0, err
	}
	if failures >= s.settings.LoginFailures {
		return nil, 0, ErrThrottled
	}
	u, err := s.store.FindUserByEmail(ctx, email)
	if err != nil && !errors.Is(err, fault.ErrNotFound) {
		return nil, 0, err
	}
	ok := false
	if u == nil {
		secret.DummyCheck(password) // same time whether or not the account exists
	} else if ok, err = secret.CheckPassword(u.PasswordHash, password); err != nil {
		return nil, 0, err
	}
	if !ok || u.Disabled {
		if err := s.store.AddAttempt(ctx, key, s.now()); err != nil {
			return nil, 0, err
		}
		return nil, 0, ErrBadCredentials
	}
	if err := s.store.ClearAttempts(ctx, key); err != nil {
		return nil, 0, err
	}
	step, err := s.nextStep(ctx, u)
	return u, step, err
}

func (s *Service) nextStep(ctx context.Context, u *User) (Step, error) {
	if u.HasMFA() {
		return StepTOTP, nil
	}
	grants, err := s.store.ListGrants(ctx, u.ID)
	if err != nil {
		return 0, err
	}
	if need, err := s.mustHaveMFA(ctx, u.ID, grants); err != nil || need {
		return StepEnrolMFA, err
	}
	return StepDone, nil
}

// CheckTOTP verifies a code from the person's authenticator. A code is
// accepted once (a replayed code fails) and failures are throttled like
// passwords.
func (s *Service) CheckTOTP(ctx context.Context, userID, code string) error {
	u, err := s.activeUser(ctx, userID)
	if err != nil {
		return err
	}
	if !u.HasMFA() {
		return ErrBadCode
	}
	return s.useCode(ctx, u, u.TOTPSecret, code)
}

// useCode accepts code for secret once, within one 30-second step either side.
func (s *Service) useCode(ctx context.Context, u *User, key, code string) error {
	attempts := "totp:" + u.ID
	since := s.now().Add(-s.settings.LoginWindow)
	n, err := s.store.CountAttempts(ctx, attempts, since)
	if err != nil {
		return err
	}
	if n >= s.settings.LoginFailures {
		return ErrThrottled
	}
	code = strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, code)
	now := s.now()
	for _, skew := range []time.Duration{0, -30 * time.Second, 30 * time.Second} {
		at := now.Add(skew)
		want, err := totp.GenerateCodeCustom(key, at, totpOpts)
		if err != nil {
			return fault.New(fault.Invalid, "account.error.bad_code").Wrap(err)
		}
		if code != want {
			continue
		}
		step := at.Unix() / 30
		err = s.store.AddClaim(ctx, Claim{Key: fmt.Sprintf("totp:%s:%d", u.ID, step), By: u.ID, At: now})
		if errors.Is(err, fault.ErrConflict) {
			break // replayed
		}
		if err != nil {
			return err
		}
		return s.store.ClearAttempts(ctx, attempts)
	}
	if err := s.store.AddAttempt(ctx, attempts, now); err != nil {
		return err
	}
	return ErrBadCode
}

var totpOpts = totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// NewTOTPKey makes a new authenticator secret for a person to scan or type.
func (s *Service) NewTOTPKey(u *User) (*otp.Key, error) {
	return totp.Generate(totp.GenerateOpts{Issuer: "Chorus", AccountName: u.Email, Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
}

// EnableTOTP saves an authenticator secret once the person proves they have
// it with a current code.
func (s *Service) EnableTOTP(ctx context.Context, userID, key, code string) error {
	u, err := s.activeUser(ctx, userID)
	if err != nil {
		return err
	}
	key = strings.ToUpper(strings.TrimSpace(key))
	if len(key) < 16 {
		return ErrBadCode
	}
	if err := s.useCode(ctx, u, key, code); err != nil {
		return err
	}
	u.TOTPSecret = key
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return err
	}
	return s.record(ctx, &Principal{User: u}, "user.mfa_enable", "user:"+u.ID, Scope{}, "")
}

// DisableTOTP turns multi-factor sign-in off, where the person's roles allow it.
func (s *Service) DisableTOTP(ctx context.Context, p *Principal, password string) error {
	if need, err := s.mustHaveMFA(ctx, p.User.ID, p.Grants); err != nil {
		return err
	} else if need {
		return ErrMFARequired
	}
	ok, err := secret.CheckPassword(p.User.PasswordHash, password)
	if err != nil {
		return err
	}
	if !ok {
		return ErrBadCredentials
	}
	p.User.TOTPSecret = ""
	if err := s.store.UpdateUser(ctx, p.User); err != nil {
		return err
	}
	return s.record(ctx, p, "user.mfa_disable", "user:"+p.User.ID, Scope{}, "")
}

// PendingUser returns a person part-way through signing in, if their account
// can still sign in.
func (s *Service) PendingUser(ctx context.Context, id string) (*User, error) {
	return s.activeUser(ctx, id)
}

func (s *Service) activeUser(ctx context.Context, id string) (*User, error) {
	u, err := s.store.FindUserByID(ctx, id)
	if errors.Is(err, fault.ErrNotFound) {
		return nil, ErrSessionEnded
	}
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, ErrSessionEnded
	}
	return u, nil
}

// StartSession opens a session for a person who completed sign-in and returns
// the session token for the cookie. Only its hash is stored.
func (s *Service) StartSession(ctx context.Context, userID string) (string, error) {
	if _, err := s.activeUser(ctx, userID); err != nil {
		return "", err
	}
	token := secret.NewToken()
	now := s.now()
	if err := s.store.CreateSession(ctx, &Session{IDHash: secret.HashToken(token), UserID: userID, CreatedAt: now, LastSeenAt: now}); err != nil {
		return "", err
	}
	return token, nil
}

// touchEvery limits how often a session's last-seen time is written.
const touchEvery = time.Minute

// Authenticate returns the person a session token belongs to, ending the
// session when it has been idle or alive too long. ErrSessionEnded otherwise.
func (s *Service) Authenticate(ctx context.Context, token string) (*Principal, error) {
	if token == "" {
		return nil, ErrSessionEnded
	}
	hash := secret.HashToken(token)
	sess, err := s.store.FindSession(ctx, hash)
	if errors.Is(err, fault.ErrNotFound) {
		return nil, ErrSessionEnded
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if now.Sub(sess.LastSeenAt) > s.settings.SessionIdle || now.Sub(sess.CreatedAt) > s.settings.SessionAbsolute {
		return nil, errors.Join(ErrSessionEnded, s.store.DeleteSession(ctx, hash))
	}
	u, err := s.activeUser(ctx, sess.UserID)
	if err != nil {
		return nil, errors.Join(err, s.store.DeleteSession(ctx, hash))
	}
	grants, err := s.store.ListGrants(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if now.Sub(sess.LastSeenAt) > touchEvery {
		if err := s.store.TouchSession(ctx, hash, now); err != nil && !errors.Is(err, fault.ErrNotFound) {
			return nil, err
		}
		sess.LastSeenAt = now
	}
	return &Principal{User: u, Grants: grants, Session: sess}, nil
}

// SignOut ends the session a token belongs to.
func (s *Service) SignOut(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return s.store.DeleteSession(ctx, secret.HashToken(token))
}

// ChangePassword sets a new password for the signed-in person, after checking
// the current one, and ends their other sessions.
func (s *Service) ChangePassword(ctx context.Context, p *Principal, current, next, next2 string) error {
	ok, err := secret.CheckPassword(p.User.PasswordHash, current)
	if err != nil {
		return err
	}
	if !ok {
		return fault.InvalidField("current", "account.error.bad_password")
	}
	if err := ValidatePassword(next); err != nil {
		return err
	}
	if next != next2 {
		return ErrPasswordMatch
	}
	p.User.PasswordHash = secret.HashPassword(next)
	if err := s.store.UpdateUser(ctx, p.User); err != nil {
		return err
	}
	if err := s.store.DeleteUserSessions(ctx, p.User.ID); err != nil {
		return err
	}
	return s.record(ctx, p, "user.password_change", "user:"+p.User.ID, Scope{}, "")
}
