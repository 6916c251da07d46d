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
	"syscall"
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
// Each round plans crashWrites writes and sends the process SIGKILL once a
// random number of them, from crashKillMin up to the last, was
// acknowledged; the process starts again on the same store. Every
// acknowledged write must be there exactly once (anonymous submissions
// checked through their follow-up codes, supports counted exactly); a write
// whose answer never came may be there, but once, and sending it again
// with the same key must leave exactly one. Several kills per store; the
// embedded store (SQLite) and the MongoDB adapter (FerretDB, which outlives
// the Chorus process). The process under test is built without -race (see
// crash.Build), as it is deployed; this test process may have it.
func TestCrashNothingLost(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash test builds and kills Chorus processes; skipped with -short")
	}
	began := time.Now()
	bin := crash.Build(t)
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		crashRounds(t, bin, []string{"--data-dir", dir}, crashRoundsPerStore)
	})
	t.Run("mongo", func(t *testing.T) {
		dir := t.TempDir()
		uri, name := os.Getenv(mongotest.EnvURI), "crash_"+randHex(6)
		if uri == "" {
			uri = mongotest.Own(t).URI()
		}
		crashRounds(t, bin, []string{"--data-dir", dir, "--mongodb-uri", uri, "--mongodb-database", name}, crashRoundsPerStore)
	})
	t.Logf("crash test took %s", time.Since(began).Round(100*time.Millisecond))
}

// The size of the crash test: issue 11 asks for 1,000 mixed writes per
// kill, several kills per store.
const (
	crashRoundsPerStore = 3
	// crashBudget: a round after the second starts only if the rounds so
	// far, plus the longest of them again, fit in it (a CI machine's two
	// cores should take well under it for three rounds; a machine shared
	// with other work may not).
	crashBudget  = 90 * time.Second
	crashWrites  = 1000 // writes planned per round
	crashKillMin = 200  // the kill comes after [crashKillMin, crashWrites) acknowledged
	// crashStall fails the test when the server acknowledges nothing for
	// this long: a hung server, not a slow machine.
	crashStall = 30 * time.Second
)

// crashMix is how a person chooses their next write, in percent:
// anonymous submissions cost an argon2id hash each (and another when their
// code is checked), so they are the rarer kind, as in a forum's life.
var crashMix = []struct {
	kind   string
	weight int
}{{"anon", 6}, {"issue", 14}, {"comment", 40}, {"support", 40}}

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
	stats    map[string]int             // acknowledged writes by kind, all rounds

	// This round: writes handed out (at most crashWrites), acknowledged,
	// and the acknowledgement after which the process is killed (killNow
	// closes then).
	issued  atomic.Int64
	acked   atomic.Int64
	killAt  int64
	killNow chan struct{}
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

// crashClient is one browser: a cookie jar and the address a trusted proxy
// reports for it.
type crashClient struct {
	http   *http.Client
	member string // display name; "" for an anonymous visitor
	email  string
	ip     string
	base   string
	csrf   string
}

// crashPerson is a member at their browser, with a private window beside
// it for what they send anonymously.
type crashPerson struct {
	member, visitor *crashClient
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
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		// One connection per browser is enough, and keeps the clients'
		// sockets few.
		Transport: &http.Transport{MaxIdleConnsPerHost: 2, IdleConnTimeout: 30 * time.Second}}}
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
// runs rounds of load, kill and restart on the same store.
func crashRounds(t *testing.T, bin string, storeArgs []string, rounds int) {
	start, startCPU := time.Now(), ownCPU()
	var serverCPU time.Duration // of the Chorus processes, once each ends
	w := seedCrash(t, storeArgs)
	env := []string{"CHORUS_TRUSTED_PROXIES=127.0.0.1", "CHORUS_LOG_FORMAT=text", "CHORUS_SUBMIT_PER_IP=100000"}
	serve := append(append([]string{}, storeArgs...), "--addr", "127.0.0.1:0")
	var people []*crashPerson
	var clients []*crashClient
	for i, m := range crashMembers {
		p := &crashPerson{member: newCrashClient(m, crashEmail(m), fmt.Sprintf("10.1.0.%d", i+1)),
			visitor: newCrashClient("", "", fmt.Sprintf("10.2.0.%d", i+1))}
		people = append(people, p)
		clients = append(clients, p.member, p.visitor)
	}
	p := crash.Start(t, bin, serve, env)
	// Each member signs in in their own browser, a few at once.
	_, err := crashFetch(p.URL, len(people), func(_ *crashClient, i int) (string, error) {
		c := people[i].member
		c.base = p.URL
		if _, err := c.page("/signin"); err != nil {
			return "", err
		}
		status, _, _, err := c.post("/signin", url.Values{"email": {c.email}, "password": {"password for " + c.email}})
		if err == nil && status != 303 {
			err = fmt.Errorf("sign in %s: %d", c.email, status)
		}
		return "", err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded and signed in %d members in %s", len(people), time.Since(start).Round(100*time.Millisecond))
	var totalAcked, totalInDoubt, totalLanded int
	var longest time.Duration
	roundsBegan := time.Now()
	for round := 1; round <= rounds; round++ {
		if round > 2 && time.Since(roundsBegan)+longest > crashBudget {
			t.Logf("round %d and later skipped: the rounds so far took %s, the longest %s, the budget is %s (a busy machine?)",
				round, time.Since(roundsBegan).Round(100*time.Millisecond), longest.Round(100*time.Millisecond), crashBudget)
			rounds = round - 1
			break
		}
		began := time.Now()
		w.issued.Store(0)
		w.acked.Store(0)
		w.killAt = int64(crashKillMin + mrand.IntN(crashWrites-crashKillMin))
		w.killNow = make(chan struct{})
		var wg sync.WaitGroup
		var failures atomic.Value
		for i, person := range people {
			person.member.base, person.visitor.base = p.URL, p.URL
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := mrand.New(mrand.NewPCG(uint64(round), uint64(i)))
				if err := w.load(person, rng); err != nil {
					failures.CompareAndSwap(nil, err)
				}
			}()
		}
		// The kill comes right after the killAt-th acknowledgement: a
		// moment within the round's writes that differs every round and run.
		// A failed client, or a server that acknowledges nothing for
		// crashStall, ends the round at once.
		for stalled, last := time.Now(), int64(0); ; {
			var quit bool
			select {
			case <-w.killNow:
				quit = true
			case <-time.After(100 * time.Millisecond):
			}
			if quit || failures.Load() != nil {
				break
			}
			if n := w.acked.Load(); n != last {
				stalled, last = time.Now(), n
			} else if time.Since(stalled) > crashStall {
				t.Fatalf("round %d: no write acknowledged for %s (after %d)\n%s", round, crashStall, n, tailOf(p.Output()))
			}
		}
		p.Kill()
		serverCPU += p.CPU()
		loadTook := time.Since(began)
		wg.Wait()
		if err, _ := failures.Load().(error); err != nil {
			t.Fatalf("round %d: %v\n%s", round, err, tailOf(p.Output()))
		}
		acked, inDoubt := int(w.acked.Load()), len(w.pending)

		p = crash.Start(t, bin, serve, env)
		verifyBegan := time.Now()
		landed := w.verify(t, p.URL, round, nil)
		touched := map[string]bool{}
		for _, wr := range w.pending {
			touched[wr.issueID] = true
		}
		w.resend(t, clients, p.URL)
		w.verify(t, p.URL, round, touched)
		codes := w.checkCodes(t, p.URL, round)
		totalAcked, totalInDoubt, totalLanded = totalAcked+acked, totalInDoubt+inDoubt, totalLanded+landed
		longest = max(longest, time.Since(began))
		t.Logf("round %d: SIGKILL after %d acknowledged writes (kill planned after %d of %d; %.0f writes/s), %d in flight; after restart every acknowledged write present once, "+
			"%d of those in flight had landed (none twice); sent again with their keys, all present once; %d follow-up codes opened (%s, of which checking %s)",
			round, acked, w.killAt, crashWrites, float64(acked)/loadTook.Seconds(), inDoubt, landed, codes,
			time.Since(began).Round(100*time.Millisecond), time.Since(verifyBegan).Round(100*time.Millisecond))
	}
	p.Kill()
	serverCPU += p.CPU()
	t.Logf("processor time: this test process %s (with -race if so built), the Chorus processes %s",
		(ownCPU() - startCPU).Round(100*time.Millisecond), serverCPU.Round(100*time.Millisecond))
	w.mu.Lock()
	defer w.mu.Unlock()
	t.Logf("%d kills in %s: %d writes acknowledged before the kills; with the %d in flight sent again, %d anonymous submissions, %d member submissions, "+
		"%d comments and %d supports, all present once each after the restarts; of those in flight, %d had landed before the kill, none twice",
		rounds, time.Since(start).Round(100*time.Millisecond), totalAcked, totalInDoubt, w.stats["anon"], w.stats["issue"], w.stats["comment"], w.stats["support"],
		totalLanded)
}

var crashMembers = []string{"Amina", "Dan", "Grace", "Kasia", "Jordan", "Priya", "Tom", "Fiona",
	"Bilal", "Chloe", "Deepa", "Ewa", "Farah", "Gareth", "Hana", "Ifeoma"}

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

// load sends writes for one person until the round's writes are all handed
// out or the server stops answering. An answer that is not the form's
// success is a failure of the test.
func (w *crashWorld) load(p *crashPerson, rng *mrand.Rand) error {
	for _, c := range []*crashClient{p.member, p.visitor} {
		if _, err := c.page("/forums/" + w.forumID + "/raise"); err != nil {
			return nil // killed before the first page: nothing sent
		}
	}
	for w.issued.Add(1) <= crashWrites {
		wr := w.next(p, rng)
		err := w.send(wr)
		if errors.Is(err, syscall.ECONNREFUSED) {
			return nil // the process was gone before the request was sent: not in flight
		}
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
	return nil
}

// next chooses a person's next write by crashMix: an anonymous submission
// from the private window, or from the member's own browser a submission,
// a comment or a support on an issue members raised.
func (w *crashWorld) next(p *crashPerson, rng *mrand.Rand) *crashWrite {
	tok := randHex(8)
	kind, n := "", rng.IntN(100)
	for _, m := range crashMix {
		if kind = m.kind; n < m.weight {
			break
		}
		n -= m.weight
	}
	c := p.member
	switch kind {
	case "anon":
		return &crashWrite{kind: "anon", worker: p.visitor, title: "Crash anon " + tok, body: "Nobody answers the crisis line at night. " + tok, idem: randHex(16)}
	case "issue":
		return &crashWrite{kind: "issue", worker: c, title: "Crash issue " + tok, body: "Our keyworker changed again. " + tok, idem: randHex(16)}
	}
	w.mu.Lock()
	target := w.issues[rng.IntN(len(w.issues))]
	w.mu.Unlock()
	if kind == "comment" {
		return &crashWrite{kind: "comment", worker: c, issueID: target, body: "Crash comment " + tok, idem: randHex(16)}
	}
	return &crashWrite{kind: "support", worker: c, issueID: target}
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
		return fmt.Errorf("%w: %w", errNoAnswer, err)
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
	if w.acked.Add(1) == w.killAt {
		close(w.killNow)
	}
	return nil
}

// verify checks the store through the pages after a restart: every issue
// acknowledged is listed once, every in-doubt one at most once, every
// acknowledged comment shown once, every support counted exactly. It
// returns how many in-doubt writes were found. With only, it reads only
// those issues' pages.
func (w *crashWorld) verify(t *testing.T, base string, round int, only map[string]bool) (landed int) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	c := newCrashClient("", "", "")
	c.base = base
	// The forum's list, page by page: how often each title appears. The
	// pages expected are read a few at once, then any further ones.
	seen := map[string]int{}
	list := func(c *crashClient, pageNo int) (string, error) {
		return c.page(fmt.Sprintf("/forums/%s?sort=newest&page=%d", w.forumID, pageNo))
	}
	expected := (len(w.titles)+len(w.pending))/forum.PageSize + 1
	pages, err := crashFetch(base, expected, func(c *crashClient, i int) (string, error) { return list(c, i+1) })
	for pageNo := expected + 1; err == nil; pageNo++ {
		if len(crashTitle.FindAllStringIndex(pages[len(pages)-1], -1)) < forum.PageSize {
			break
		}
		var body string
		body, err = list(c, pageNo)
		pages = append(pages, body)
	}
	if err != nil {
		t.Fatalf("round %d: %v", round, err)
	}
	for _, body := range pages {
		for _, m := range crashTitle.FindAllStringSubmatch(body, -1) {
			seen[htmlUnescape(m[2])]++
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
	// Each issue's page (read by a few clients at once: the checks are
	// most of a round's time otherwise).
	var ids []string
	for _, id := range w.issues {
		if only == nil || only[id] {
			ids = append(ids, id)
		}
	}
	pages, err = crashFetch(base, len(ids), func(c *crashClient, i int) (string, error) { return c.page("/issues/" + ids[i]) })
	if err != nil {
		t.Fatalf("round %d: %v", round, err)
	}
	for i, id := range ids {
		body := pages[i]
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

// crashFetch runs get for 0..n-1 from a few fresh visitor browsers at once
// and returns the answers in order, or the first error.
func crashFetch(base string, n int, get func(c *crashClient, i int) (string, error)) ([]string, error) {
	out := make([]string, n)
	errs := make([]error, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		c := newCrashClient("", "", "")
		c.base = base
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				out[i], errs[i] = get(c, i)
			}
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// resend sends every write whose answer never came again, with the same
// idempotency key, from the same browser and form (its CSRF token
// included), as a person pressing the button again would. They press at
// once.
func (w *crashWorld) resend(t *testing.T, clients []*crashClient, base string) {
	t.Helper()
	for _, c := range clients {
		c.base = base
	}
	w.mu.Lock()
	pending := w.pending
	w.pending = nil
	w.mu.Unlock()
	errs := make([]error, len(pending))
	var wg sync.WaitGroup
	for i, wr := range pending {
		wr.resubmit = true
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.send(wr); err != nil {
				errs[i] = fmt.Errorf("sending again %s %q: %w", wr.kind, wr.title+wr.body, err)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}

// checkCodes opens each new anonymous submission's follow-up page with the
// code it was shown, as its author would after the restart, and returns
// how many it opened. Each check comes through the trusted proxy from its
// own address, as authors' checks would: the per-address limit on code
// tries is not what is tested here.
func (w *crashWorld) checkCodes(t *testing.T, base string, round int) int {
	t.Helper()
	w.mu.Lock()
	var todo []*crashWrite
	for _, wr := range w.unsent {
		if wr.kind == "anon" {
			todo = append(todo, wr)
		}
	}
	w.unsent = nil
	w.mu.Unlock()
	status := make([]int, len(todo))
	bodies, err := crashFetch(base, len(todo), func(c *crashClient, i int) (string, error) {
		if c.csrf == "" {
			if _, err := c.page("/follow-up"); err != nil {
				return "", err
			}
		}
		form := url.Values{"code": {todo[i].code}, "csrf": {c.csrf}}
		var body string
		var err error
		status[i], body, _, err = c.do("POST", "/follow-up", form, fmt.Sprintf("10.%d.%d.%d", 100+round, i/250, i%250+1))
		return body, err
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, wr := range todo {
		if status[i] != 200 || !strings.Contains(bodies[i], wr.title) {
			t.Fatalf("round %d: follow-up code %s of %q: status %d, title shown %v", round, wr.code, wr.title, status[i], strings.Contains(bodies[i], wr.title))
		}
	}
	return len(todo)
}

// ownCPU is the processor time this test process has used so far.
func ownCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
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
