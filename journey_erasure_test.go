package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"chorus/account"
	"chorus/internal/testenv/browser"
)

// TestErasureJourney, in a real browser without JavaScript (every form is
// a plain POST), checked with axe at each step: Grace, whose earlier
// request was refused with a reason, reads it and asks again (first
// forgetting the box, which keeps her on the page with a clear message);
// the administrator's page lists her and Dan's open requests and the
// handled one; a refusal without a reason is refused; Dan's request is
// carried out, and Dan can no longer sign in.
func TestErasureJourney(t *testing.T) {
	dir := t.TempDir()
	seedAll(t, dir)
	ctx := context.Background()
	a := openApp(t, "--data-dir", dir)
	people := map[string]*account.Principal{}
	for _, email := range []string{"dan@example.org", "grace@example.org", "ada@example.org"} {
		u, err := a.store.FindUserByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		grants, err := a.store.ListGrants(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		people[email] = &account.Principal{User: u, Grants: grants}
	}
	dan, err := a.accounts.RequestErasure(ctx, people["dan@example.org"], true)
	if err != nil {
		t.Fatal(err)
	}
	refused, err := a.accounts.RequestErasure(ctx, people["grace@example.org"], true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.accounts.RefuseErasure(ctx, people["ada@example.org"], refused.ID, "Your issue is on next week's agenda; ask again after the meeting."); err != nil {
		t.Fatal(err)
	}
	a.close()

	inst := startChorus(t, dir, nil)
	b := browser.New(t, browser.WithTimeout(4*time.Minute), browser.WithoutJavaScript())
	grace := b.NewTab(t)
	quickSignIn(t, grace, inst.URL, "grace@example.org")
	visit(t, grace, inst.URL+"/account")
	submit(t, grace, `a[href="/account/erasure"]`)
	if got := browser.Text(t, grace, "main"); !strings.Contains(got, "ask again after the meeting") || !strings.Contains(got, "Refused") {
		t.Fatalf("the refusal's reason is not shown: %s", got)
	}
	if status := browser.ClickAndWait(t, grace, `form[action="/account/erasure"] button[type=submit]`); status != 400 {
		t.Fatalf("asking without the box answered %d", status)
	}
	browser.CheckAxe(t, grace)
	if got := browser.Text(t, grace, "main"); !strings.Contains(got, "Tick the box") {
		t.Fatalf("no message for the box: %s", got)
	}
	browser.Click(t, grace, "#confirm")
	submit(t, grace, `form[action="/account/erasure"] button[type=submit]`)
	if got := browser.Text(t, grace, "main"); !strings.Contains(got, "Waiting for an administrator") {
		t.Fatalf("the new request is not shown: %s", got)
	}

	admin := b.NewTab(t)
	signInTab(t, admin, inst.URL, "ada@example.org", "a long passphrase")
	enterTOTP(t, admin)
	visit(t, admin, inst.URL+"/admin/erasure")
	if got := browser.Text(t, admin, "main"); !strings.Contains(got, "dan@example.org") || !strings.Contains(got, "grace@example.org") || !strings.Contains(got, "ask again after the meeting") {
		t.Fatalf("the administrators' page: %s", got)
	}
	if status := browser.ClickAndWait(t, admin, `form[action="/admin/erasure/`+dan.ID+`/refuse"] button[type=submit]`); status != 400 {
		t.Fatalf("refusing without a reason answered %d", status)
	}
	browser.CheckAxe(t, admin)
	browser.Click(t, admin, "#confirm-"+dan.ID)
	submit(t, admin, `form[action="/admin/erasure/`+dan.ID+`/carry-out"] button[type=submit]`)
	if got := browser.Text(t, admin, "main"); !strings.Contains(got, "The person was erased.") || strings.Contains(got, "dan@example.org") {
		t.Fatalf("after carrying out: %s", got)
	}

	danTab := b.NewTab(t)
	browser.Visit(t, danTab, inst.URL+"/signin")
	browser.Fill(t, danTab, "#email", "dan@example.org")
	browser.Fill(t, danTab, "#password", "password for dan@example.org")
	if status := browser.ClickAndWait(t, danTab, "main form button[type=submit]"); status < 400 {
		t.Fatalf("Dan signed in after his erasure: %d", status)
	}
}
