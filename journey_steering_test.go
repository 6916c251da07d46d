package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"chorus/account"
	"chorus/forum"
	"chorus/internal/testenv/browser"
	"chorus/steering"
)

// steeringSeed is what seedSteering adds to seedAll's installation.
type steeringSeed struct {
	*seeded
	Admin    *account.Principal
	Group    *steering.Group
	Forums   [3]*forum.Forum // the group's forums: seedAll's, and two more
	Top      [3]string       // the most supported open issue of each forum
	Lesser   string          // a less supported open issue of the first forum
	AnonCode string          // the follow-up code of Top[0], raised anonymously
	ChairID  string
	RepID    string
}

// The seeded issues' titles, most supported first in each forum.
var steeringIssues = [3]string{
	"Nobody calls back after a crisis",
	"No short breaks over the summer holidays",
	"Keyworker changes without warning",
}

const (
	steeringGroupName = "LLR keyworker steering group"
	chairEmail        = "chris@icb.example"
	repEmail          = "priya@example.org"
)

// seedSteering starts from seedAll and adds what journeys 4 and 5 need:
// two more forums of the same organisation, an open issue in each with
// supports (the first forum's raised anonymously, its code kept), a
// steering group linked to the three forums, and its chair (an ICB
// commissioner) and parent carer representative. Everything goes through
// the services, as the forms would.
func seedSteering(t *testing.T, dir string) *steeringSeed {
	t.Helper()
	out := &steeringSeed{seeded: seedAll(t, dir)}
	ctx := context.Background()
	a := openApp(t, "--data-dir", dir)
	defer a.close()
	admin, err := a.store.FindUserByEmail(ctx, "ada@example.org")
	if err != nil {
		t.Fatal(err)
	}
	by := &account.Principal{User: admin, Grants: []account.Grant{{UserID: admin.ID, Role: account.RoleAdmin, Scope: account.Installation}}}
	out.Admin = by
	out.Forums[0] = out.Forum
	for i, area := range []string{"Leicestershire", "Rutland"} {
		f, err := a.forums.CreateForum(ctx, by, forum.ForumSettings{OrgID: out.Forum.OrgID, Name: area + " Parent Carer Forum", Area: area,
			AllowAnonymous: true, OpenJoin: true})
		if err != nil {
			t.Fatal(err)
		}
		out.Forums[i+1] = f
	}
	member := func(email string) *account.Principal {
		u, err := a.store.FindUserByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		return &account.Principal{User: u}
	}
	dan, grace := member("dan@example.org"), member("grace@example.org")
	for _, f := range out.Forums[1:] {
		for _, p := range []*account.Principal{dan, grace} {
			if _, err := a.forums.Join(ctx, p, f.ID, p.User.Name); err != nil {
				t.Fatal(err)
			}
		}
	}
	out.Lesser = out.IssueID // Grace's, without supports

	// The first forum's top issue is anonymous; Dan and Grace support it.
	raised, err := a.forums.RaiseIssue(ctx, forum.Viewer{}, out.Forums[0].ID, forum.Draft{Title: steeringIssues[0],
		Body: "After our son's crisis we waited three weeks for anyone to call.", Anonymous: true})
	if err != nil {
		t.Fatal(err)
	}
	if raised.Held || raised.Code == "" {
		t.Fatalf("the anonymous issue: held=%v code=%q", raised.Held, raised.Code)
	}
	out.Top[0], out.AnonCode = raised.Issue.ID, raised.Code
	for i, body := range []string{"", "Every summer the short breaks stop and nobody says why.", "Our keyworker changed twice in a month and nobody told us."} {
		if i == 0 {
			continue
		}
		r, err := a.forums.RaiseIssue(ctx, forum.Viewer{Principal: dan}, out.Forums[i].ID, forum.Draft{Title: steeringIssues[i], Body: body})
		if err != nil {
			t.Fatal(err)
		}
		out.Top[i] = r.Issue.ID
	}
	for i, id := range out.Top {
		supporters := []*account.Principal{grace}
		if i == 0 {
			supporters = append(supporters, dan)
		}
		for _, p := range supporters {
			if _, err := a.forums.Support(ctx, forum.Viewer{Principal: p}, id); err != nil {
				t.Fatal(err)
			}
		}
	}

	// The group, its chair and its parent carer representative.
	g, err := a.steering.CreateGroup(ctx, by, steering.GroupSettings{OrgID: out.Forum.OrgID, Name: steeringGroupName,
		Description: "Steers the keyworker service for Leicester, Leicestershire and Rutland.",
		ForumIDs:    []string{out.Forums[0].ID, out.Forums[1].ID, out.Forums[2].ID}}, "")
	if err != nil {
		t.Fatal(err)
	}
	out.Group = g
	for _, m := range []struct {
		email, name string
		role        steering.Role
		org         steering.OrgKind
		id          *string
	}{
		{chairEmail, "Chris (ICB)", steering.RoleChair, steering.OrgICB, &out.ChairID},
		{repEmail, "Priya", steering.RoleParentRep, steering.OrgParentForum, &out.RepID},
	} {
		u, err := a.accounts.AddPlainUser(ctx, account.NewUser{Email: m.email, Name: m.name, Password: "password for " + m.email})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.steering.AddMember(ctx, by, g.ID, u.ID, "", m.role, m.org); err != nil {
			t.Fatal(err)
		}
		*m.id = u.ID
	}
	return out
}

// sweptMeeting is a meeting seedSteeringMeeting left in progress.
type sweptMeeting struct {
	MeetingID string // in progress, with everything a meeting page shows
	LinkKey   string // the secret of its link, which the chair opened
	DraftID   string // a draft with an empty agenda
	ActionID  string // agreed, due in the future
}

// seedSteeringMeeting adds to seedSteering's installation, through the
// services, a meeting in progress whose page shows every part: an agenda
// with an issue item (current) and a standing item, a decision, an action,
// a quiet-voice question waiting and one approved, and draft minutes; and
// a draft meeting with nothing on it. For the sweep of every page.
func seedSteeringMeeting(t *testing.T, dir string, s *steeringSeed) *sweptMeeting {
	t.Helper()
	ctx := context.Background()
	a := openApp(t, "--data-dir", dir)
	defer a.close()
	chair, err := a.store.FindUserByEmail(ctx, chairEmail)
	if err != nil {
		t.Fatal(err)
	}
	by := &account.Principal{User: chair}
	out := &sweptMeeting{}
	m, err := a.steering.CreateMeeting(ctx, by, s.Group.ID, steering.MeetingSettings{Title: "December meeting",
		StartsAt: time.Now().Add(24 * time.Hour), Minutes: 90, Place: "County Hall", OpenLink: true}, "")
	if err != nil {
		t.Fatal(err)
	}
	out.MeetingID, out.LinkKey = m.ID, m.LinkKey
	issue, err := a.steering.AddItem(ctx, by, m.ID, steering.ItemSettings{Kind: steering.ItemIssue, IssueID: s.Top[0], LeadID: s.RepID, Minutes: 20})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.steering.AddItem(ctx, by, m.ID, steering.ItemSettings{Kind: steering.ItemStanding, Title: "Welcome", Minutes: 5}); err != nil {
		t.Fatal(err)
	}
	for _, st := range []steering.MeetingStatus{steering.MeetingPublished, steering.MeetingInProgress} {
		if err := a.steering.SetMeetingStatus(ctx, by, m.ID, st); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.steering.SetCurrent(ctx, by, issue.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.steering.Decide(ctx, by, issue.ID, steering.DecisionSettings{Text: "Call families back within 48 hours",
		Type: steering.DecisionAgreed, AgreedBy: []steering.OrgKind{steering.OrgICB}}, ""); err != nil {
		t.Fatal(err)
	}
	act, err := a.steering.AddAction(ctx, by, issue.ID, steering.ActionSettings{Description: "Set up a call-back rota",
		OwnerOrg: steering.OrgKeyworkerService, Owner: "Service manager", Due: time.Now().AddDate(0, 2, 0).Format(time.DateOnly)}, "")
	if err != nil {
		t.Fatal(err)
	}
	out.ActionID = act.ID
	rep, err := a.store.FindUserByEmail(ctx, repEmail)
	if err != nil {
		t.Fatal(err)
	}
	for i, text := range []string{"Will families be asked how the call-back works?", "Can the rota cover weekends?"} {
		q, err := a.steering.Ask(ctx, &account.Principal{User: rep}, m.ID, "", text, "")
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if err := a.steering.ModerateQuestion(ctx, by, q.ID, steering.QuestionApproved); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := a.steering.SaveMinutes(ctx, by, m.ID, "Agreed a **call-back rota**."); err != nil {
		t.Fatal(err)
	}
	d, err := a.steering.CreateMeeting(ctx, by, s.Group.ID, steering.MeetingSettings{Title: "January meeting",
		StartsAt: time.Now().AddDate(0, 1, 0), Minutes: 60, Online: "https://meet.example.org/llr"}, "")
	if err != nil {
		t.Fatal(err)
	}
	out.DraftID = d.ID
	return out
}

// TestJourneySteering is journeys 4 and 5 in the browser. The chair plans a
// meeting through the form, builds its agenda from the top issue of each of
// the group's three forums, moves an item up, publishes the agenda and runs
// the meeting. Priya, a parent carer representative, follows the meeting
// page in another browser: the current item, the quiet-voice question she
// sends (once the chair shows it, then as an agenda item), the decision and
// the action all reach her page without a reload. She marks the action done
// with evidence and an outcome for families; the anonymous family that
// raised the issue reads, with their code, that it is resolved and what
// changed, and the public "you said, we did" boards show it. Every steering
// page is checked with axe in the states it is seen in. It runs with
// JavaScript, which the live page needs; every step is also a plain form
// (the server tests post them without JavaScript).
// planMeeting fills in the group page's "Plan a meeting" form as the chair
// on tab, for days from now, and returns the new meeting's address (the
// form leads to its agenda).
func planMeeting(t *testing.T, chair context.Context, groupID, title string, days int) string {
	t.Helper()
	browser.Fill(t, chair, "#title", title)
	browser.Fill(t, chair, "#date", time.Now().AddDate(0, 0, days).Format(time.DateOnly))
	browser.Fill(t, chair, "#time", "10:00")
	browser.Fill(t, chair, "#length", "90")
	browser.Fill(t, chair, "#place", "County Hall, Glenfield")
	submit(t, chair, `form[action="/groups/`+groupID+`/meetings"] button[type=submit]`)
	loc := browser.Location(t, chair)
	if !strings.HasSuffix(loc, "/agenda") {
		t.Fatalf("after planning a meeting the chair is on %s; want its agenda", loc)
	}
	return strings.TrimSuffix(loc, "/agenda")
}

func TestJourneySteering(t *testing.T) {
	began := time.Now()
	dir := t.TempDir()
	s := seedSteering(t, dir)
	inst := startChorus(t, dir, nil)
	opts := []browser.Option{browser.WithTimeout(6 * time.Minute)}
	b := browser.New(t, opts...)
	base, g := inst.URL, s.Group
	chair, rep := b.NewTab(t, opts...), b.NewTab(t, opts...)
	quickSignIn(t, chair, base, chairEmail)
	quickSignIn(t, rep, base, repEmail)
	var meeting string
	item := make([]string, 3) // the agenda items of the three issues
	// noReload marks the representative's page, so a reload (which would
	// drop the mark) is told apart from a live update.
	noReload := func() {
		t.Helper()
		evaluate[bool](t, rep, `window.chorusSteeringMark = true`)
	}
	stillLoaded := func() {
		t.Helper()
		if !evaluate[bool](t, rep, `window.chorusSteeringMark === true`) {
			t.Fatal("the representative's page was reloaded; it should have updated in place")
		}
	}

	t.Run("ChairBuildsAgenda", func(t *testing.T) {
		visit(t, chair, base+"/groups")
		textHas(t, chair, "main", steeringGroupName, "Chair")
		submit(t, chair, `main a[href="/groups/`+g.ID+`"]`)
		textHas(t, chair, "main", "Leicester Parent Carer Forum", "Leicestershire Parent Carer Forum", "Rutland Parent Carer Forum",
			"Chris (ICB)", "Priya", "Parent carer representative", "Plan a meeting")
		meeting = planMeeting(t, chair, g.ID, "December meeting", 7)
		textHas(t, chair, "main", "The meeting is created as a draft", "Nothing is on the agenda yet.", "Most supported open issues")

		// The suggestions hold each forum's top issue, above the first
		// forum's lesser one; the chair takes the three tops.
		supported := `section[aria-labelledby="suggest-heading"] ul.suggestions`
		list := textHas(t, chair, supported, steeringIssues[0], steeringIssues[1], steeringIssues[2], "DSR referral waiting times")
		if strings.Index(list, steeringIssues[0]) > strings.Index(list, "DSR referral waiting times") {
			t.Fatalf("the most supported issue is not above the unsupported one:\n%s", list)
		}
		for i, id := range s.Top {
			add := supported + ` form:has(input[name=issue][value="` + id + `"]) button`
			if i == 0 {
				submit(t, chair, add)
			} else {
				submitUnchecked(t, chair, add)
			}
			textHas(t, chair, "body", "It is on the agenda.")
		}
		textHas(t, chair, "#agenda", steeringIssues[0], steeringIssues[1], steeringIssues[2], "2 families affected", "Raised by families")
		textLacks(t, chair, "#agenda", "DSR referral waiting times")
		for i := range item {
			id, _ := browserAttr(t, chair, `#agenda ol.agenda > li:nth-child(`+strconv.Itoa(i+1)+`)`, "id")
			item[i] = strings.TrimPrefix(id, "item-")
		}

		// Rutland's issue moves up above Leicestershire's, with the button
		// (a plain form).
		submitUnchecked(t, chair, `#item-`+item[2]+` form:has(input[name=direction][value=up]) button`)
		order := browser.Text(t, chair, "#agenda ol.agenda")
		if !(strings.Index(order, steeringIssues[0]) < strings.Index(order, steeringIssues[2]) &&
			strings.Index(order, steeringIssues[2]) < strings.Index(order, steeringIssues[1])) {
			t.Fatalf("after moving Rutland's issue up the agenda reads:\n%s", order)
		}
		browser.CheckAxe(t, chair) // the agenda, reordered

		// The meeting's own form, then its page as a draft: publish.
		visit(t, chair, meeting+"/edit")
		visit(t, chair, meeting)
		textHas(t, chair, "main", "Draft", "The meeting has not started yet.")
		submit(t, chair, `form[action$="/status"] button[type=submit]`)
		textHas(t, chair, "body", "The agenda is published.", "Agenda published")
	})

	t.Run("RepresentativeFollowsLive", func(t *testing.T) {
		visit(t, rep, meeting)
		waitFor(t, rep, `[data-live-state="subscribed"]`)
		textHas(t, rep, "#agenda", steeringIssues[0], steeringIssues[2], steeringIssues[1])
		textHas(t, rep, "#quiet", "Questions can be sent while the meeting is in progress.")
		noReload()

		// The chair starts the meeting: the quiet voice opens on Priya's page.
		submitUnchecked(t, chair, `form[action$="/status"] button[type=submit]`)
		textHas(t, chair, "body", "The meeting has started.")
		waitFor(t, rep, "#quiet-text")
		waitForText(t, rep, "[data-meeting-status]", "In progress")
		// The chair takes the first item: "Now" changes on Priya's page.
		browser.Click(t, chair, `#item-`+item[0]+` details.record summary`)
		submit(t, chair, `#item-`+item[0]+` form[action$="/current"] button[type=submit]`) // the chair's view, in progress
		waitForText(t, rep, "#now", steeringIssues[0])
		// And the next: it follows again.
		browser.Click(t, chair, `#item-`+item[2]+` details.record summary`)
		submitUnchecked(t, chair, `#item-`+item[2]+` form[action$="/current"] button[type=submit]`)
		waitForText(t, rep, "#now", steeringIssues[2])
		waitFor(t, rep, `#item-`+item[2]+`[aria-current="step"]`)
		stillLoaded()
		browser.CheckAxe(t, rep) // the representative's view, updated live
		browser.Click(t, chair, `#item-`+item[0]+` details.record summary`)
		submitUnchecked(t, chair, `#item-`+item[0]+` form[action$="/current"] button[type=submit]`)
		waitForText(t, rep, "#now", steeringIssues[0])
	})

	const question = "Will families be asked how the new call-back works?"
	t.Run("QuietVoice", func(t *testing.T) {
		browser.Fill(t, rep, "#quiet-text", question)
		submit(t, rep, `#quiet form[action$="/questions"] button[type=submit]`)
		textHas(t, rep, "body", "Sent. It will appear here once the chair or a facilitator has read it.")
		textLacks(t, rep, "#quiet", question) // not shown before it is read
		waitFor(t, rep, `[data-live-state="subscribed"]`)
		noReload()

		// The chair's page shows it waiting, live; the chair shows it to the
		// meeting, and it reaches Priya's page.
		waitForText(t, chair, "#quiet", question)
		textHas(t, chair, "#quiet", "Waiting to be read")
		browser.CheckAxe(t, chair) // the chair's view with a question waiting
		submitUnchecked(t, chair, `#quiet form[action$="/moderate"] button[value="approved"]`)
		waitForText(t, rep, "#quiet", question)
		textHas(t, rep, "#quiet", "Shown to the meeting")
		browser.CheckAxe(t, rep) // with an approved question and its "Me too"

		// One press makes it an agenda item, which Priya sees arrive.
		submitUnchecked(t, chair, `#quiet form[action$="/take"] button[value="agenda"]`)
		textHas(t, chair, "body", "It is on the agenda.")
		waitForText(t, rep, "#agenda", question)
		textHas(t, rep, "#agenda", "Quiet voice")
		waitForText(t, rep, "#quiet", "Taken up by the meeting")
		stillLoaded()
	})

	const (
		decision = "Call families back within 48 hours of a crisis"
		action   = "Set up a call-back rota"
		outcome  = "Families now get a call back within 48 hours of a crisis."
	)
	var actionURL string
	t.Run("DecisionAndAction", func(t *testing.T) {
		it := "#item-" + item[0]
		// A decision needs its words: the page says so, with the item's
		// form open at the field, and passes axe.
		browser.Click(t, chair, it+" details.record summary")
		if status := browser.ClickAndWait(t, chair, it+` form[action$="/decisions"] button[type=submit]`); status != 400 {
			t.Fatalf("a decision without words answered %d; want 400", status)
		}
		browser.CheckAxe(t, chair)
		textHas(t, chair, "#decision-error-"+item[0], "Say what was decided.")
		if !browser.Exists(t, chair, it+` details.record[open] #decision-`+item[0]+`[aria-invalid="true"]`) {
			t.Fatal("the refused decision's field is not shown open and marked invalid")
		}
		browser.Fill(t, chair, "#decision-"+item[0], decision)
		browser.Fill(t, chair, "#type-"+item[0], "agreed")
		browser.Click(t, chair, "#agreed-"+item[0]+"-icb")
		browser.Click(t, chair, "#agreed-"+item[0]+"-keyworker_service")
		submitUnchecked(t, chair, it+` form[action$="/decisions"] button[type=submit]`)
		textHas(t, chair, "body", "The decision is recorded.")
		waitForText(t, rep, it, decision)
		waitForText(t, rep, "#now", "1 decision recorded")
		textHas(t, rep, it, "Integrated care board (NHS)", "Keyworker service")

		browser.Click(t, chair, it+" details.record summary")
		browser.Fill(t, chair, "#description-"+item[0], action)
		browser.Fill(t, chair, "#owner_org-"+item[0], "keyworker_service")
		browser.Fill(t, chair, "#owner-"+item[0], "Service manager")
		browser.Fill(t, chair, "#due-"+item[0], time.Now().AddDate(0, 2, 0).Format(time.DateOnly))
		submitUnchecked(t, chair, it+` form[action$="/actions"] button[type=submit]`)
		textHas(t, chair, "body", "The action is recorded.")
		waitForText(t, rep, it, action)
		waitForText(t, rep, "#now", "1 action agreed")
		textHas(t, rep, it, "Agreed", "Green: on track")
		stillLoaded()
		browser.CheckAxe(t, rep) // with a decision and an action, arrived live
		href, _ := browserAttr(t, rep, it+` a[href^="/actions/"]`, "href")
		actionURL = base + href
	})

	t.Run("ActionDone", func(t *testing.T) {
		visit(t, rep, actionURL)
		textHas(t, rep, "main", action, "Agreed", "Keyworker service", "Service manager", steeringIssues[0])
		browser.Fill(t, rep, "#status", "done")
		browser.Fill(t, rep, "#note", "Rota in place since 5 January: https://example.org/rota")
		// Done needs an outcome for families: refused, with what was typed
		// kept, and the page passes axe.
		if status := browser.ClickAndWait(t, rep, `form[action^="/actions/"] button[type=submit]`); status != 400 {
			t.Fatalf("done without an outcome answered %d; want 400", status)
		}
		browser.CheckAxe(t, rep)
		textHas(t, rep, "#outcome-error", "Write what changed, for families.")
		if got := browser.Value(t, rep, "#note"); !strings.Contains(got, "Rota in place") {
			t.Fatalf("the refused update lost the evidence: %q", got)
		}
		browser.Fill(t, rep, "#outcome", outcome)
		submit(t, rep, `form[action^="/actions/"] button[type=submit]`)
		textHas(t, rep, "main", "The action is updated.", "Done", "Finished", outcome, "Rota in place since 5 January")
		if browser.Exists(t, rep, `form[action^="/actions/"]`) {
			t.Fatal("a finished action still offers its update form")
		}
		visit(t, chair, base+"/groups/"+g.ID+"/register")
		textHas(t, chair, "main", action, "Finished", decision)
	})

	t.Run("YouSaidWeDid", func(t *testing.T) {
		family := b.NewTab(t, opts...)
		visit(t, family, base+"/follow-up")
		browser.Fill(t, family, "#code", s.AnonCode)
		submit(t, family, "main form button[type=submit]")
		textHas(t, family, "main", steeringIssues[0], "Status: Resolved", "The action is done", outcome)
		visit(t, family, base+"/groups/"+g.ID+"/you-said-we-did")
		textHas(t, family, "main", steeringIssues[0], decision, outcome, "Fewer than 5 issues taken up")
		visit(t, family, base+"/forums/"+s.Forums[0].ID+"/you-said-we-did")
		textHas(t, family, "main", steeringIssues[0], outcome)
		textLacks(t, family, "main", steeringIssues[1]) // another forum's
	})

	// The meeting page on a 320px wide phone, right to left: nothing
	// scrolls sideways, and it passes axe.
	t.Run("NarrowRightToLeft", func(t *testing.T) {
		phone := b.NewTab(t, append(opts, browser.WithViewport(320, 640))...)
		quickSignIn(t, phone, base, repEmail)
		visit(t, phone, meeting+"?lang=ar")
		if dir, _ := browserAttr(t, phone, "html", "dir"); dir != "rtl" {
			t.Fatalf("the Arabic meeting page has dir=%q", dir)
		}
		if w := evaluate[int](t, phone, `document.documentElement.scrollWidth`); w > 320 {
			t.Fatalf("the meeting page is %dpx wide on a 320px screen: it scrolls sideways", w)
		}
		// The chair's pages, with their forms, on the same phone.
		chairPhone := b.NewTab(t, append(opts, browser.WithViewport(320, 640))...)
		quickSignIn(t, chairPhone, base, chairEmail)
		for _, page := range []string{meeting, meeting + "/agenda", base + "/groups/" + g.ID, base + "/groups/" + g.ID + "/register"} {
			visitUnchecked(t, chairPhone, page)
			evaluate[bool](t, chairPhone, `document.querySelectorAll("details").forEach(d => d.open = true), true`)
			if w := evaluate[int](t, chairPhone, `document.documentElement.scrollWidth`); w > 320 {
				t.Fatalf("%s is %dpx wide on a 320px screen: it scrolls sideways", page, w)
			}
		}
	})

	t.Run("AdministratorForms", func(t *testing.T) {
		admin := b.NewTab(t, opts...)
		signInUnchecked(t, admin, base, "ada@example.org", "a long passphrase")
		enterTOTP(t, admin)
		visit(t, admin, base+"/groups/new")
		visit(t, admin, base+"/groups/"+g.ID+"/edit")
		if !browser.Exists(t, admin, `#forum-`+s.Forums[2].ID+`:checked`) {
			t.Fatal("the group's form does not show its linked forums ticked")
		}
		visit(t, admin, base+"/groups/"+g.ID) // with the members' forms
	})
	t.Logf("steering journey took %s", time.Since(began).Round(100*time.Millisecond))
}
