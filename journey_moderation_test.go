package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"chorus/account"
	"chorus/forum"
	"chorus/internal/testenv/browser"
)

// moderationSeed is what seedModeration adds to seedAll's installation.
type moderationSeed struct {
	*seeded
	CommentID   string // Bea's comment on Grace's issue, which members report
	DuplicateID string // an anonymous issue that says what Grace's does
	Code        string // the duplicate's follow-up code
}

// The words of the seeded comment, and of the anonymous post with a risk term.
const (
	sharpWords    = "Some sharp words about the other parents here"
	hideReason    = "Unkind about other parents"
	riskTitle     = "Worried about tonight"
	riskBody      = "My son talks about self-harm and I do not know who to call."
	duplicateName = "Months waiting for a DSR referral"
)

// seedModeration starts from seedAll and adds what journey 3 needs: Bea's
// comment on Grace's issue, Cai (a third member to report it), Lee the
// forum's safeguarding lead (set in the forum's settings; never signed in,
// so without two-step sign-in yet), and an anonymous duplicate of Grace's
// issue with its follow-up code.
func seedModeration(t *testing.T, dir string) *moderationSeed {
	t.Helper()
	out := &moderationSeed{seeded: seedAll(t, dir)}
	ctx := context.Background()
	a := openApp(t, "--data-dir", dir)
	defer a.close()
	users := map[string]*account.User{}
	for email, display := range map[string]string{"bea@example.org": "Bea", "cai@example.org": "Cai", "lee@example.org": ""} {
		u, err := a.accounts.AddPlainUser(ctx, account.NewUser{Email: email, Name: email, Password: "password for " + email})
		if err != nil {
			t.Fatal(err)
		}
		users[email] = u
		if display != "" {
			if _, err := a.forums.Join(ctx, &account.Principal{User: u}, out.Forum.ID, display); err != nil {
				t.Fatal(err)
			}
		}
	}
	admin, err := a.store.FindUserByEmail(ctx, "ada@example.org")
	if err != nil {
		t.Fatal(err)
	}
	by := &account.Principal{User: admin, Grants: []account.Grant{{UserID: admin.ID, Role: account.RoleAdmin, Scope: account.Installation}}}
	settings := out.Forum.Settings()
	settings.SafeguardingLeadID = users["lee@example.org"].ID
	if out.Forum, err = a.forums.UpdateForum(ctx, by, out.Forum.ID, settings); err != nil {
		t.Fatal(err)
	}
	c, err := a.forums.AddComment(ctx, forum.Viewer{Principal: &account.Principal{User: users["bea@example.org"]}}, out.IssueID, sharpWords, "")
	if err != nil {
		t.Fatal(err)
	}
	out.CommentID = c.ID
	dup, err := a.forums.RaiseIssue(ctx, forum.Viewer{}, out.Forum.ID, forum.Draft{Title: duplicateName,
		Body: "Still no word on our Dynamic Support Register referral after months.", Anonymous: true})
	if err != nil {
		t.Fatal(err)
	}
	if dup.Held || dup.Code == "" {
		t.Fatalf("the seeded duplicate: held=%v code=%q", dup.Held, dup.Code)
	}
	out.DuplicateID, out.Code = dup.Issue.ID, dup.Code
	return out
}

// textHas fails unless the element's text holds every one of want.
func textHas(t *testing.T, tab context.Context, selector string, want ...string) string {
	t.Helper()
	got := browser.Text(t, tab, selector)
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Fatalf("%s on %s lacks %q:\n%s", selector, browser.Location(t, tab), w, got)
		}
	}
	return got
}

// textLacks fails if the element's text holds any of unwanted.
func textLacks(t *testing.T, tab context.Context, selector string, unwanted ...string) {
	t.Helper()
	got := browser.Text(t, tab, selector)
	for _, w := range unwanted {
		if strings.Contains(got, w) {
			t.Fatalf("%s on %s shows %q:\n%s", selector, browser.Location(t, tab), w, got)
		}
	}
}

// visitUnchecked opens a page without checking it with axe: for a page this
// journey has already checked in the same state, or one other journeys
// check (sign-in, raising an issue), to keep its browser time short.
func visitUnchecked(t *testing.T, tab context.Context, url string) {
	t.Helper()
	if status := browser.Visit(t, tab, url); status >= 400 {
		t.Fatalf("%s answered %d", url, status)
	}
}

// submitUnchecked submits a form like submit, without checking the page it
// leads to (one already checked in the same state, or by other journeys).
func submitUnchecked(t *testing.T, tab context.Context, selector string) {
	t.Helper()
	if status := browser.ClickAndWait(t, tab, selector); status >= 400 {
		t.Fatalf("submitting %s on %s answered %d: %s", selector, browser.Location(t, tab), status, browser.Text(t, tab, "main"))
	}
}

// signInUnchecked signs a person in through the sign-in page like signInTab,
// without checking the sign-in pages again.
func signInUnchecked(t *testing.T, tab context.Context, base, email, password string) {
	t.Helper()
	visitUnchecked(t, tab, base+"/signin")
	browser.Fill(t, tab, "#email", email)
	browser.Fill(t, tab, "#password", password)
	submitUnchecked(t, tab, "main form button[type=submit]")
	if strings.HasSuffix(browser.Location(t, tab), "/signin") {
		t.Fatalf("%s was not signed in: %s", email, browser.Text(t, tab, "main"))
	}
}

// TestJourneyModeration is journey 3: three members report a comment, which
// is held; the facilitator hides it with a reason from the queue, and
// visitors see the reason in its place. An anonymous post with a risk term
// is held for the safeguarding lead, its poster sees at once where to get
// help, and the lead (setting up two-step sign-in first) releases it. A
// duplicate is merged, and its anonymous submitter sees with their code
// where it went. Each page of the journey is checked with axe in each state
// it is seen in (the queue's tabs, the decision page, the issue page held
// and hidden, the follow-up page with the help text and the merge notice).
// Every step is a plain form, so it runs without JavaScript only: with
// JavaScript it passes too, but doubles the browser time.
func TestJourneyModeration(t *testing.T) {
	dir := t.TempDir()
	s := seedModeration(t, dir)
	inst := startChorus(t, dir, nil)
	// The tabs live through the whole journey, about a minute, more on a
	// busy machine.
	opts := []browser.Option{browser.WithoutJavaScript(), browser.WithTimeout(4 * time.Minute)}
	b := browser.New(t, opts...)
	base, forumID := inst.URL, s.Forum.ID
	issue := base + "/issues/" + s.IssueID
	queue := base + "/forums/" + forumID + "/moderation"
	visitor := b.NewTab(t, opts...)
	fiona := b.NewTab(t, opts...)
	signInUnchecked(t, fiona, base, "fiona@example.org", "password for fiona@example.org")

	t.Run("ReportsHoldThenHide", func(t *testing.T) {
		comment := "#comment-" + s.CommentID
		visit(t, visitor, issue)
		textHas(t, visitor, comment, sharpWords)
		for i, who := range []string{"dan", "grace", "cai"} {
			member := b.NewTab(t, opts...)
			email := who + "@example.org"
			signInUnchecked(t, member, base, email, "password for "+email)
			visitUnchecked(t, member, issue)
			browser.Click(t, member, comment+" details.report summary")
			browser.Click(t, member, "#reason-"+s.CommentID+"-unkind")
			browser.Fill(t, member, "#detail-"+s.CommentID, "Rude about other families")
			if i == 0 {
				browser.CheckAxe(t, member) // the report form, open
				submit(t, member, comment+` form[action$="/report"] button[type=submit]`)
			} else {
				submitUnchecked(t, member, comment+` form[action$="/report"] button[type=submit]`)
			}
			textHas(t, member, "body", "Thank you. A facilitator will look at it.")
			visitUnchecked(t, visitor, issue)
			if held := !browser.Exists(t, visitor, comment); held != (i == 2) {
				t.Fatalf("after %d reports the comment is held=%v; want held only after the third", i+1, held)
			}
		}
		textLacks(t, visitor, "main", sharpWords)
		browser.CheckAxe(t, visitor)

		// The facilitator sees it held on the issue page, and in the queue.
		visit(t, fiona, issue)
		textHas(t, fiona, comment, sharpWords, "Waiting for a facilitator to review it")
		visit(t, fiona, queue)
		submit(t, fiona, `nav.tabs a[href$="tab=reports"]`)
		if cur, _ := browserAttr(t, fiona, `nav.tabs a[href$="tab=reports"]`, "aria-current"); cur != "page" {
			t.Fatalf("the Reported tab is not marked current: aria-current=%q", cur)
		}
		textHas(t, fiona, `nav.tabs a[href$="tab=reports"]`, "Reported (1)")
		textHas(t, fiona, "ol.queue", sharpWords, "It is unkind or abusive", "3 reports")
		textLacks(t, fiona, "ol.queue", "Cai", "cai@example.org", "Dan", "Grace")
		submit(t, fiona, `ol.queue a[href="/issues/`+s.IssueID+`/moderate?tab=reports&comment=`+s.CommentID+`"]`)
		textHas(t, fiona, "main", "Moderate a comment", sharpWords, "3 reports")
		// Hiding needs a reason: the page says so, keeps the choice, and
		// still passes axe.
		browser.Click(t, fiona, "#action-hide")
		if status := browser.ClickAndWait(t, fiona, `form[action$="/moderate"] button[type=submit]`); status != 400 {
			t.Fatalf("hiding without a reason answered %d; want 400", status)
		}
		browser.CheckAxe(t, fiona)
		textHas(t, fiona, "#reason-error", "Say briefly what is wrong.")
		if !browser.Exists(t, fiona, "#action-hide:checked") {
			t.Fatal("the refused choice (hide) was not kept")
		}
		browser.Fill(t, fiona, "#reason", hideReason)
		submit(t, fiona, `form[action$="/moderate"] button[type=submit]`)
		textHas(t, fiona, "body", "Hidden. The reason shows in its place.")
		// A decision made from the queue goes back to the queue's tab.
		if loc := browser.Location(t, fiona); !strings.Contains(loc, "/moderation?tab=reports") {
			t.Fatalf("after a decision from the queue, went to %s", loc)
		}
		visitUnchecked(t, fiona, issue)
		textHas(t, fiona, comment, "Hidden by a facilitator: "+hideReason, sharpWords) // kept for facilitators
		visitUnchecked(t, fiona, queue+"?tab=reports")
		textLacks(t, fiona, "main", sharpWords)

		// A visitor sees the reason where the comment was, never its words.
		visit(t, visitor, issue)
		textHas(t, visitor, comment, "Hidden by a facilitator: "+hideReason)
		textLacks(t, visitor, "main", sharpWords)
	})

	t.Run("RiskTermHeldForLead", func(t *testing.T) {
		poster := b.NewTab(t, opts...)
		visitUnchecked(t, poster, base+"/forums/"+forumID+"/raise")
		browser.Fill(t, poster, "#title", riskTitle)
		browser.Fill(t, poster, "#body", riskBody)
		submitUnchecked(t, poster, `button[value="check"]`)
		submit(t, poster, `button[value="post"]`)
		help := []string{"What happens next", "call 999", "NSPCC", "0808 800 5000", "Childline", "0800 1111", "Samaritans", "116 123"}
		textHas(t, poster, ".help-box", help...)
		code := browser.Text(t, poster, "#followup-code")

		// Later, with the code: still held, and the help is still there.
		visitUnchecked(t, poster, base+"/follow-up")
		browser.Fill(t, poster, "#code", code)
		submit(t, poster, "main form button[type=submit]")
		textHas(t, poster, "main", riskTitle, "Waiting for the safeguarding lead")
		textHas(t, poster, ".help-box", help...)

		// Nobody else sees it: not visitors, not even the facilitator, who
		// sees only that something waits for the lead.
		visitUnchecked(t, visitor, base+"/forums/"+forumID)
		textLacks(t, visitor, "main", riskTitle)
		visit(t, fiona, queue+"?tab=safeguarding")
		textHas(t, fiona, "ol.queue", "Held for the safeguarding lead")
		textHas(t, fiona, `nav.tabs a[href$="tab=safeguarding"]`, "Safeguarding (1)")
		textLacks(t, fiona, "main", riskTitle, "self-harm")
		href, _ := browserAttr(t, fiona, `ol.queue a[href*="/moderate?tab=safeguarding"]`, "href")
		heldID, _, _ := strings.Cut(strings.TrimPrefix(href, "/issues/"), "/moderate")
		if heldID == "" || strings.Contains(heldID, "/") {
			t.Fatalf("review link %q", href)
		}
		if status := browser.Visit(t, visitor, base+"/issues/"+heldID); status != 404 {
			t.Fatalf("a visitor opening the held issue got %d; want 404", status)
		}

		// Lee, the lead, sets up two-step sign-in on first sign-in, then
		// reads the post and releases it.
		lee := b.NewTab(t, opts...)
		signInUnchecked(t, lee, base, "lee@example.org", "password for lee@example.org")
		if loc := browser.Location(t, lee); !strings.HasSuffix(loc, "/signin/mfa-setup") {
			t.Fatalf("the safeguarding lead's first sign-in went to %s; want two-step setup", loc)
		}
		enterTOTP(t, lee)
		visit(t, lee, base+"/issues/"+heldID)
		textHas(t, lee, "main", riskTitle, "Waiting for the safeguarding lead")
		visit(t, lee, queue+"?tab=safeguarding")
		textHas(t, lee, "ol.queue", riskTitle)
		submit(t, lee, `ol.queue a[href="/issues/`+heldID+`/moderate?tab=safeguarding"]`)
		textHas(t, lee, "main", "Moderate an issue", "self-harm")
		browser.Click(t, lee, "#action-approve")
		browser.Fill(t, lee, "#reason", "Spoke to the family; fine to share")
		submit(t, lee, `form[action$="/moderate"] button[type=submit]`)
		textHas(t, lee, "body", "Approved.")

		visitUnchecked(t, visitor, base+"/issues/"+heldID)
		textHas(t, visitor, "main", riskTitle, "self-harm")
		visitUnchecked(t, fiona, queue+"?tab=safeguarding")
		textHas(t, fiona, "main", "Nothing is waiting here.")
	})

	t.Run("MergeTellsSubmitter", func(t *testing.T) {
		dup := base + "/issues/" + s.DuplicateID
		visitUnchecked(t, fiona, dup)
		submit(t, fiona, `a[href="/issues/`+s.DuplicateID+`/moderate"]`)
		browser.Fill(t, fiona, "#into", s.IssueID)
		browser.Fill(t, fiona, "#merge_reason", "Same referral waits")
		submit(t, fiona, `form[action$="/merge"] button[type=submit]`)
		if loc := browser.Location(t, fiona); loc != issue {
			t.Fatalf("after merging, the facilitator is on %s; want %s", loc, issue)
		}
		textHas(t, fiona, "main", "Merged. This is the issue it was merged into.", "Another issue was merged into this one")

		submitter := b.NewTab(t, opts...)
		visitUnchecked(t, submitter, base+"/follow-up")
		browser.Fill(t, submitter, "#code", s.Code)
		submit(t, submitter, "main form button[type=submit]")
		textHas(t, submitter, "main", duplicateName, "This issue was merged into another")
		submitUnchecked(t, submitter, `main a[href="/issues/`+s.IssueID+`"]`)
		textHas(t, submitter, "main", "DSR referral waiting times")

		// The queue's other tabs pass axe too (Awaiting approval was checked
		// on the way to Reported).
		for _, tab := range []string{"overdue", "questions"} {
			visit(t, fiona, queue+"?tab="+tab)
		}
	})
}
