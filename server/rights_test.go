package server_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"chorus/audit"
	"chorus/forum"
	"chorus/steering"
)

// TestPersonalDataDownload: a member who raised a named issue, an
// anonymous one (signed in), commented, supported, followed, reported and
// holds a steering seat downloads what Chorus holds about them. The file
// has the named issue, the comment, the support, the follow, the report
// and the seat; it has neither the anonymous issue nor the password hash
// nor other people's words; the download is in the audit log.
func TestPersonalDataDownload(t *testing.T) { onEachStore(t, testPersonalDataDownload) }

func testPersonalDataDownload(t *testing.T, store string) {
	fe := newForumEnv(t, store, forum.ForumSettings{AllowAnonymous: true})
	ctx := context.Background()
	m, fac := fe.Member, fe.Facilitator

	r := fe.raise(m, url.Values{"title": {"Named transport worry"}, "body": {"The named bus is late every day."}, "anonymous": {"no"}})
	wantStatus(t, r, 303)
	named := r.Location
	r = fe.raise(m, url.Values{"title": {"Anonymous respite worry"}, "body": {"Nobody may link this respite worry to me."}, "anonymous": {"yes"}})
	wantStatus(t, r, 200)
	r = fe.raise(fac, url.Values{"title": {"Facilitator waiting lists"}, "body": {"Facilitator words about waiting lists."}, "anonymous": {"no"}})
	wantStatus(t, r, 303)
	other := r.Location
	wantStatus(t, fac.post(named+"/comments", url.Values{"csrf": {fac.csrf(named)}, "body": {"Facilitator reply words"}, "idem": {"f1"}}), 303)

	m.get(other)
	wantStatus(t, m.post(other+"/support", url.Values{"csrf": {m.csrf(other)}}), 303)
	wantStatus(t, m.post(other+"/follow", url.Values{"csrf": {m.csrf(other)}}), 303)
	wantStatus(t, m.post(other+"/comments", url.Values{"csrf": {m.csrf(other)}, "body": {"Member comment words"}, "idem": {"m1"}}), 303)
	wantStatus(t, m.post(other+"/report", url.Values{"csrf": {m.csrf(other)}, "reason": {"other"}, "detail": {"Member report detail"}}), 303)

	by := principalFor(t, fe.env, "ada@example.org")
	g, err := fe.Steering.CreateGroup(ctx, by, steering.GroupSettings{OrgID: fe.Forum.OrgID, Name: "Keyworker steering group", ForumIDs: []string{fe.Forum.ID}}, "g1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fe.Steering.AddMember(ctx, by, g.ID, fe.MemberUser.ID, "Amina R", steering.RoleParentRep, steering.OrgParentForum); err != nil {
		t.Fatal(err)
	}

	// Without the form key, nothing is sent.
	wantStatus(t, m.post("/account/data", url.Values{"csrf": {"wrong"}}), 403)
	wantContains(t, m.get("/account").Body, "Download what Chorus holds about you")
	r = m.post("/account/data", url.Values{"csrf": {m.csrf("/account")}})
	wantStatus(t, r, 200)
	if cd := r.Header.Get("Content-Disposition"); !strings.Contains(cd, "attachment") {
		t.Fatalf("Content-Disposition %q", cd)
	}
	// The documented field names (docs/operations.md, "Data rights").
	var d struct {
		Format  string `json:"format"`
		Account struct {
			Email   string `json:"email"`
			TwoStep bool   `json:"two_step_sign_in"`
		} `json:"account"`
		Forums        forum.PersonalForums    `json:"forums"`
		SteeringSeats []steering.PersonalSeat `json:"steering_seats"`
		Audit         []struct {
			Action  string `json:"action"`
			Subject string `json:"subject"`
		} `json:"audit"`
	}
	if err := json.Unmarshal([]byte(r.Body), &d); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.Body)
	}
	if d.Format != "chorus-personal-data/1" || d.Account.Email != "amina@example.org" || d.Account.TwoStep {
		t.Fatalf("account: %+v", d.Account)
	}
	f := d.Forums
	if len(f.Memberships) != 1 || f.Memberships[0].DisplayName != "Amina" {
		t.Fatalf("memberships: %+v", f.Memberships)
	}
	if len(f.Issues) != 1 || f.Issues[0].Title != "Named transport worry" {
		t.Fatalf("issues: %+v", f.Issues)
	}
	if len(f.Comments) != 1 || f.Comments[0].Body != "Member comment words" {
		t.Fatalf("comments: %+v", f.Comments)
	}
	if len(f.Supports) != 1 || f.Supports[0].Title != "Facilitator waiting lists" {
		t.Fatalf("supports: %+v", f.Supports)
	}
	if len(f.Follows) < 1 {
		t.Fatalf("follows: %+v", f.Follows)
	}
	if len(f.Reports) != 1 || f.Reports[0].Detail != "Member report detail" {
		t.Fatalf("reports: %+v", f.Reports)
	}
	if len(d.SteeringSeats) != 1 || d.SteeringSeats[0].Name != "Amina R" || d.SteeringSeats[0].GroupName != "Keyworker steering group" {
		t.Fatalf("seats: %+v", d.SteeringSeats)
	}
	u, err := fe.Store.FindUserByEmail(ctx, "amina@example.org")
	if err != nil {
		t.Fatal(err)
	}
	for _, never := range []string{"Anonymous respite worry", "respite", u.PasswordHash, "argon2", "password", "totp", "Facilitator reply words", "Facilitator words about waiting lists"} {
		if strings.Contains(strings.ToLower(r.Body), strings.ToLower(never)) {
			t.Errorf("the download contains %q", never)
		}
	}

	es, err := audit.NewLog(fe.Store, time.Now).List(ctx, audit.Filter{ActorID: fe.MemberUser.ID, Action: "rights.download"})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || es[0].Subject != "user:"+fe.MemberUser.ID || es[0].Detail != "" || es[0].Before != "" || es[0].After != "" {
		t.Fatalf("audit: %+v", es)
	}
	// A later download lists the earlier one among what the person did.
	r = m.post("/account/data", url.Values{"csrf": {m.csrf("/account")}})
	wantStatus(t, r, 200)
	if err := json.Unmarshal([]byte(r.Body), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Audit) != 1 || d.Audit[0].Action != "rights.download" || d.Audit[0].Subject != "user:"+fe.MemberUser.ID {
		t.Fatalf("audit in the download: %+v", d.Audit)
	}
}
