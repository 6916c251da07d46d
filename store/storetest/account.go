package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"chorus/account"
	"chorus/internal/fault"
	"chorus/internal/secret"
)

// now is a fixed instant with sub-millisecond parts: every adapter must
// round-trip times to at least the millisecond (truncating the rest).
var now = time.Date(2026, 11, 23, 10, 30, 15, 123456789, time.UTC)

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("err = %v; want %v", err, want)
	}
}

// race runs n calls of fn at once and returns how many succeeded; any error
// but ErrConflict (the unique key deciding) fails the test.
func race(t *testing.T, n int, fn func(i int) error) int {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = fn(i)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, fault.ErrConflict):
			t.Fatalf("unexpected error %v", err)
		}
	}
	return ok
}

func sameTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want.Truncate(time.Millisecond)) {
		t.Fatalf("%s = %v; want %v", what, got, want)
	}
}

func newUser(email string) *account.User {
	return &account.User{ID: secret.NewID(), Email: email, Name: "Name of " + email, PasswordHash: "$argon2id$x", CreatedAt: now}
}

func testUsers(t *testing.T, open Opener) {
	t.Run("CreateFind", func(t *testing.T) {
		s, ctx := open(t), ctxFor(t)
		u := newUser("amina@example.org")
		must(t, s.CreateUser(ctx, u))
		got, err := s.FindUserByID(ctx, u.ID)
		must(t, err)
		if got.Email != u.Email || got.Name != u.Name || got.PasswordHash != u.PasswordHash || got.Disabled || got.TOTPSecret != "" {
			t.Fatalf("got %+v; want %+v", got, u)
		}
		sameTime(t, "CreatedAt", got.CreatedAt, now)
		byEmail, err := s.FindUserByEmail(ctx, "amina@example.org")
		must(t, err)
		if byEmail.ID != u.ID {
			t.Fatalf("FindUserByEmail found %q; want %q", byEmail.ID, u.ID)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		s, ctx := open(t), ctxFor(t)
		_, err := s.FindUserByID(ctx, "nope")
		wantErr(t, err, fault.ErrNotFound)
		_, err = s.FindUserByEmail(ctx, "nobody@example.org")
		wantErr(t, err, fault.ErrNotFound)
		wantErr(t, s.UpdateUser(ctx, newUser("x@example.org")), fault.ErrNotFound)
		wantErr(t, s.DeleteUser(ctx, "nope"), fault.ErrNotFound)
	})
	t.Run("ErrConflictEmail", func(t *testing.T) {
		s, ctx := open(t), ctxFor(t)
		must(t, s.CreateUser(ctx, newUser("same@example.org")))
		wantErr(t, s.CreateUser(ctx, newUser("same@example.org")), fault.ErrConflict)
	})
	t.Run("ConcurrentSameEmail", func(t *testing.T) {
		s, ctx := open(t), ctxFor(t)
		const n = 16
		created := race(t, n, func(int) error { return s.CreateUser(ctx, newUser("race@example.org")) })
		if created != 1 {
			t.Fatalf("%d users created with one email; want 1", created)
		}
	})
	t.Run("UpdateDelete", func(t *testing.T) {
		s, ctx := open(t), ctxFor(t)
		u := newUser("jo@example.org")
		must(t, s.CreateUser(ctx, u))
		u.Name, u.PasswordHash, u.TOTPSecret, u.Disabled = "Jo", "$argon2id$new", "JBSWY3DPEHPK3PXP", true
		must(t, s.UpdateUser(ctx, u))
		got, err := s.FindUserByID(ctx, u.ID)
		must(t, err)
		if got.Name != "Jo" || got.PasswordHash != "$argon2id$new" || got.TOTPSecret != "JBSWY3DPEHPK3PXP" || !got.Disabled {
			t.Fatalf("update not kept: %+v", got)
		}
		must(t, s.DeleteUser(ctx, u.ID))
		_, err = s.FindUserByID(ctx, u.ID)
		wantErr(t, err, fault.ErrNotFound)
	})
	t.Run("List", func(t *testing.T) {
		s, ctx := open(t), ctxFor(t)
		for _, e := range []string{"c@example.org", "a@example.org", "b@example.org"} {
			must(t, s.CreateUser(ctx, newUser(e)))
		}
		us, err := s.ListUsers(ctx)
		must(t, err)
		if len(us) != 3 || us[0].Email != "a@example.org" || us[2].Email != "c@example.org" {
			t.Fatalf("ListUsers order wrong: %v", emails(us))
		}
	})
}

func emails(us []*account.User) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.Email)
	}
	return out
}

func testGrants(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	admin := account.Grant{UserID: "u1", Role: account.RoleAdmin, Scope: account.Installation, CreatedAt: now}
	orgA := account.Grant{UserID: "u1", Role: account.RoleOrgAdmin, Scope: account.OrganisationScope("org-a"), CreatedAt: now}
	orgB := account.Grant{UserID: "u2", Role: account.RoleOrgAdmin, Scope: account.OrganisationScope("org-b"), CreatedAt: now}
	for _, g := range []account.Grant{orgA, admin, orgB} {
		must(t, s.AddGrant(ctx, g))
	}
	wantErr(t, s.AddGrant(ctx, admin), fault.ErrConflict)

	gs, err := s.ListGrants(ctx, "u1")
	must(t, err)
	if len(gs) != 2 || gs[0].Role != account.RoleAdmin || gs[1].Scope != orgA.Scope {
		t.Fatalf("ListGrants = %+v", gs)
	}
	sameTime(t, "grant CreatedAt", gs[0].CreatedAt, now)
	byRole, err := s.ListGrantsByRole(ctx, account.RoleOrgAdmin)
	must(t, err)
	if len(byRole) != 2 {
		t.Fatalf("ListGrantsByRole = %+v; want 2", byRole)
	}
	must(t, s.RemoveGrant(ctx, orgA))
	wantErr(t, s.RemoveGrant(ctx, orgA), fault.ErrNotFound)
	gs, err = s.ListGrants(ctx, "u1")
	must(t, err)
	if len(gs) != 1 {
		t.Fatalf("after remove ListGrants = %+v", gs)
	}
	none, err := s.ListGrants(ctx, "nobody")
	must(t, err)
	if len(none) != 0 {
		t.Fatalf("grants for nobody = %+v", none)
	}
}

func testOrganisations(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	b := &account.Organisation{ID: secret.NewID(), Name: "Leicester, Leicestershire & Rutland", CreatedAt: now}
	a := &account.Organisation{ID: secret.NewID(), Name: "Bristol", CreatedAt: now}
	must(t, s.CreateOrganisation(ctx, b))
	must(t, s.CreateOrganisation(ctx, a))
	got, err := s.FindOrganisation(ctx, b.ID)
	must(t, err)
	if got.Name != b.Name {
		t.Fatalf("FindOrganisation = %+v", got)
	}
	_, err = s.FindOrganisation(ctx, "nope")
	wantErr(t, err, fault.ErrNotFound)
	all, err := s.ListOrganisations(ctx)
	must(t, err)
	if len(all) != 2 || all[0].Name != "Bristol" {
		t.Fatalf("ListOrganisations = %+v", all)
	}
}

func testSessions(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	s1 := &account.Session{IDHash: secret.HashToken("one"), UserID: "u1", CreatedAt: now, LastSeenAt: now}
	s2 := &account.Session{IDHash: secret.HashToken("two"), UserID: "u1", CreatedAt: now, LastSeenAt: now}
	s3 := &account.Session{IDHash: secret.HashToken("three"), UserID: "u2", CreatedAt: now, LastSeenAt: now}
	for _, x := range []*account.Session{s1, s2, s3} {
		must(t, s.CreateSession(ctx, x))
	}
	later := now.Add(time.Hour)
	must(t, s.TouchSession(ctx, s1.IDHash, later))
	got, err := s.FindSession(ctx, s1.IDHash)
	must(t, err)
	if got.UserID != "u1" {
		t.Fatalf("FindSession = %+v", got)
	}
	sameTime(t, "LastSeenAt", got.LastSeenAt, later)
	sameTime(t, "CreatedAt", got.CreatedAt, now)
	wantErr(t, s.TouchSession(ctx, "missing", later), fault.ErrNotFound)

	must(t, s.DeleteSession(ctx, s3.IDHash))
	must(t, s.DeleteSession(ctx, s3.IDHash))
	_, err = s.FindSession(ctx, s3.IDHash)
	wantErr(t, err, fault.ErrNotFound)

	must(t, s.DeleteUserSessions(ctx, "u1"))
	for _, x := range []*account.Session{s1, s2} {
		_, err = s.FindSession(ctx, x.IDHash)
		wantErr(t, err, fault.ErrNotFound)
	}
}

func testInvitations(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	older := &account.Invitation{ID: secret.NewID(), TokenHash: secret.HashToken("a"), Role: account.RoleAdmin, Scope: account.Installation,
		Note: "for Sam", CreatedBy: "u1", CreatedAt: now, ExpiresAt: now.Add(72 * time.Hour)}
	newer := &account.Invitation{ID: secret.NewID(), TokenHash: secret.HashToken("b"), Role: account.RoleOrgAdmin, Scope: account.OrganisationScope("org-a"),
		CreatedBy: "u1", CreatedAt: now.Add(time.Minute), ExpiresAt: now.Add(72 * time.Hour)}
	must(t, s.CreateInvitation(ctx, older))
	must(t, s.CreateInvitation(ctx, newer))

	got, err := s.FindInvitationByToken(ctx, older.TokenHash)
	must(t, err)
	if got.ID != older.ID || got.Role != account.RoleAdmin || got.Scope != account.Installation || got.Note != "for Sam" || got.CreatedBy != "u1" || !got.RevokedAt.IsZero() {
		t.Fatalf("FindInvitationByToken = %+v", got)
	}
	sameTime(t, "ExpiresAt", got.ExpiresAt, older.ExpiresAt)
	byID, err := s.FindInvitation(ctx, newer.ID)
	must(t, err)
	if byID.Scope != newer.Scope {
		t.Fatalf("FindInvitation scope = %+v", byID.Scope)
	}
	_, err = s.FindInvitationByToken(ctx, "missing")
	wantErr(t, err, fault.ErrNotFound)

	list, err := s.ListInvitations(ctx)
	must(t, err)
	if len(list) != 2 || list[0].ID != newer.ID {
		t.Fatalf("ListInvitations not newest first: %+v", list)
	}
	revoked := now.Add(2 * time.Hour)
	must(t, s.RevokeInvitation(ctx, older.ID, revoked))
	got, err = s.FindInvitation(ctx, older.ID)
	must(t, err)
	sameTime(t, "RevokedAt", got.RevokedAt, revoked)
	wantErr(t, s.RevokeInvitation(ctx, "missing", revoked), fault.ErrNotFound)
}

func testResets(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	r := &account.Reset{ID: secret.NewID(), TokenHash: secret.HashToken("r"), UserID: "u2", CreatedBy: "u1", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	must(t, s.CreateReset(ctx, r))
	got, err := s.FindResetByToken(ctx, r.TokenHash)
	must(t, err)
	if got.ID != r.ID || got.UserID != "u2" || got.CreatedBy != "u1" {
		t.Fatalf("FindResetByToken = %+v", got)
	}
	sameTime(t, "ExpiresAt", got.ExpiresAt, r.ExpiresAt)
	_, err = s.FindResetByToken(ctx, "missing")
	wantErr(t, err, fault.ErrNotFound)
}

func testClaims(t *testing.T, open Opener) {
	t.Run("OK", func(t *testing.T) {
		s, ctx := open(t), ctxFor(t)
		must(t, s.AddClaim(ctx, account.Claim{Key: "invitation:1", By: "u1", At: now}))
		wantErr(t, s.AddClaim(ctx, account.Claim{Key: "invitation:1", By: "u2", At: now}), fault.ErrConflict)
		c, err := s.FindClaim(ctx, "invitation:1")
		must(t, err)
		if c.By != "u1" {
			t.Fatalf("claim by %q; want u1", c.By)
		}
		sameTime(t, "claim At", c.At, now)
		must(t, s.DeleteClaim(ctx, "invitation:1"))
		must(t, s.DeleteClaim(ctx, "invitation:1"))
		_, err = s.FindClaim(ctx, "invitation:1")
		wantErr(t, err, fault.ErrNotFound)
	})
	t.Run("ConcurrentOneWinner", func(t *testing.T) {
		s, ctx := open(t), ctxFor(t)
		const n = 32
		wins := race(t, n, func(i int) error { return s.AddClaim(ctx, account.Claim{Key: "setup", By: fmt.Sprint(i), At: now}) })
		if wins != 1 {
			t.Fatalf("%d claims won; want exactly 1", wins)
		}
	})
}

func testAttempts(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	const n = 24
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.AddAttempt(ctx, "login:a", now.Add(time.Duration(i)*time.Second)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	must(t, s.AddAttempt(ctx, "login:b", now))
	got, err := s.CountAttempts(ctx, "login:a", now)
	must(t, err)
	if got != n {
		t.Fatalf("CountAttempts = %d; want %d (concurrent attempts lost)", got, n)
	}
	got, err = s.CountAttempts(ctx, "login:a", now.Add(20*time.Second))
	must(t, err)
	if got != 4 {
		t.Fatalf("CountAttempts since +20s = %d; want 4", got)
	}
	must(t, s.ClearAttempts(ctx, "login:a"))
	got, err = s.CountAttempts(ctx, "login:a", now)
	must(t, err)
	if got != 0 {
		t.Fatalf("after ClearAttempts count = %d", got)
	}
	got, err = s.CountAttempts(ctx, "login:b", now)
	must(t, err)
	if got != 1 {
		t.Fatalf("other key's attempts = %d; want 1", got)
	}
}
