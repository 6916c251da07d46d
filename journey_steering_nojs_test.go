package main

import (
	"strings"
	"testing"
	"time"

	"chorus/internal/testenv/browser"
)

// TestJourneySteeringWithoutJavaScript is the steering journey in a browser
// with JavaScript off, as issue 7 asks of every journey: the chair plans a
// meeting, builds its agenda from the families' issues, runs it, records a
// decision and an action; the parent carer representative sends a quiet-voice
// question and finishes the action; the family who raised the issue reads
// the outcome with their follow-up code. Without live updates, the others
// see each step when they load the page again.
func TestJourneySteeringWithoutJavaScript(t *testing.T) {
	began := time.Now()
	dir := t.TempDir()
	s := seedSteering(t, dir)
	inst := startChorus(t, dir, nil)
	opts := []browser.Option{browser.WithoutJavaScript(), browser.WithTimeout(5 * time.Minute)}
	b := browser.New(t, opts...)
	base, g := inst.URL, s.Group
	chair, rep := b.NewTab(t, opts...), b.NewTab(t, opts...)
	quickSignIn(t, chair, base, chairEmail)
	quickSignIn(t, rep, base, repEmail)

	// The chair plans a meeting and puts the most supported issue on it.
	visit(t, chair, base+"/groups/"+g.ID)
	meeting := planMeeting(t, chair, g.ID, "January meeting", 14)
	supported := `section[aria-labelledby="suggest-heading"] ul.suggestions`
	submit(t, chair, supported+` form:has(input[name=issue][value="`+s.Top[0]+`"]) button`)
	textHas(t, chair, "#agenda", steeringIssues[0], "Raised by families")
	id, _ := browserAttr(t, chair, `#agenda ol.agenda > li:first-child`, "id")
	item := "#" + id
	itemID := strings.TrimPrefix(id, "item-")

	// Publish, then start: the representative sees each on loading the page.
	visit(t, chair, meeting)
	submit(t, chair, `form[action$="/status"] button[type=submit]`)
	textHas(t, chair, "body", "The agenda is published.")
	visit(t, rep, meeting)
	textHas(t, rep, "#agenda", steeringIssues[0])
	submit(t, chair, `form[action$="/status"] button[type=submit]`)
	textHas(t, chair, "body", "The meeting has started.")
	browser.Click(t, chair, item+" details.record summary")
	submit(t, chair, item+` form[action$="/current"] button[type=submit]`)
	visit(t, rep, meeting)
	textHas(t, rep, "#now", steeringIssues[0])

	// The quiet voice: sent, read by the chair, taken onto the agenda.
	const question = "Can the call-back rota include weekends?"
	browser.Fill(t, rep, "#quiet-text", question)
	submit(t, rep, `#quiet form[action$="/questions"] button[type=submit]`)
	textHas(t, rep, "body", "Sent. It will appear here once the chair or a facilitator has read it.")
	visit(t, chair, meeting)
	textHas(t, chair, "#quiet", question, "Waiting to be read")
	submit(t, chair, `#quiet form[action$="/moderate"] button[value="approved"]`)
	submit(t, chair, `#quiet form[action$="/take"] button[value="agenda"]`)
	textHas(t, chair, "#agenda", question, "Quiet voice")
	visit(t, rep, meeting)
	textHas(t, rep, "#quiet", question, "Taken up by the meeting")

	// A decision refused without its words keeps the form open at the field;
	// then the decision and an action.
	const (
		decision = "Call families back within 48 hours, weekends included"
		action   = "Extend the call-back rota to weekends"
		outcome  = "Families are called back at weekends too."
	)
	browser.Click(t, chair, item+" details.record summary")
	if status := browser.ClickAndWait(t, chair, item+` form[action$="/decisions"] button[type=submit]`); status != 400 {
		t.Fatalf("a decision without words answered %d; want 400", status)
	}
	browser.CheckAxe(t, chair)
	if !browser.Exists(t, chair, item+` details.record[open] #decision-`+itemID+`[aria-invalid="true"]`) {
		t.Fatal("the refused decision's field is not shown open and marked invalid")
	}
	browser.Fill(t, chair, "#decision-"+itemID, decision)
	browser.Fill(t, chair, "#type-"+itemID, "agreed")
	browser.Click(t, chair, "#agreed-"+itemID+"-icb")
	submit(t, chair, item+` form[action$="/decisions"] button[type=submit]`)
	textHas(t, chair, "body", "The decision is recorded.")
	browser.Click(t, chair, item+" details.record summary")
	browser.Fill(t, chair, "#description-"+itemID, action)
	browser.Fill(t, chair, "#owner_org-"+itemID, "keyworker_service")
	browser.Fill(t, chair, "#owner-"+itemID, "Service manager")
	browser.Fill(t, chair, "#due-"+itemID, time.Now().AddDate(0, 1, 0).Format(time.DateOnly))
	submit(t, chair, item+` form[action$="/actions"] button[type=submit]`)
	textHas(t, chair, "body", "The action is recorded.")

	// The representative finishes the action with an outcome for families.
	visit(t, rep, meeting)
	textHas(t, rep, item, decision, action)
	href, _ := browserAttr(t, rep, item+` a[href^="/actions/"]`, "href")
	visit(t, rep, base+href)
	browser.Fill(t, rep, "#status", "done")
	browser.Fill(t, rep, "#note", "Weekend rota from 1 February")
	browser.Fill(t, rep, "#outcome", outcome)
	submit(t, rep, `form[action^="/actions/"] button[type=submit]`)
	textHas(t, rep, "main", "The action is updated.", "Done", outcome)

	// The family reads it with only their code.
	family := b.NewTab(t, opts...)
	visit(t, family, base+"/follow-up")
	browser.Fill(t, family, "#code", s.AnonCode)
	submit(t, family, "main form button[type=submit]")
	textHas(t, family, "main", steeringIssues[0], "The action is done", outcome)
	visit(t, family, base+"/groups/"+g.ID+"/you-said-we-did")
	textHas(t, family, "main", steeringIssues[0], decision, outcome)
	t.Logf("steering journey without JavaScript took %s", time.Since(began).Round(100*time.Millisecond))
}
