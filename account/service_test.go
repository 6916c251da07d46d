package account_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"chorus/account"
	"chorus/audit"
	"chorus/store/sqlite"

	"github.com/pquerna/otp/totp"
)

// clock is a settable time for rules that depend on it.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newService(t *testing.T) (*account.Service, *clock, *account.Principal) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clk := &clock{now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	s := account.NewService(db, audit.NewLog(db, clk.Now), clk.Now, account.DefaultSettings)
	u, err := s.AddUser(context.Background(), nil, account.NewUser{Email: "ada@example.org", Name: "Ada", Password: "long enough pw"}, account.RoleAdmin, account.Installation)
	if err != nil {
		t.Fatal(err)
	}
	return s, clk, &account.Principal{User: u, Grants: []account.Grant{{UserID: u.ID, Role: account.RoleAdmin, Scope: account.Installation}}}
}

func TestSessionTimeouts(t *testing.T) {
	ctx := context.Background()
	t.Run("Idle", func(t *testing.T) {
		s, clk, admin := newService(t)
		tok, err := s.StartSession(ctx, admin.User.ID)
		if err != nil {
			t.Fatal(err)
		}
		clk.Advance(account.DefaultSettings.SessionIdle - time.Minute)
		if _, err := s.Authenticate(ctx, tok); err != nil {
			t.Fatalf("active session refused: %v", err)
		}
		clk.Advance(account.DefaultSettings.SessionIdle + time.Minute)
		if _, err := s.Authenticate(ctx, tok); !errors.Is(err, account.ErrSessionEnded) {
			t.Fatalf("idle session: %v; want ErrSessionEnded", err)
		}
	})
	t.Run("Absolute", func(t *testing.T) {
		s, clk, admin := newService(t)
		tok, err := s.StartSession(ctx, admin.User.ID)
		if err != nil {
			t.Fatal(err)
		}
		for elapsed := time.Duration(0); elapsed < account.DefaultSettings.SessionAbsolute; elapsed += time.Hour {
			clk.Advance(time.Hour) // used every hour: never idle
			if _, err := s.Authenticate(ctx, tok); err != nil {
				if elapsed+time.Hour > account.DefaultSettings.SessionAbsolute {
					return
				}
				t.Fatalf("session ended after %v: %v", elapsed+time.Hour, err)
			}
		}
		clk.Advance(time.Hour)
		if _, err := s.Authenticate(ctx, tok); !errors.Is(err, account.ErrSessionEnded) {
			t.Fatalf("session older than the absolute limit: %v", err)
		}
	})
}

func TestInvitationExpiresAndRevokes(t *testing.T) {
	ctx := context.Background()
	s, clk, admin := newService(t)
	_, expiring, err := s.CreateInvitation(ctx, admin, account.RoleAdmin, account.Installation, "")
	if err != nil {
		t.Fatal(err)
	}
	inv, revoked, err := s.CreateInvitation(ctx, admin, account.RoleAdmin, account.Installation, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeInvitation(ctx, admin, inv.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.OpenInvitation(ctx, revoked); !errors.Is(err, account.ErrInvitationGone) {
		t.Fatalf("revoked invitation: %v", err)
	}
	if err := s.RevokeInvitation(ctx, admin, inv.ID); !errors.Is(err, account.ErrInvitationGone) {
		t.Fatalf("revoking twice: %v", err)
	}
	clk.Advance(account.DefaultSettings.InvitationTTL + time.Second)
	if _, err := s.OpenInvitation(ctx, expiring); !errors.Is(err, account.ErrInvitationGone) {
		t.Fatalf("expired invitation: %v", err)
	}
}

func TestResetExpires(t *testing.T) {
	ctx := context.Background()
	s, clk, admin := newService(t)
	tok, err := s.CreateReset(ctx, admin, admin.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(account.DefaultSettings.ResetTTL + time.Second)
	if _, err := s.UseReset(ctx, tok, "new password!", "new password!"); !errors.Is(err, account.ErrResetGone) {
		t.Fatalf("expired reset: %v", err)
	}
}

func TestTOTPCodeWorksOnce(t *testing.T) {
	ctx := context.Background()
	s, clk, admin := newService(t)
	key, err := s.NewTOTPKey(admin.User)
	if err != nil {
		t.Fatal(err)
	}
	code, err := totp.GenerateCode(key.Secret(), clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EnableTOTP(ctx, admin.User.ID, key.Secret(), code); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckTOTP(ctx, admin.User.ID, code); !errors.Is(err, account.ErrBadCode) {
		t.Fatalf("a replayed code: %v; want ErrBadCode", err)
	}
	clk.Advance(30 * time.Second)
	next, _ := totp.GenerateCode(key.Secret(), clk.Now())
	if err := s.CheckTOTP(ctx, admin.User.ID, next); err != nil {
		t.Fatalf("the next code: %v", err)
	}
	clk.Advance(10 * time.Minute)
	stale, _ := totp.GenerateCode(key.Secret(), clk.Now().Add(-5*time.Minute))
	if err := s.CheckTOTP(ctx, admin.User.ID, stale); !errors.Is(err, account.ErrBadCode) {
		t.Fatalf("a five-minute-old code: %v", err)
	}
}

func TestSignInThrottleLiftsAfterWindow(t *testing.T) {
	ctx := context.Background()
	s, clk, _ := newService(t)
	for range account.DefaultSettings.LoginFailures {
		if _, _, err := s.SignIn(ctx, "ada@example.org", "wrong password"); !errors.Is(err, account.ErrBadCredentials) {
			t.Fatal(err)
		}
	}
	if _, _, err := s.SignIn(ctx, "ada@example.org", "long enough pw"); !errors.Is(err, account.ErrThrottled) {
		t.Fatalf("right password while throttled: %v; want ErrThrottled", err)
	}
	clk.Advance(account.DefaultSettings.LoginWindow + time.Second)
	if _, _, err := s.SignIn(ctx, "ada@example.org", "long enough pw"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}
