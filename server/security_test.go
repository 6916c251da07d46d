package server_test

// Security tests for sessions, cross-site websocket hijacking and state
// changes on GET (issue 11; the promises are in SECURITY.md). Everything runs
// through real HTTP clients with cookie jars against a running Chorus.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"chorus/account"
	"chorus/audit"
	"chorus/forum"
	"chorus/internal/secret"

	"github.com/fasthttp/websocket"
)

// sessionOf returns the session cookie c's browser holds, or "".
func sessionOf(t *testing.T, c *client) string {
	t.Helper()
	for _, ck := range c.http.Jar.Cookies(mustURL(t, c.e.URL)) {
		if ck.Name == "chorus_session" {
			return ck.Value
		}
	}
	return ""
}

// plainUser stores an account with no roles (no MFA needed) and returns it.
func plainUser(t *testing.T, e *env, email string) *account.User {
	t.Helper()
	u := &account.User{ID: secret.NewID(), Email: email, Name: email, PasswordHash: secret.HashPassword("password " + email), CreatedAt: time.Now()}
	if err := e.Store.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

// hasSession reports whether c's browser is signed in, by asking for a page
// only signed-in people see.
func hasSession(t *testing.T, c *client) bool {
	t.Helper()
	r := c.get("/account")
	switch {
	case r.Status == 200:
		return true
	case r.Status == 303 && strings.HasPrefix(r.Location, "/signin"):
		return false
	}
	t.Fatalf("GET /account: status %d, location %q", r.Status, r.Location)
	return false
}

// TestSessionFixation: a session cookie the browser brings (set by an
// attacker, say) is never adopted: signing in always issues a new ID, and
// the made-up one signs nobody in.
func TestSessionFixation(t *testing.T) { onEachStore(t, testSessionFixation) }

func testSessionFixation(t *testing.T, store string) {
	e := newEnvOn(t, store)
	plainUser(t, e, "sam@example.org")
	ctx := context.Background()
	base := mustURL(t, e.URL)

	planted := secret.NewToken() // looks like a real token
	c := e.client()
	c.get("/signin")
	c.http.Jar.SetCookies(base, cookies("chorus_session", planted))
	r := c.post("/signin", url.Values{"email": {"sam@example.org"}, "password": {"password sam@example.org"}})
	wantStatus(t, r, 303)
	got := sessionOf(t, c)
	if got == "" || got == planted {
		t.Fatalf("session after sign-in = %q; want a new value, not the planted %q", got, planted)
	}
	if !hasSession(t, c) {
		t.Fatal("not signed in after signing in")
	}
	if _, err := e.Accounts.Authenticate(ctx, planted); !errors.Is(err, account.ErrSessionEnded) {
		t.Fatalf("the planted session value authenticates: %v", err)
	}
	attacker := e.client()
	attacker.http.Jar.SetCookies(base, cookies("chorus_session", planted))
	if hasSession(t, attacker) {
		t.Fatal("the planted session value is signed in")
	}

	// Signing in again in the same browser (already signed in) also issues
	// a new ID and ends the old session.
	c.signIn("sam@example.org", "password sam@example.org")
	again := sessionOf(t, c)
	if again == "" || again == got {
		t.Fatalf("second sign-in kept the session ID %q", got)
	}
	if _, err := e.Accounts.Authenticate(ctx, got); !errors.Is(err, account.ErrSessionEnded) {
		t.Fatalf("the session before the second sign-in still authenticates: %v", err)
	}
	if !hasSession(t, c) {
		t.Fatal("not signed in after the second sign-in")
	}
}

// TestRoleChangeTakesEffectOnTheSession: a role given or taken by an
// administrator applies to the person's open session at its next request
// (grants are read on every request), so a removed role cannot be kept by
// keeping the browser open.
//
// SECURITY.md: "ID regenerated on login and role change". A role changed by
// someone else ends the person's sessions; they sign in again under a new
// session ID, and the old one no longer works.
func TestRoleChangeTakesEffectOnTheSession(t *testing.T) {
	onEachStore(t, testRoleChangeTakesEffectOnTheSession)
}

func testRoleChangeTakesEffectOnTheSession(t *testing.T, store string) {
	fe := newForumEnv(t, store, forum.ForumSettings{AllowAnonymous: true})
	admin := fe.client()
	admin.signIn("ada@example.org", "long enough pw", secretOf(t, fe.env, adminID(t, fe.env)))
	member := fe.Member
	queue := "/forums/" + fe.Forum.ID + "/moderation"
	before := sessionOf(t, member)
	if r := member.get(queue); r.Status != 403 {
		t.Fatalf("a member opening the moderation queue: %d; want 403", r.Status)
	}
	setRole := func(role string) {
		t.Helper()
		members := "/forums/" + fe.Forum.ID + "/members"
		wantStatus(t, admin.get(members), 200)
		r := admin.post(members+"/"+fe.MemberUser.ID+"/role", url.Values{"csrf": {admin.csrf(members)}, "role": {role}})
		wantStatus(t, r, 303)
	}
	setRole(string(forum.RoleFacilitator))
	if r := member.get(queue); r.Status != 303 || !strings.HasPrefix(r.Location, "/signin") {
		t.Fatalf("the old session after a role change: %d %q; want sent to sign in", r.Status, r.Location)
	}
	member.signIn("amina@example.org", "password amina@example.org")
	if after := sessionOf(t, member); after == before {
		t.Fatal("the session ID was not regenerated on role change")
	}
	if r := member.get(queue); r.Status != 200 {
		t.Fatalf("a member made facilitator opening the queue: %d; want 200", r.Status)
	}
	if _, m := followAs(t, fe.env, member, "moderation:"+fe.Forum.ID); m.Type != "subscribed" {
		t.Fatalf("a member made facilitator joining the queue's room: %+v", m)
	}
	setRole(string(forum.RoleMember))
	member.signIn("amina@example.org", "password amina@example.org")
	if r := member.get(queue); r.Status != 403 {
		t.Fatalf("a facilitator made member again opening the queue: %d; want 403", r.Status)
	}
	if _, m := followAs(t, fe.env, member, "moderation:"+fe.Forum.ID); m.Type != "error" || m.Code != "forbidden" {
		t.Fatalf("a facilitator made member again joining the queue's room: %+v", m)
	}
}

// clock is a test clock: the real time plus an offset the test moves.
type clock struct{ offset atomic.Int64 }

func (c *clock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) advance(d time.Duration) { c.offset.Add(int64(d)) }
func (c *clock) String() string          { return "+" + time.Duration(c.offset.Load()).String() }
func newClock() *clock                   { return &clock{} }

// newEnvWithClock is newEnvOn with the account service on a test clock and
// its own settings (session timeouts).
func newEnvWithClock(t *testing.T, kind string, clk *clock, settings account.Settings) *env {
	t.Helper()
	db, closeDB, mongoAt := openStore(t, kind)
	e := serveEnv(t, db, clk.now, settings)
	e.Close, e.mongoURI, e.mongoDB = closeDB, mongoAt[0], mongoAt[1]
	return e
}

// TestSessionTimeouts: a session unused for longer than the idle timeout
// ends; a session in steady use still ends at the absolute timeout; an ended
// session's cookie is cleared and its ID never works again.
func TestSessionTimeouts(t *testing.T) { onEachStore(t, testSessionTimeouts) }

func testSessionTimeouts(t *testing.T, store string) {
	clk := newClock()
	settings := account.DefaultSettings
	settings.SessionIdle = 30 * time.Minute
	settings.SessionAbsolute = 2 * time.Hour
	e := newEnvWithClock(t, store, clk, settings)
	plainUser(t, e, "ida@example.org")
	ctx := context.Background()

	t.Run("Idle", func(t *testing.T) {
		c := e.client()
		c.signIn("ida@example.org", "password ida@example.org")
		tok := sessionOf(t, c)
		clk.advance(29 * time.Minute)
		if !hasSession(t, c) {
			t.Fatalf("signed out after 29 idle minutes (idle timeout 30) at %s", clk)
		}
		clk.advance(29 * time.Minute) // used a moment ago: the idle time starts again
		if !hasSession(t, c) {
			t.Fatalf("signed out 29 minutes after the last use at %s", clk)
		}
		clk.advance(31 * time.Minute)
		if hasSession(t, c) {
			t.Fatalf("still signed in after 31 idle minutes (idle timeout 30)")
		}
		if sessionOf(t, c) != "" {
			t.Fatal("the ended session's cookie was not cleared")
		}
		if _, err := e.Accounts.Authenticate(ctx, tok); !errors.Is(err, account.ErrSessionEnded) {
			t.Fatalf("an idle-ended session authenticates: %v", err)
		}
	})

	t.Run("Absolute", func(t *testing.T) {
		c := e.client()
		c.signIn("ida@example.org", "password ida@example.org")
		tok := sessionOf(t, c)
		// Used every 20 minutes, never idle: fine until two hours have passed.
		for i := 0; i < 5; i++ {
			clk.advance(20 * time.Minute)
			if !hasSession(t, c) {
				t.Fatalf("signed out after %d minutes of steady use (absolute timeout 2h)", 20*(i+1))
			}
		}
		clk.advance(25 * time.Minute) // 2h05m since sign-in, 25 minutes idle
		if hasSession(t, c) {
			t.Fatal("still signed in 2h05m after sign-in (absolute timeout 2h)")
		}
		if _, err := e.Accounts.Authenticate(ctx, tok); !errors.Is(err, account.ErrSessionEnded) {
			t.Fatalf("an expired session authenticates: %v", err)
		}
		// Signing in again gives a fresh session.
		c.signIn("ida@example.org", "password ida@example.org")
		if !hasSession(t, c) || sessionOf(t, c) == tok {
			t.Fatal("no fresh session after signing in again")
		}
	})
}

// subscribe asks ws to join room and returns the answer ("subscribed" or
// "error").
func subscribe(t *testing.T, ws interface {
	WriteJSON(any) error
	ReadJSON(any) error
	SetReadDeadline(time.Time) error
}, room string) liveMsg {
	t.Helper()
	if err := ws.WriteJSON(map[string]any{"type": "subscribe", "room": room}); err != nil {
		t.Fatal(err)
	}
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		var m liveMsg
		if err := ws.ReadJSON(&m); err != nil {
			t.Fatalf("subscribing to %s: %v", room, err)
		}
		if m.Type == "subscribed" || m.Type == "error" {
			return m
		}
	}
}

// TestCrossSiteWebSocketHijacking: another site's page cannot open the live
// connection, even with the person's cookies; without a session only public
// rooms can be joined; each room checks its own permission.
func TestCrossSiteWebSocketHijacking(t *testing.T) { onEachStore(t, testCrossSiteWebSocketHijacking) }

func testCrossSiteWebSocketHijacking(t *testing.T, store string) {
	fe := newForumEnv(t, store, forum.ForumSettings{AllowAnonymous: true, PreModerate: true})
	r := fe.raise(fe.Member, url.Values{"title": {"Waiting for review"}, "body": {"Text"}, "anonymous": {"no"}})
	inReview := "issue:" + strings.TrimPrefix(r.Location, "/issues/")
	forumRoom := "forum:" + fe.Forum.ID
	modRoom := "moderation:" + fe.Forum.ID

	t.Run("ForeignOrigin", func(t *testing.T) {
		for _, origin := range []string{"https://evil.example", "http://evil.example", strings.Replace(fe.URL, "127.0.0.1", "localhost", 1), "null"} {
			h := http.Header{}
			h.Set("Origin", origin)
			// The browser would send the signed-in facilitator's cookies.
			for _, ck := range fe.Facilitator.http.Jar.Cookies(mustURL(t, fe.URL)) {
				h.Add("Cookie", ck.Name+"="+ck.Value)
			}
			ws, res, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(fe.URL, "http")+"/live", h)
			if err == nil {
				ws.Close()
			}
			if err == nil || res == nil || res.StatusCode != 403 {
				status := 0
				if res != nil {
					status = res.StatusCode
				}
				t.Errorf("upgrade with Origin %q: status %d, err %v; want 403", origin, status, err)
			}
		}
	})

	t.Run("NoSession", func(t *testing.T) {
		ws, _, err := dialLive(t, fe.env, fe.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		if m := subscribe(t, ws, forumRoom); m.Type != "subscribed" {
			t.Fatalf("a visitor joining a public forum's room: %+v", m)
		}
		for _, room := range []string{inReview, modRoom} {
			if m := subscribe(t, ws, room); m.Type != "error" || m.Code != "forbidden" {
				t.Errorf("a visitor joining %s: %+v; want forbidden", room, m)
			}
		}
	})

	t.Run("MemberNotFacilitator", func(t *testing.T) {
		if _, m := followAs(t, fe.env, fe.Member, modRoom); m.Type != "error" || m.Code != "forbidden" {
			t.Fatalf("a member joining %s: %+v; want forbidden", modRoom, m)
		}
		// The same room is open to the forum's facilitator: the refusal is
		// about the person, not the room.
		if _, m := followAs(t, fe.env, fe.Facilitator, modRoom); m.Type != "subscribed" {
			t.Fatalf("the facilitator joining %s: %+v", modRoom, m)
		}
		if _, m := followAs(t, fe.env, fe.Facilitator, inReview); m.Type != "subscribed" {
			t.Fatalf("the facilitator joining an issue in review: %+v", m)
		}
	})
}

// snapshot is what the store holds, table (or collection) by table, each
// row as text, sorted so that the physical order does not matter.
type snapshot map[string][]string

// Two things are left out of the comparison, both by design:
//   - a session's last-seen time: Authenticate writes it at most once a
//     minute for the idle timeout, whatever the method;
//   - audit entries "safeguarding.view": reading a safeguarding hold is
//     recorded on purpose (who read what, for the lead's accountability).
//     The test checks that such an entry did appear, so the exclusion is
//     needed. SQLite's counter behind the audit trail's sequence numbers
//     (sqlite_sequence, name=audit) moves with it; any other audit entry
//     would still show as a new audit row.
var lastSeenRe = regexp.MustCompile(`"?last_seen_at"?[=:] ?[^;,}]*`)

func normalise(table, row string) (string, bool) {
	if table == "audit" && strings.Contains(row, "safeguarding.view") {
		return "", false
	}
	if table == "sqlite_sequence" && strings.HasPrefix(row, "name=audit;") {
		return "", false
	}
	if table == "sessions" {
		row = lastSeenRe.ReplaceAllString(row, "")
	}
	return row, true
}

// snapshotter reads the whole store without closing it.
func snapshotter(t *testing.T, e *env) func() snapshot {
	t.Helper()
	ctx := context.Background()
	if d, ok := e.Store.(interface{ Dir() string }); ok {
		db, err := sql.Open("sqlite", "file:"+filepath.Join(d.Dir(), "chorus.db")+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return func() snapshot {
			t.Helper()
			s := snapshot{}
			var tables []string
			rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table'`)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var n string
				rows.Scan(&n)
				tables = append(tables, n)
			}
			rows.Close()
			for _, table := range tables {
				rows, err := db.QueryContext(ctx, `SELECT * FROM "`+table+`"`)
				if err != nil {
					t.Fatal(err)
				}
				cols, _ := rows.Columns()
				for rows.Next() {
					vals := make([]any, len(cols))
					ptrs := make([]any, len(cols))
					for i := range vals {
						ptrs[i] = &vals[i]
					}
					if err := rows.Scan(ptrs...); err != nil {
						t.Fatal(err)
					}
					var b strings.Builder
					for i, c := range cols {
						v := vals[i]
						if bs, ok := v.([]byte); ok {
							v = string(bs)
						}
						fmt.Fprintf(&b, "%s=%v;", c, v)
					}
					if row, ok := normalise(table, b.String()); ok {
						s[table] = append(s[table], row)
					}
				}
				if err := rows.Err(); err != nil {
					t.Fatal(err)
				}
				rows.Close()
				sort.Strings(s[table])
			}
			return s
		}
	}
	return func() snapshot {
		t.Helper()
		s := snapshot{}
		eachMongoDocument(t, e, func(name string, doc []byte) {
			if row, ok := normalise(name, string(doc)); ok {
				s[name] = append(s[name], row)
			}
		})
		for name := range s {
			sort.Strings(s[name])
		}
		return s
	}
}

// diff describes how b differs from a, or returns "".
func (a snapshot) diff(b snapshot) string {
	var out []string
	tables := map[string]bool{}
	for k := range a {
		tables[k] = true
	}
	for k := range b {
		tables[k] = true
	}
	for table := range tables {
		was, now := map[string]int{}, map[string]int{}
		for _, r := range a[table] {
			was[r]++
		}
		for _, r := range b[table] {
			now[r]++
		}
		for r, n := range now {
			if was[r] < n {
				out = append(out, table+" + "+trimTo(r, 400))
			}
		}
		for r, n := range was {
			if now[r] < n {
				out = append(out, table+" - "+trimTo(r, 400))
			}
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// TestNoStateChangeOnGet: every GET route in the route table, requested by a
// signed-in installation administrator (who may see the most), leaves the
// store as it was. Quick exit is the one route allowed to change something
// (it ends the session); choosing a language sets only a cookie.
func TestNoStateChangeOnGet(t *testing.T) { onEachStore(t, testNoStateChangeOnGet) }

func testNoStateChangeOnGet(t *testing.T, store string) {
	fe := newForumEnv(t, store, forum.ForumSettings{AllowAnonymous: true})
	e := fe.env
	ctx := context.Background()
	by := principalFor(t, e, "ada@example.org")
	adminSecret := secretOf(t, e, adminID(t, e))
	admin := e.client()
	admin.signIn("ada@example.org", "long enough pw", adminSecret)

	// The administrator is this forum's safeguarding lead, so that reading a
	// safeguarding hold is among the GETs.
	settings := fe.Forum.Settings()
	settings.SafeguardingLeadID = by.User.ID
	if _, err := fe.Forums.UpdateForum(ctx, by, fe.Forum.ID, settings); err != nil {
		t.Fatal(err)
	}
	memberP := principalFor(t, e, "amina@example.org")
	raised, err := fe.Forums.RaiseIssue(ctx, forum.Viewer{Principal: memberP}, fe.Forum.ID, forum.Draft{Title: "An issue", Body: "Text"})
	if err != nil {
		t.Fatal(err)
	}
	issueID := raised.Issue.ID
	cm, err := fe.Forums.AddComment(ctx, forum.Viewer{Principal: memberP}, issueID, "A comment", "")
	if err != nil {
		t.Fatal(err)
	}
	held, err := fe.Forums.RaiseIssue(ctx, forum.Viewer{Principal: memberP}, fe.Forum.ID, forum.Draft{Title: "Worried tonight", Body: "My son talks about self-harm."})
	if err != nil {
		t.Fatal(err)
	}
	if held.Issue.Held != forum.HoldSafeguarding {
		t.Fatalf("the risky issue is not held for safeguarding: %+v", held.Issue.Moderation)
	}
	_, invToken, err := e.Accounts.CreateInvitation(ctx, by, account.Role(forum.RoleMember), forum.ForumScope(fe.Forum.ID), "")
	if err != nil {
		t.Fatal(err)
	}
	resetToken, err := e.Accounts.CreateReset(ctx, by, fe.MemberUser.ID)
	if err != nil {
		t.Fatal(err)
	}
	// A notification to read, so that opening the list could mark it read.
	wantStatus(t, admin.post("/issues/"+issueID+"/follow", url.Values{"csrf": {admin.csrf("/issues/" + issueID)}}), 303)
	wantStatus(t, fe.Facilitator.post("/issues/"+issueID+"/comments", url.Values{"csrf": {fe.Facilitator.csrf("/issues/" + issueID)}, "body": {"A reply"}, "idem": {"s1"}}), 303)
	asset := regexp.MustCompile(`/static/(app\.[0-9a-f]+\.css)`).FindStringSubmatch(admin.get("/account").Body)[1]

	snap := snapshotter(t, e)
	n := 0
	for _, r := range e.Server.Routes() {
		if r.Method != "GET" {
			continue
		}
		id := fe.Forum.ID
		switch {
		case strings.HasPrefix(r.Path, "/issues/"):
			id = issueID
		case strings.HasPrefix(r.Path, "/comments/"):
			id = cm.ID
		case strings.HasPrefix(r.Path, "/admin/users/"):
			id = fe.MemberUser.ID
		}
		token := invToken
		if strings.HasPrefix(r.Path, "/reset/") {
			token = resetToken
		}
		path := strings.NewReplacer(":id", id, ":token", token, ":file", asset).Replace(r.Path)
		switch r.Path {
		case "/comments/:id/edit":
			path += "?issue=" + issueID
		case "/issues/:id/moderate":
			path += "?comment=" + cm.ID
		case "/live/events":
			path += "?room=" + url.QueryEscape("issue:"+issueID) + "&after=0"
		}
		paths := []string{path}
		if r.Path == "/issues/:id" {
			paths = append(paths, "/issues/"+held.Issue.ID) // the lead reads the hold: recorded
		}
		if r.Path == "/issues/:id/moderate" {
			paths = append(paths, "/issues/"+held.Issue.ID+"/moderate")
		}
		for _, p := range paths {
			before := snap()
			status, location := getBriefly(t, admin, p)
			n++
			if status >= 500 || strings.HasPrefix(location, "/signin?") {
				t.Errorf("GET %s as the administrator: status %d, location %q: sent to sign in, or failed", p, status, location)
			}
			if r.Path == "/exit" {
				// Allowed: quick exit ends the session. Sign in again.
				admin = e.client()
				admin.signIn("ada@example.org", "long enough pw", adminSecret)
				continue
			}
			if d := before.diff(snap()); d != "" {
				t.Errorf("GET %s (status %d) changed the store:\n%s", p, status, d)
			}
		}
	}
	t.Logf("%d GETs checked", n)

	// The excluded audit entry did appear: the exclusion above is needed.
	entries, err := e.Store.ListEntries(ctx, audit.Filter{Action: "safeguarding.view"})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 {
		t.Error("reading the safeguarding hold recorded no safeguarding.view entry")
	}

	// The comparison sees a change: a POST does show up.
	before := snap()
	wantStatus(t, admin.post("/issues/"+issueID+"/unfollow", url.Values{"csrf": {admin.csrf("/issues/" + issueID)}}), 303)
	if before.diff(snap()) == "" {
		t.Fatal("unfollowing an issue changed nothing in the snapshot: the comparison cannot see changes")
	}
}

// getBriefly GETs path as c, giving up on a stream (the live event stream)
// after a second, and returns the status and redirect.
func getBriefly(t *testing.T, c *client, path string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", c.e.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.http.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	buf := make([]byte, 32<<10)
	for {
		if _, err := res.Body.Read(buf); err != nil {
			break // EOF, or the deadline on a stream
		}
	}
	return res.StatusCode, res.Header.Get("Location")
}
