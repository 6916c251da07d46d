package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"chorus/account"
	"chorus/forum"
	"chorus/internal/testenv/crash"
	"chorus/internal/testenv/mongotest"
)

// TestCrashNothingLost: Chorus runs as a separate process while concurrent
// clients send anonymous submissions, member submissions, comments and
// supports, each form with its idempotency key as the real forms carry it.
// At a random moment the process gets SIGKILL; it starts again on the same
// store. Every acknowledged write must be there exactly once (anonymous
// submissions checked through their follow-up codes, supports counted
// exactly); a write whose answer never came may be there, but once, and
// sending it again with the same key must leave exactly one. Several kills
// per store; the embedded store (SQLite) and the MongoDB adapter (FerretDB,
// which outlives the Chorus process).
func TestCrashNothingLost(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash test builds and kills Chorus processes; skipped with -short")
	}
	began := time.Now()
	bin := crash.Build(t)
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		crashRounds(t, bin, []string{"--data-dir", dir}, 4, 28*time.Second, 50, 225)
	})
	t.Run("mongo", func(t *testing.T) {
		dir := t.TempDir()
		uri, name := os.Getenv(mongotest.EnvURI), "crash_"+randHex(6)
		if uri == "" {
			uri = mongotest.Own(t).URI()
		}
		crashRounds(t, bin, []string{"--data-dir", dir, "--mongodb-uri", uri, "--mongodb-database", name}, 3, 30*time.Second, 30, 110)
	})
	t.Logf("crash test took %s", time.Since(began).Round(100*time.Millisecond))
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// crashWorld is what the clients were told was done, and what is in doubt.
type crashWorld struct {
	mu       sync.Mutex
	forumID  string
	issues   []string                   // issue IDs to comment on and support
	titles   map[string]*crashWrite     // issue title → the write that raised it
	comments map[string][]*crashWrite   // issue ID → comments sent to it
	supports map[string]map[string]bool // issue ID → members who sent a support
	pending  []*crashWrite              // writes whose answer never came
	unsent   []*crashWrite              // writes acknowledged since the last check
	acked    atomic.Int64               // acknowledgements this round
	stats    map[string]int             // acknowledged writes by kind, all rounds
}

// crashWrite is one write: enough to send it again, and what it produced.
type crashWrite struct {
	kind     string // anon, issue, comment, support
	worker   *crashClient
	issueID  string // comment, support: the issue; issue: the created one
	title    string
	body     string
	idem     string
	code     string // anon: the follow-up code shown
	acked    bool
	resubmit bool
}

// crashClient is one person's browser: a cookie jar and, for anonymous
// visitors, the address a trusted proxy reports for them.
type crashClient struct {
	http   *http.Client
	member string // display name; "" for an anonymous visitor
	email  string
	ip     string
	base   string
	csrf   string
}

var (
	crashCSRF    = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	crashCode    = regexp.MustCompile(`id="followup-code"[^>]*>([^<]+)<`)
	crashIssueID = regexp.MustCompile(`^/issues/([^/#?]+)`)
	crashCount   = regexp.MustCompile(`class="support-count"[^>]*>\D*(\d+)`)
	crashTitle   = regexp.MustCompile(`<h3><a href="/issues/([^"]+)"[^>]*>([^<]+)</a></h3>`)
)

func newCrashClient(member, email, ip string) *crashClient {
	jar, _ := cookiejar.New(nil)
	return &crashClient{member: member, email: email, ip: ip, http: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends a request; err is set only when no answer came.
func (c *crashClient) do(method, path string, form url.Values, ip string) (int, string, string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		return 0, "", "", err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", c.base)
	}
	if ip != "" {
		req.Header.Set("X-Forwarded-For", ip)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return 0, "", "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, "", "", err
	}
	return res.StatusCode, string(b), res.Header.Get("Location"), nil
}

// page fetches a page and keeps its CSRF token for the forms that follow.
func (c *crashClient) page(path string) (string, error) {
	status, body, _, err := c.do("GET", path, nil, c.ip)
	if err != nil {
		return "", err
	}
	if status != 200 {
		return "", fmt.Errorf("GET %s = %d", path, status)
	}
	if m := crashCSRF.FindStringSubmatch(body); m != nil {
		c.csrf = m[1]
	}
	return body, nil
}

func (c *crashClient) post(path string, form url.Values) (int, string, string, error) {
	form.Set("csrf", c.csrf)
	return c.do("POST", path, form, c.ip)
}

// crashRounds seeds a forum through the services, as seedAll does, then
// runs rounds of load, kill and restart on the same store: up to rounds of
// them, at least two, and no more than fit in budget (the whole test must
// finish in 90 s on two busy cores).
func crashRounds(t *testing.T, bin string, storeArgs []string, rounds int, budget time.Duration, minKill, maxKill int) {
	start := time.Now()
	w := seedCrash(t, storeArgs)
	env := []string{"CHORUS_TRUSTED_PROXIES=127.0.0.1", "CHORUS_LOG_FORMAT=text", "CHORUS_SUBMIT_PER_IP=100000"}
	serve := append(append([]string{}, storeArgs...), "--addr", "127.0.0.1:0")
	var clients []*crashClient
	for i, m := range crashMembers {
		clients = append(clients, newCrashClient(m, crashEmail(m), fmt.Sprintf("10.1.0.%d", i+1)))
	}
	for i := 0; i < 4; i++ {
		clients = append(clients, newCrashClient("", "", fmt.Sprintf("10.2.0.%d", i+1)))
	}
	p := crash.Start(t, bin, serve, env)
	for _, c := range clients {
		c.base = p.URL
		if c.member == "" {
			continue
		}
		if _, err := c.page("/signin"); err != nil {
			t.Fatal(err)
		}
		status, _, _, err := c.post("/signin", url.Values{"email": {c.email}, "password": {"password for " + c.email}})
		if err != nil || status != 303 {
			t.Fatalf("sign in %s: %d %v", c.email, status, err)
		}
	}
	var last time.Duration
	for round := 1; round <= rounds; round++ {
		if round > 2 && time.Since(start)+last > budget {
			t.Logf("round %d and later skipped: %s used of a budget of %s", round, time.Since(start).Round(100*time.Millisecond), budget)
			rounds = round - 1
			break
		}
		began := time.Now()
		killAt := minKill + mrand.IntN(maxKill-minKill+1)
		w.acked.Store(0)
		var wg sync.WaitGroup
		stop := make(chan struct{})
		var failures atomic.Value
		for i, c := range clients {
			c.base = p.URL
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := mrand.New(mrand.NewPCG(uint64(round), uint64(i)))
				if err := w.load(c, rng, stop); err != nil {
					failures.CompareAndSwap(nil, err)
				}
			}()
		}
		// The kill comes once killAt writes were acknowledged, or at a random
		// moment 1.5 to 6 s in on a machine too busy to get there (once a
		// few were): mid-load, at a moment that differs every round and run.
		killBy := time.Now().Add(1500*time.Millisecond + mrand.N(4500*time.Millisecond))
		deadline := time.Now().Add(60 * time.Second)
		for w.acked.Load() < int64(killAt) && time.Now().Before(deadline) && failures.Load() == nil &&
			(time.Now().Before(killBy) || w.acked.Load() < 10) {
			time.Sleep(time.Millisecond)
		}
		p.Kill()
		close(stop)
		wg.Wait()
		if err, _ := failures.Load().(error); err != nil {
			t.Fatalf("round %d: %v\n%s", round, err, tailOf(p.Output()))
		}
		acked, inDoubt := int(w.acked.Load()), len(w.pending)

		p = crash.Start(t, bin, serve, env)
		checker := newCrashClient("", "", "")
		checker.base = p.URL
		verifyBegan := time.Now()
		landed := w.verify(t, checker, round, nil)
		touched := map[string]bool{}
		for _, wr := range w.pending {
			touched[wr.issueID] = true
		}
		w.resend(t, clients, p.URL)
		w.verify(t, checker, round, touched)
		verifyTook := time.Since(verifyBegan)
		w.checkCodes(t, checker, round)
		last = time.Since(began)
		t.Logf("round %d: SIGKILL after %d acknowledged writes, %d in flight; after restart every acknowledged write present once, "+
			"%d of those in flight had landed (none twice); sent again with their keys, all present once (%s, of which checking %s)",
			round, acked, inDoubt, landed, time.Since(began).Round(100*time.Millisecond), verifyTook.Round(100*time.Millisecond))
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	t.Logf("acknowledged over %d kills: %d anonymous submissions, %d member submissions, %d comments, %d supports; present after restarts: all, once each",
		rounds, w.stats["anon"], w.stats["issue"], w.stats["comment"], w.stats["support"])
}

var crashMembers = []string{"Amina", "Dan", "Grace", "Kasia", "Jordan", "Priya", "Tom", "Fiona"}

func crashEmail(name string) string { return strings.ToLower(name) + "@example.org" }

// seedCrash makes an administrator, an organisation, a forum that takes
// anonymous submissions, its members and one issue, through the services.
func seedCrash(t *testing.T, storeArgs []string) *crashWorld {
	t.Helper()
	ctx := context.Background()
	a := openApp(t, storeArgs...)
	defer a.close()
	_, f := seedRegion(t, a, "Referrals")
	w := &crashWorld{forumID: f.ID, titles: map[string]*crashWrite{}, comments: map[string][]*crashWrite{},
		supports: map[string]map[string]bool{}, stats: map[string]int{}}
	for i, name := range crashMembers {
		u, err := a.accounts.AddPlainUser(ctx, account.NewUser{Email: crashEmail(name), Name: name, Password: "password for " + crashEmail(name)})
		if err != nil {
			t.Fatal(err)
		}
		p := &account.Principal{User: u}
		if _, err := a.forums.Join(ctx, p, f.ID, name); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			title := "Seed issue before any crash"
			raised, err := a.forums.RaiseIssue(ctx, forum.Viewer{Principal: p}, f.ID, forum.Draft{Title: title, Body: "Waiting months for news."})
			if err != nil {
				t.Fatal(err)
			}
			w.issues = append(w.issues, raised.Issue.ID)
			w.titles[title] = &crashWrite{kind: "issue", issueID: raised.Issue.ID, title: title, acked: true}
			w.supports[raised.Issue.ID] = map[string]bool{}
		}
	}
	return w
}

// load sends writes until the server stops answering or stop closes. An
// answer that is not the form's success is a failure of the test.
func (w *crashWorld) load(c *crashClient, rng *mrand.Rand, stop chan struct{}) error {
	if _, err := c.page("/forums/" + w.forumID + "/raise"); err != nil {
		return nil // killed before the first page: nothing sent
	}
	for {
		select {
		case <-stop:
			return nil
		default:
		}
		wr := w.next(c, rng)
		err := w.send(wr)
		if errors.Is(err, errNoAnswer) {
			w.mu.Lock()
			w.pending = append(w.pending, wr)
			w.mu.Unlock()
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// next chooses a write for a client: anonymous visitors submit; members
// submit, comment and support.
func (w *crashWorld) next(c *crashClient, rng *mrand.Rand) *crashWrite {
	tok := randHex(8)
	if c.member == "" {
		return &crashWrite{kind: "anon", worker: c, title: "Crash anon " + tok, body: "Nobody answers the crisis line at night. " + tok, idem: randHex(16)}
	}
	w.mu.Lock()
	target := w.issues[rng.IntN(len(w.issues))]
	w.mu.Unlock()
	switch n := rng.IntN(10); {
	case n < 2:
		return &crashWrite{kind: "issue", worker: c, title: "Crash issue " + tok, body: "Our keyworker changed again. " + tok, idem: randHex(16)}
	case n < 6:
		return &crashWrite{kind: "comment", worker: c, issueID: target, body: "Crash comment " + tok, idem: randHex(16)}
	default:
		return &crashWrite{kind: "support", worker: c, issueID: target}
	}
}

var errNoAnswer = errors.New("no answer")

// send posts a write as its form does and records it once acknowledged.
func (w *crashWorld) send(wr *crashWrite) error {
	c := wr.worker
	var (
		status   int
		body     string
		location string
		err      error
		path     string
		want     = 303
	)
	switch wr.kind {
	case "anon", "issue":
		path = "/forums/" + w.forumID + "/raise"
		form := url.Values{"title": {wr.title}, "body": {wr.body}, "idem": {wr.idem}, "action": {"post"}}
		if wr.kind == "anon" {
			form.Set("anonymous", "yes")
			want = 200
		} else {
			form.Set("anonymous", "no")
		}
		status, body, location, err = c.post(path, form)
	case "comment":
		path = "/issues/" + wr.issueID + "/comments"
		status, body, location, err = c.post(path, url.Values{"body": {wr.body}, "idem": {wr.idem}})
	case "support":
		path = "/issues/" + wr.issueID + "/support"
		status, body, location, err = c.post(path, url.Values{})
	}
	if err != nil {
		return fmt.Errorf("%w: %v", errNoAnswer, err)
	}
	if status != want {
		if len(body) > 2000 {
			body = body[:2000]
		}
		return fmt.Errorf("%s %s: status %d, want %d (location %q)\n%s", wr.kind, path, status, want, location, body)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	switch wr.kind {
	case "anon":
		m := crashCode.FindStringSubmatch(body)
		if m == nil {
			return fmt.Errorf("anonymous submission acknowledged without a follow-up code:\n%s", body)
		}
		if wr.code != "" && wr.code != strings.TrimSpace(m[1]) {
			return fmt.Errorf("sent again with its key, %q got a new code", wr.title)
		}
		wr.code = strings.TrimSpace(m[1])
		w.titles[wr.title] = wr
	case "issue":
		m := crashIssueID.FindStringSubmatch(location)
		if m == nil {
			return fmt.Errorf("member submission went to %q", location)
		}
		if wr.issueID != "" && wr.issueID != m[1] {
			return fmt.Errorf("sent again with its key, %q made a second issue", wr.title)
		}
		if wr.issueID == "" {
			w.issues = append(w.issues, m[1])
		}
		wr.issueID = m[1]
		w.titles[wr.title] = wr
		if w.supports[wr.issueID] == nil {
			w.supports[wr.issueID] = map[string]bool{}
		}
	case "comment":
		if !wr.acked {
			w.comments[wr.issueID] = append(w.comments[wr.issueID], wr)
		}
	case "support":
		w.supports[wr.issueID][c.member] = true
	}
	if !wr.acked {
		w.stats[wr.kind]++
		w.unsent = append(w.unsent, wr)
	}
	wr.acked = true
	w.acked.Add(1)
	return nil
}

// verify checks the store through the pages after a restart: every issue
// acknowledged is listed once, every in-doubt one at most once, every
// acknowledged comment shown once, every support counted exactly. It
// returns how many in-doubt writes were found.
func (w *crashWorld) verify(t *testing.T, c *crashClient, round int, only map[string]bool) (landed int) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	// The forum's list, page by page: how often each title appears.
	seen := map[string]int{}
	for pageNo := 1; ; pageNo++ {
		body, err := c.page(fmt.Sprintf("/forums/%s?sort=newest&page=%d", w.forumID, pageNo))
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		ms := crashTitle.FindAllStringSubmatch(body, -1)
		for _, m := range ms {
			seen[htmlUnescape(m[2])]++
		}
		if len(ms) < forum.PageSize {
			break
		}
	}
	for title, wr := range w.titles {
		if n := seen[title]; n != 1 {
			t.Fatalf("round %d: acknowledged %s %q listed %d times after SIGKILL and restart", round, wr.kind, title, n)
		}
	}
	inDoubt := map[string]*crashWrite{}
	for _, wr := range w.pending {
		switch wr.kind {
		case "anon", "issue":
			inDoubt[wr.title] = wr
			if n := seen[wr.title]; n > 1 {
				t.Fatalf("round %d: a %s whose answer never came is listed %d times: %q", round, wr.kind, n, wr.title)
			} else if n == 1 {
				landed++
			}
		}
	}
	for title, n := range seen {
		if w.titles[title] == nil && inDoubt[title] == nil {
			t.Fatalf("round %d: listed %d times, but nobody sent it: %q", round, n, title)
		}
	}
	// Each issue with comments or supports: its page.
	for _, id := range w.issues {
		if only != nil && !only[id] {
			continue
		}
		body, err := c.page("/issues/" + id)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		m := crashCount.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("round %d: no support count on /issues/%s", round, id)
		}
		got, _ := strconv.Atoi(m[1])
		want, maybe := len(w.supports[id]), 0
		for _, wr := range w.pending {
			if wr.kind == "support" && wr.issueID == id && !w.supports[id][wr.worker.member] {
				maybe++
			}
		}
		if got < want || got > want+maybe {
			t.Fatalf("round %d: issue %s counts %d supports; %d were acknowledged (and %d in doubt)", round, id, got, want, maybe)
		}
		for _, wr := range w.comments[id] {
			if n := strings.Count(body, wr.body); n != 1 {
				t.Fatalf("round %d: acknowledged comment %q (sent again after a kill: %v) shown %d times on its issue", round, wr.body, wr.resubmit, n)
			}
		}
		for _, wr := range w.pending {
			if wr.kind == "comment" && wr.issueID == id {
				n := strings.Count(body, wr.body)
				if n > 1 {
					t.Fatalf("round %d: a comment whose answer never came is shown %d times: %q", round, n, wr.body)
				}
				landed += n
			}
		}
		if n, want := strings.Count(body, "Crash comment "), len(w.comments[id]); n < want || n > want+len(w.pending) {
			t.Fatalf("round %d: issue %s shows %d crash comments; %d acknowledged", round, id, n, want)
		}
	}
	return landed
}

// resend sends every write whose answer never came again, with the same
// idempotency key, from the same browser, as a person pressing the button
// again would.
func (w *crashWorld) resend(t *testing.T, clients []*crashClient, base string) {
	t.Helper()
	for _, c := range clients {
		c.base = base
		if _, err := c.page("/forums/" + w.forumID + "/raise"); err != nil {
			t.Fatal(err)
		}
	}
	w.mu.Lock()
	pending := w.pending
	w.pending = nil
	w.mu.Unlock()
	for _, wr := range pending {
		wr.resubmit = true
		if err := w.send(wr); err != nil {
			t.Fatalf("sending again %s %q: %v", wr.kind, wr.title+wr.body, err)
		}
	}
}

// checkCodes opens each new anonymous submission's follow-up page with the
// code it was shown, as its author would after the restart. Each check
// comes through the trusted proxy from its own address, as authors' checks
// would: the per-address limit on code tries is not what is tested here.
func (w *crashWorld) checkCodes(t *testing.T, c *crashClient, round int) {
	t.Helper()
	w.mu.Lock()
	todo := w.unsent
	w.unsent = nil
	w.mu.Unlock()
	if _, err := c.page("/follow-up"); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, wr := range todo {
		if wr.kind != "anon" {
			continue
		}
		n++
		form := url.Values{"code": {wr.code}, "csrf": {c.csrf}}
		status, body, _, err := c.do("POST", "/follow-up", form, fmt.Sprintf("10.%d.%d.%d", 100+round, n/250, n%250+1))
		if err != nil {
			t.Fatal(err)
		}
		if status != 200 || !strings.Contains(body, wr.title) {
			t.Fatalf("round %d: follow-up code %s of %q: status %d, title shown %v", round, wr.code, wr.title, status, strings.Contains(body, wr.title))
		}
	}
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&#39;", "'", "&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`).Replace(s)
}

func tailOf(s string) string {
	if len(s) > 4000 {
		return s[len(s)-4000:]
	}
	return s
}
