package server_test

import (
	"net/url"
	"regexp"
	"testing"

	"chorus/forum"
)

// TestSubmissionsLimitedPerIP: anonymous issues and reports from one address
// stop at the hourly limit with the typed text kept beside the message;
// named issues are not counted.
func TestSubmissionsLimitedPerIP(t *testing.T) {
	fe := newForumEnv(t, "sqlite", forum.ForumSettings{AllowAnonymous: true}, func(o *optionsAlias) { o.SubmitPerIP = 3 })
	visitor := fe.client()
	for i := range 2 {
		r := fe.raise(visitor, url.Values{"title": {"Waiting for a keyworker " + string(rune('A'+i))}, "body": {"Eight months."}, "anonymous": {"yes"}})
		wantStatus(t, r, 200)
		wantContains(t, r.Body, "Keep this follow-up code")
	}
	named := fe.raise(fe.Member, url.Values{"title": {"A named issue"}, "body": {"Not counted."}})
	wantStatus(t, named, 303)
	issuePath := named.Header.Get("Location")
	fac := fe.Facilitator
	fac.get(issuePath)
	wantStatus(t, fac.post(issuePath+"/report", url.Values{"csrf": {fac.csrf(issuePath)}, "reason": {"personal"}, "detail": {"Third from this address"}}), 303)

	r := fe.raise(visitor, url.Values{"title": {"Typed before the limit"}, "body": {"Nothing typed is lost."}, "anonymous": {"yes"}})
	wantStatus(t, r, 429)
	wantContains(t, r.Body, "Too many tries")
	wantContains(t, r.Body, "Typed before the limit")
	wantContains(t, r.Body, "Nothing typed is lost.")
	if regexp.MustCompile(`id="followup-code"`).MatchString(r.Body) {
		t.Fatal("a submission past the limit was given a follow-up code")
	}
	r = fac.post(issuePath+"/report", url.Values{"csrf": {fac.csrf(issuePath)}, "reason": {"personal"}, "detail": {"Kept too"}})
	wantStatus(t, r, 429)
	wantContains(t, r.Body, "Too many tries")
	wantContains(t, r.Body, `<details class="report" id="report" open>`)
	wantContains(t, r.Body, "Kept too")
	wantStatus(t, fe.raise(fe.Member, url.Values{"title": {"Another named issue"}, "body": {"Still not counted."}}), 303)
}
