package server_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"chorus/account"
	"chorus/audit"
)

var linkRe = regexp.MustCompile(`id="once-link">(http://[^<]+)<`)

func TestSetup(t *testing.T) {
	t.Run("HomeLeadsToSetup", func(t *testing.T) {
		e := newEnv(t)
		r := e.client().get("/")
		wantStatus(t, r, 303)
		if r.Location != "/setup" {
			t.Fatalf("new installation sends / to %q; want /setup", r.Location)
		}
	})
	t.Run("ErrWrongTokenKeepsInput", func(t *testing.T) {
		e := newEnv(t)
		c := e.client()
		c.get("/setup")
		r := c.post("/setup", url.Values{"token": {"wrong"}, "name": {"Ada <b>Admin</b>"}, "email": {"ada@example.org"}, "password": {"long enough pw"}, "password2": {"long enough pw"}})
		wantStatus(t, r, 400)
		wantContains(t, r.Body, "That setup token is not right", `value="Ada &lt;b&gt;Admin&lt;/b&gt;"`, `value="ada@example.org"`, `aria-invalid="true"`)
	})
	t.Run("ErrInvalidFields", func(t *testing.T) {
		e := newEnv(t)
		c := e.client()
		c.get("/setup")
		r := c.post("/setup", url.Values{"token": {e.Token}, "name": {"Ada"}, "email": {"not-an-email"}, "password": {"short"}, "password2": {"short"}})
		wantStatus(t, r, 400)
		wantContains(t, r.Body, "Enter an email address like name@example.org", `value="not-an-email"`)
	})
	t.Run("OKThenGone", func(t *testing.T) {
		e := newEnv(t)
		c, _ := e.setupAdmin()
		r := c.get("/account")
		wantStatus(t, r, 200)
		wantContains(t, r.Body, "ada@example.org", "Two-step sign-in")
		r = e.client().get("/setup")
		wantStatus(t, r, 410)
		wantContains(t, r.Body, "Chorus is already set up")
		r = e.client().get("/")
		wantStatus(t, r, 200)
		wantContains(t, r.Body, "Chorus: families")
	})
}

func TestSignIn(t *testing.T) { onEachStore(t, testSignIn) }

func testSignIn(t *testing.T, store string) {
	e := newEnvOn(t, store)
	_, secret := e.setupAdmin()
	t.Run("ErrBadCredentialsSameForUnknown", func(t *testing.T) {
		c := e.client()
		c.get("/signin")
		r1 := c.post("/signin", url.Values{"email": {"ada@example.org"}, "password": {"wrong password"}})
		r2 := c.post("/signin", url.Values{"email": {"nobody@example.org"}, "password": {"wrong password"}})
		wantStatus(t, r1, 400)
		wantStatus(t, r2, 400)
		wantContains(t, r1.Body, "The email address or password is not right", `value="ada@example.org"`)
		wantContains(t, r2.Body, "The email address or password is not right")
	})
	t.Run("CodeRequiredAfterEnrolment", func(t *testing.T) {
		c := e.client()
		c.get("/signin")
		r := c.post("/signin", url.Values{"email": {"ada@example.org"}, "password": {"long enough pw"}})
		if r.Location != "/signin/code" {
			t.Fatalf("enrolled admin sent to %q; want /signin/code", r.Location)
		}
		if r := c.get("/account"); r.Status != 303 {
			t.Fatalf("account reachable before the code: %d", r.Status)
		}
		c.get("/signin/code")
		r = c.post("/signin/code", url.Values{"code": {"000000"}})
		wantStatus(t, r, 400)
		wantContains(t, r.Body, "That code is not right")
		r = c.post("/signin/code", url.Values{"code": {codeAt(t, secret, 30)}}) // the next step's code is within skew and unused
		wantStatus(t, r, 303)
		wantStatus(t, c.get("/account"), 200)
	})
	t.Run("Throttled", func(t *testing.T) {
		c := e.client()
		c.get("/signin")
		var r response
		for range account.DefaultSettings.LoginFailures + 1 {
			r = c.post("/signin", url.Values{"email": {"victim@example.org"}, "password": {"guess guess"}})
		}
		wantStatus(t, r, 429)
		wantContains(t, r.Body, "please wait 15 minutes")
	})
	t.Run("SignOutEndsSession", func(t *testing.T) {
		c := e.client()
		c.signIn("ada@example.org", "long enough pw", secret)
		wantStatus(t, c.get("/account"), 200)
		r := c.post("/signout", url.Values{"csrf": {c.csrf("/account")}})
		wantStatus(t, r, 303)
		if r := c.get("/account"); r.Status != 303 || !strings.HasPrefix(r.Location, "/signin") {
			t.Fatalf("after sign-out /account = %d %q; want redirect to sign in", r.Status, r.Location)
		}
	})
}

func TestInvitationJourney(t *testing.T) { onEachStore(t, testInvitationJourney) }

func testInvitationJourney(t *testing.T, store string) {
	e := newEnvOn(t, store)
	admin, _ := e.setupAdmin()
	ctx := context.Background()

	r := admin.post("/admin/organisations", url.Values{"csrf": {admin.csrf("/admin/organisations")}, "name": {"Leicester, Leicestershire and Rutland"}})
	wantStatus(t, r, 303)
	orgs, err := e.Accounts.Organisations(ctx)
	if err != nil || len(orgs) != 1 {
		t.Fatalf("organisations = %v, %v", orgs, err)
	}
	admin.get("/admin/invitations")
	r = admin.post("/admin/invitations", url.Values{"role": {"org_admin"}, "organisation": {orgs[0].ID}, "note": {"for Priya"}})
	wantStatus(t, r, 200)
	m := linkRe.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no invitation link shown:\n%s", r.Body)
	}
	path := strings.TrimPrefix(m[1], e.URL)

	priya := e.client()
	r = priya.get(path)
	wantStatus(t, r, 200)
	wantContains(t, r.Body, "administrator for Leicester, Leicestershire and Rutland")
	r = priya.post(path, url.Values{"name": {"Priya"}, "email": {"ada@example.org"}, "password": {"priya's password"}, "password2": {"priya's password"}})
	wantStatus(t, r, 400)
	wantContains(t, r.Body, "There is already an account with this email address", `value="Priya"`)
	r = priya.post(path, url.Values{"name": {"Priya"}, "email": {"priya@example.org"}, "password": {"priya's password"}, "password2": {"priya's password"}})
	wantStatus(t, r, 303)
	priya.signIn("priya@example.org", "priya's password")
	r = priya.get("/admin/invitations")
	wantStatus(t, r, 200)
	if strings.Contains(r.Body, "Administrator (whole installation)") {
		t.Fatal("an organisation administrator is offered the installation administrator role")
	}

	// Single use: the link is gone for anyone else.
	r = e.client().get(path)
	wantStatus(t, r, 410)
	wantContains(t, r.Body, "This invitation cannot be used")

	// The administrator sees it used; the audit log has each step.
	r = admin.get("/admin/invitations")
	wantContains(t, r.Body, "Used by priya@example.org")
	entries, err := e.Store.ListEntries(ctx, audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, en := range entries {
		actions = append(actions, en.Action)
	}
	for _, want := range []string{"organisation.create", "invitation.create", "invitation.accept", "user.mfa_enable"} {
		if !strings.Contains(strings.Join(actions, " "), want) {
			t.Fatalf("audit lacks %s: %v", want, actions)
		}
	}
}

func TestInvitationConcurrentUseOneWinner(t *testing.T) {
	onEachStore(t, testInvitationConcurrentUseOneWinner)
}

func testInvitationConcurrentUseOneWinner(t *testing.T, store string) {
	e := newEnvOn(t, store)
	admin, _ := e.setupAdmin()
	admin.get("/admin/invitations")
	r := admin.post("/admin/invitations", url.Values{"role": {"admin"}})
	m := linkRe.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no link:\n%s", r.Body)
	}
	path := strings.TrimPrefix(m[1], e.URL)
	const n = 8
	var wg sync.WaitGroup
	statuses := make([]int, n)
	clients := make([]*client, n)
	for i := range n { // every person opens the link before anyone accepts
		clients[i] = e.client()
		clients[i].get(path)
	}
	for i, c := range clients {
		token := c.csrf(path)
		wg.Add(1)
		go func() {
			defer wg.Done()
			email := "person" + string(rune('a'+i)) + "@example.org"
			statuses[i] = c.post(path, url.Values{"csrf": {token}, "name": {"P"}, "email": {email}, "password": {"password one"}, "password2": {"password one"}}).Status
		}()
	}
	wg.Wait()
	won := 0
	for _, s := range statuses {
		if s == 303 {
			won++
		}
	}
	if won != 1 {
		t.Fatalf("%d people used one invitation (statuses %v); want 1", won, statuses)
	}
	users, _ := e.Store.ListUsers(context.Background())
	if len(users) != 2 {
		t.Fatalf("%d accounts exist; want the admin and one invitee", len(users))
	}
}

func TestAdministration(t *testing.T) { onEachStore(t, testAdministration) }

func testAdministration(t *testing.T, store string) {
	e := newEnvOn(t, store)
	admin, _ := e.setupAdmin()
	ctx := context.Background()
	u, err := e.Accounts.AddUser(ctx, nil, account.NewUser{Email: "sam@example.org", Name: "Sam", Password: "sam's password"}, account.RoleAdmin, account.Installation)
	if err != nil {
		t.Fatal(err)
	}
	sam := e.client()
	sam.signIn("sam@example.org", "sam's password")
	wantStatus(t, sam.get("/account"), 200)

	t.Run("ResetLinkOnce", func(t *testing.T) {
		admin.get("/admin/users/" + u.ID)
		r := admin.post("/admin/users/"+u.ID+"/reset", nil)
		wantStatus(t, r, 200)
		m := linkRe.FindStringSubmatch(r.Body)
		if m == nil {
			t.Fatalf("no reset link:\n%s", r.Body)
		}
		path := strings.TrimPrefix(m[1], e.URL)
		c := e.client()
		c.get(path)
		r = c.post(path, url.Values{"password": {"new password!"}, "password2": {"different"}})
		wantStatus(t, r, 400)
		r = c.post(path, url.Values{"password": {"new password!"}, "password2": {"new password!"}})
		wantStatus(t, r, 303)
		wantStatus(t, e.client().get(path), 410)
		if r := sam.get("/account"); r.Status != 303 {
			t.Fatalf("a reset must end the person's sessions; /account = %d", r.Status)
		}
	})
	t.Run("DisableEndsSessionsAndSignIn", func(t *testing.T) {
		sam = e.client()
		sam.signIn("sam@example.org", "new password!", secretOf(t, e, u.ID))
		wantStatus(t, sam.get("/account"), 200)
		admin.get("/admin/users/" + u.ID)
		wantStatus(t, admin.post("/admin/users/"+u.ID+"/disable", nil), 303)
		if r := sam.get("/account"); r.Status != 303 {
			t.Fatalf("disabled person still signed in: %d", r.Status)
		}
		c := e.client()
		c.get("/signin")
		r := c.post("/signin", url.Values{"email": {"sam@example.org"}, "password": {"new password!"}})
		wantStatus(t, r, 400)
		wantStatus(t, admin.post("/admin/users/"+u.ID+"/enable", url.Values{"csrf": {admin.csrf("/admin/users/" + u.ID)}}), 303)
	})
	t.Run("ErrLastAdmin", func(t *testing.T) {
		self := adminID(t, e)
		admin.get("/admin/users/" + self)
		wantStatus(t, admin.post("/admin/users/"+u.ID+"/grants/remove", url.Values{"role": {"admin"}}), 303)
		admin.get("/admin/users/" + self)
		r := admin.post("/admin/users/"+self+"/grants/remove", url.Values{"role": {"admin"}})
		wantStatus(t, r, 409)
		wantContains(t, r.Body, "This is the last administrator")
	})
}

func adminID(t *testing.T, e *env) string {
	u, err := e.Store.FindUserByEmail(context.Background(), "ada@example.org")
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func secretOf(t *testing.T, e *env, id string) string {
	u, err := e.Store.FindUserByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return u.TOTPSecret
}
