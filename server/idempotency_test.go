package server_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"chorus/account"
	"chorus/forum"
	"chorus/internal/secret"
)

// TestTenIdenticalPostsMakeOneRecord: a person on a bad connection presses
// a button again and again, or the browser resends: ten identical POSTs of a
// creating form, sent at once, make one record. Each form is sent exactly as
// the page gives it, with the idempotency key the page carries.
func TestTenIdenticalPostsMakeOneRecord(t *testing.T) { onEachStore(t, testTenIdenticalPosts) }

var idemRe = regexp.MustCompile(`name="idem" value="([^"]+)"`)

// formFrom fetches the page a form is on and returns the form as the browser
// would send it: the page's CSRF token and idempotency key, plus fields.
func formFrom(t *testing.T, c *client, page string, fields url.Values) url.Values {
	t.Helper()
	r := c.get(page)
	wantStatus(t, r, 200)
	m := idemRe.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("the form on %s carries no idempotency key (a hidden idem field): a resent POST would create again", page)
	}
	fields.Set("idem", m[1])
	fields.Set("csrf", csrfRe.FindStringSubmatch(r.Body)[1])
	return fields
}

// formIn is formFrom for a page with several forms: the one posting to action.
func formIn(t *testing.T, c *client, page, action string, fields url.Values) url.Values {
	t.Helper()
	r := c.get(page)
	wantStatus(t, r, 200)
	i := strings.Index(r.Body, `action="`+action+`"`)
	if i < 0 {
		t.Fatalf("no form posting to %s on %s", action, page)
	}
	m := idemRe.FindStringSubmatch(r.Body[i:])
	if m == nil || strings.Index(r.Body[i:], m[0]) > strings.Index(r.Body[i:], "</form>") {
		t.Fatalf("the form posting to %s carries no idempotency key: a resent POST would create again", action)
	}
	fields.Set("idem", m[1])
	fields.Set("csrf", csrfRe.FindStringSubmatch(r.Body)[1])
	return fields
}

// tenAtOnce sends the same form ten times concurrently and returns the answers.
func tenAtOnce(t *testing.T, c *client, path string, form url.Values) []response {
	t.Helper()
	const n = 10
	out := make([]response, n)
	body := form.Encode()
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = c.postRaw(path, body, c.e.URL)
		}()
	}
	wg.Wait()
	for i, r := range out {
		if r.Status >= 500 {
			t.Fatalf("POST %s attempt %d: status %d\n%s", path, i, r.Status, r.Body)
		}
	}
	return out
}

func testTenIdenticalPosts(t *testing.T, store string) {
	e := newEnvOn(t, store)
	admin, _ := e.setupAdmin()
	ctx := context.Background()
	by := principalFor(t, e, "ada@example.org")

	t.Run("organisation", func(t *testing.T) {
		form := formFrom(t, admin, "/admin/organisations", url.Values{"name": {"Leicester, Leicestershire and Rutland"}})
		tenAtOnce(t, admin, "/admin/organisations", form)
		orgs, err := e.Accounts.Organisations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(orgs) != 1 {
			t.Fatalf("%d organisations from ten identical POSTs; want 1", len(orgs))
		}
	})
	orgs, err := e.Accounts.Organisations(ctx)
	if err != nil || len(orgs) == 0 {
		org, err := e.Accounts.CreateOrganisation(ctx, by, "Leicester, Leicestershire and Rutland")
		if err != nil {
			t.Fatal(err)
		}
		orgs = []*account.Organisation{org}
	}
	orgID := orgs[0].ID

	t.Run("forum", func(t *testing.T) {
		form := formFrom(t, admin, "/forums/new", url.Values{"organisation": {orgID}, "name": {"Leicester Parent Carer Forum"}, "area": {"Leicester"},
			"description": {"Parents and carers in Leicester."}, "languages": {"en"}, "allow_anonymous": {"on"}, "open_join": {"on"},
			"response_target": {"28"}, "themes": {"Referrals"}})
		rs := tenAtOnce(t, admin, "/forums", form)
		fs, err := e.Forums.Forums(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != 1 {
			t.Fatalf("%d forums from ten identical POSTs; want 1", len(fs))
		}
		for _, r := range rs {
			if r.Status == 303 && r.Location != "/forums/"+fs[0].ID {
				t.Fatalf("a retry went to %q, not the forum made", r.Location)
			}
		}
	})
	var f *forum.Forum
	if fs, err := e.Forums.Forums(ctx); err == nil && len(fs) > 0 {
		f = fs[0]
	} else if f, err = e.Forums.CreateForum(ctx, by, forum.ForumSettings{OrgID: orgID, Name: "Leicester Parent Carer Forum", Area: "Leicester",
		AllowAnonymous: true, OpenJoin: true, Themes: []string{"Referrals"}}); err != nil {
		t.Fatal(err)
	}

	// Two members: Amina raises, comments, supports; Fiona facilitates.
	member := func(email, display string) *client {
		u := &account.User{ID: secret.NewID(), Email: email, Name: display, PasswordHash: secret.HashPassword("password " + email), CreatedAt: time.Now()}
		if err := e.Store.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Forums.Join(ctx, &account.Principal{User: u}, f.ID, display); err != nil {
			t.Fatal(err)
		}
		c := e.client()
		c.signIn(email, "password "+email)
		return c
	}
	amina := member("amina@example.org", "Amina")
	grace := member("grace@example.org", "Grace")
	raisePath := "/forums/" + f.ID + "/raise"
	issueCount := func(title string) int {
		view, err := e.Forums.Issues(ctx, forum.Viewer{}, forum.IssueFilter{ForumID: f.ID, Query: title})
		if err != nil {
			t.Fatal(err)
		}
		return view.Total
	}

	var issueID string
	t.Run("raise named", func(t *testing.T) {
		form := formFrom(t, amina, raisePath, url.Values{"title": {"Keyworker changed three times"}, "body": {"Each time we start again."},
			"anonymous": {"no"}, "action": {"post"}})
		rs := tenAtOnce(t, amina, raisePath, form)
		for _, r := range rs {
			wantStatus(t, r, 303)
			if r.Location != rs[0].Location {
				t.Fatalf("ten identical submissions went to different issues: %q and %q", rs[0].Location, r.Location)
			}
		}
		if n := issueCount("Keyworker changed three times"); n != 1 {
			t.Fatalf("%d issues from ten identical POSTs; want 1", n)
		}
		issueID = strings.TrimPrefix(rs[0].Location, "/issues/")
	})
	if issueID == "" {
		t.Fatal("no issue to go on with")
	}
	issuePath := "/issues/" + issueID

	var code string
	t.Run("raise anonymous", func(t *testing.T) {
		visitor := e.client()
		form := formFrom(t, visitor, raisePath, url.Values{"title": {"No help at night"}, "body": {"The crisis line does not answer."},
			"anonymous": {"yes"}, "action": {"post"}})
		rs := tenAtOnce(t, visitor, raisePath, form)
		var first string
		for i, r := range rs {
			wantStatus(t, r, 200)
			m := codeRe.FindStringSubmatch(r.Body)
			if m == nil {
				t.Fatalf("attempt %d shows no follow-up code", i)
			}
			if first == "" {
				first = m[1]
			} else if m[1] != first {
				t.Fatalf("ten identical submissions showed different follow-up codes: %q and %q", first, m[1])
			}
		}
		if n := issueCount("No help at night"); n != 1 {
			t.Fatalf("%d issues from ten identical POSTs; want 1", n)
		}
		code = first
	})

	// The forms that add to an issue's history: each adds one event.
	events := func(id string, kind forum.EventKind, note string) int {
		evs, err := e.Store.ListEvents(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, ev := range evs {
			if ev.Kind == kind && ev.Note == note {
				n++
			}
		}
		return n
	}
	for _, c := range []struct {
		name, action string
		kind         forum.EventKind
		fields       url.Values
		note         string
	}{
		{"respond", "/respond", forum.EventResponse, url.Values{"note": {"We will take this to the group."}}, "We will take this to the group."},
		{"status", "/status", forum.EventStatus, url.Values{"status": {"on_agenda"}, "note": {"March meeting"}}, "March meeting"},
	} {
		t.Run(c.name, func(t *testing.T) {
			form := formIn(t, admin, issuePath, issuePath+c.action, c.fields)
			tenAtOnce(t, admin, issuePath+c.action, form)
			if n := events(issueID, c.kind, c.note); n != 1 {
				t.Fatalf("%d events from ten identical POSTs; want 1", n)
			}
		})
	}
	t.Run("report", func(t *testing.T) {
		cm, err := e.Forums.AddComment(ctx, forum.Viewer{Principal: principalFor(t, e, "grace@example.org")}, issueID, "A comment to report", "")
		if err != nil {
			t.Fatal(err)
		}
		amina.get(issuePath)
		tenAtOnce(t, amina, issuePath+"/report", url.Values{"csrf": {amina.csrf(issuePath)}, "comment": {cm.ID}, "reason": {"unkind"}})
		if n, err := e.Store.CountReports(ctx, cm.ID); err != nil || n != 1 {
			t.Fatalf("%d reports from ten identical POSTs (%v); want 1", n, err)
		}
	})
	t.Run("follow-up detail and question", func(t *testing.T) {
		if code == "" {
			t.Skip("the anonymous issue was not raised")
		}
		visitor := e.client()
		visitor.get("/follow-up")
		r := visitor.post("/follow-up", url.Values{"code": {code}})
		wantStatus(t, r, 200)
		form := url.Values{"code": {code}, "text": {"It was on a Sunday."}, "answer": {"no"},
			"idem": {idemRe.FindStringSubmatch(r.Body)[1]}, "csrf": {csrfRe.FindStringSubmatch(r.Body)[1]}}
		tenAtOnce(t, visitor, "/follow-up/detail", form)
		view, err := e.Forums.OpenFollowUp(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		if n := events(view.Issue.ID, forum.EventDetail, "It was on a Sunday."); n != 1 {
			t.Fatalf("%d details from ten identical POSTs; want 1", n)
		}
		askPath := "/issues/" + view.Issue.ID
		form = formIn(t, admin, askPath, askPath+"/ask", url.Values{"question": {"Which service was it?"}})
		tenAtOnce(t, admin, askPath+"/ask", form)
		if n := events(view.Issue.ID, forum.EventQuestion, "Which service was it?"); n != 1 {
			t.Fatalf("%d questions from ten identical POSTs; want 1", n)
		}
	})

	t.Run("comment", func(t *testing.T) {
		form := formFrom(t, grace, issuePath, url.Values{"body": {"Same for us, twice this year."}})
		tenAtOnce(t, grace, issuePath+"/comments", form)
		view, err := e.Forums.Issue(ctx, forum.Viewer{}, issueID)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, c := range view.Comments {
			if c.Body == "Same for us, twice this year." {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d comments from ten identical POSTs; want 1", n)
		}
	})

	t.Run("support", func(t *testing.T) {
		grace.get(issuePath)
		tenAtOnce(t, grace, issuePath+"/support", url.Values{"csrf": {grace.csrf(issuePath)}})
		view, err := e.Forums.Issue(ctx, forum.Viewer{}, issueID)
		if err != nil {
			t.Fatal(err)
		}
		if view.Supports != 1 {
			t.Fatalf("%d supports from ten identical POSTs; want 1", view.Supports)
		}
	})

	t.Run("follow", func(t *testing.T) {
		c := member("kasia@example.org", "Kasia")
		c.get(issuePath)
		tenAtOnce(t, c, issuePath+"/follow", url.Values{"csrf": {c.csrf(issuePath)}})
		ids, err := e.Store.ListFollowers(ctx, issueID)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, id := range ids {
			if u, err := e.Store.FindUserByEmail(ctx, "kasia@example.org"); err == nil && u.ID == id {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("followed %d times from ten identical POSTs; want 1", n)
		}
	})

	invitations := func(note string) int {
		invs, err := e.Accounts.Invitations(ctx, by)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, inv := range invs {
			if inv.Note == note {
				n++
			}
		}
		return n
	}
	t.Run("invitation", func(t *testing.T) {
		form := formFrom(t, admin, "/admin/invitations", url.Values{"role": {"admin"}, "note": {"For Priya"}})
		rs := tenAtOnce(t, admin, "/admin/invitations", form)
		if n := invitations("For Priya"); n != 1 {
			t.Fatalf("%d invitations from ten identical POSTs; want 1", n)
		}
		sameLink(t, rs)
	})
	t.Run("forum invitation", func(t *testing.T) {
		path := "/forums/" + f.ID + "/invitations"
		form := formFrom(t, admin, path, url.Values{"role": {"member"}, "note": {"For Dan"}})
		rs := tenAtOnce(t, admin, path, form)
		if n := invitations("For Dan"); n != 1 {
			t.Fatalf("%d invitations from ten identical POSTs; want 1", n)
		}
		sameLink(t, rs)
	})
}

var onceLinkRe = regexp.MustCompile(`id="once-link">([^<]+)<`)

// sameLink checks that every answer that shows an invitation link shows the
// same one: the link that works.
func sameLink(t *testing.T, rs []response) {
	t.Helper()
	var first string
	for _, r := range rs {
		m := onceLinkRe.FindStringSubmatch(r.Body)
		if m == nil {
			continue
		}
		if first == "" {
			first = m[1]
		} else if m[1] != first {
			t.Fatalf("ten identical POSTs showed different invitation links: %s and %s", first, m[1])
		}
	}
	if first == "" {
		t.Fatal("no answer showed the invitation link")
	}
}
