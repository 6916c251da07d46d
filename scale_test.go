package main

import (
	"context"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"chorus/account"
	"chorus/forum"
	"chorus/internal/testenv/mongotest"

	"github.com/fasthttp/websocket"
	natsserver "github.com/nats-io/nats-server/v2/server"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Sizes of the scale-out test: modest, so that it fits in about a minute on
// two busy cores.
const (
	scaleInstances   = 3
	scaleAnonClients = 12 // anonymous visitors, each raising scaleAnonWrites issues
	scaleAnonWrites  = 4
	scaleMembers     = 18 // signed-in members, each sending scaleMemberWrites writes
	scaleMemberWrite = 12
	scaleHotIssues   = 3
	scaleViewers     = 30 // live viewers, spread over the instances
	// scaleWorkBudget bounds the mixed workload; writes not started by then
	// are left out (and said so). The whole test is meant to stay within 90 s.
	scaleWorkBudget = 45 * time.Second
)

var scaleLiveSeq = regexp.MustCompile(`data-live-seq="(\d+)"`)

// TestThreeInstancesMixedWorkload: three Chorus instances in one process
// share one MongoDB-compatible store (FerretDB on PostgreSQL, or
// CHORUS_TEST_MONGODB_URI), one embedded NATS server and one secret file,
// each on its own listener and data directory. Anonymous visitors, members
// and live viewers use all three at once, every request going to the next
// instance in turn. Then: every acknowledged write is there exactly once
// (issues listed once, follow-up codes open their issue on any instance,
// support counts equal the distinct supporters acknowledged, comments shown
// once); every viewer received every numbered event of its rooms once and in
// order, exactly as the store's log has them; a session made on one instance
// works on the others; a form's idempotency key holds across instances.
func TestThreeInstancesMixedWorkload(t *testing.T) {
	if testing.Short() {
		t.Skip("the scale-out test runs three instances on FerretDB; skipped with -short")
	}
	began := time.Now()
	// The store: one database for all three instances.
	uri, name := os.Getenv(mongotest.EnvURI), "scale_"+randHex(6)
	if uri == "" {
		uri = mongotest.Own(t).URI() // skips (or fails with CHORUS_REQUIRE_ALL=1) without PostgreSQL
	} else {
		t.Cleanup(func() { dropDatabase(t, uri, name) })
	}
	ns, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("NATS did not start")
	}
	t.Cleanup(ns.Shutdown)

	secretFile := filepath.Join(t.TempDir(), "shared-secret.key")
	seedDir := t.TempDir()
	storeArgs := []string{"--mongodb-uri", uri, "--mongodb-database", name, "--secret-file", secretFile}
	w := seedScale(t, append([]string{"--data-dir", seedDir}, storeArgs...))
	env := map[string]string{"CHORUS_MONGODB_URI": uri, "CHORUS_MONGODB_DATABASE": name, "CHORUS_SECRET_FILE": secretFile,
		"CHORUS_NATS_URL": ns.ClientURL(), "CHORUS_TRUSTED_PROXIES": "127.0.0.1", "CHORUS_LOG_FORMAT": "text",
		"CHORUS_SUBMIT_PER_IP": "100000"}
	var bases []string
	for i := 0; i < scaleInstances; i++ {
		bases = append(bases, startChorus(t, t.TempDir(), env).URL) // each its own data directory: only the secret is shared
	}
	w.bases = bases
	for _, c := range append(slices.Clone(w.members), w.anons...) {
		c.bases = bases
	}
	t.Logf("store, NATS and three instances ready in %s", time.Since(began).Round(100*time.Millisecond))

	t.Run("SessionAcrossInstances", func(t *testing.T) { w.sessionAcross(t) })
	t.Run("IdempotencyAcrossInstances", func(t *testing.T) { w.idempotencyAcross(t) })
	if t.Failed() {
		return
	}

	// Live viewers, each on one instance, follow the forum and a hot issue
	// from the sequence their page was rendered with, as the page's script does.
	rooms := []string{"forum:" + w.forumID}
	for _, id := range w.hot {
		rooms = append(rooms, "issue:"+id)
	}
	var viewers []*scaleViewer
	for i := 0; i < scaleViewers; i++ {
		v := w.follow(t, i, []string{rooms[0], rooms[1+i%len(w.hot)]})
		viewers = append(viewers, v)
	}

	// The mixed workload.
	workBegan := time.Now()
	stop := time.Now().Add(scaleWorkBudget)
	var wg sync.WaitGroup
	var failure atomic.Value
	fail := func(err error) { failure.CompareAndSwap(nil, err) }
	for i, c := range w.anons {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < scaleAnonWrites && time.Now().Before(stop) && failure.Load() == nil; k++ {
				if err := w.anonymous(c, fmt.Sprintf("Scale anon %d-%d %s", i, k, randHex(4))); err != nil {
					fail(err)
					return
				}
			}
		}()
	}
	for i, c := range w.members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := mrand.New(mrand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))
			for k := 0; k < scaleMemberWrite && time.Now().Before(stop) && failure.Load() == nil; k++ {
				if err := w.memberWrite(c, rng, i, k); err != nil {
					fail(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err, _ := failure.Load().(error); err != nil {
		t.Fatal(err)
	}
	workTook := time.Since(workBegan)
	if workTook >= scaleWorkBudget {
		t.Logf("the workload's budget of %s ran out: the writes not yet started were left out", scaleWorkBudget)
	}
	w.mu.Lock()
	stats := fmt.Sprintf("%d anonymous submissions, %d member submissions, %d comments, %d supports (%d distinct)",
		w.stats["anon"], w.stats["issue"], w.stats["comment"], w.stats["support"], w.distinctSupports())
	w.mu.Unlock()
	t.Logf("workload: %s acknowledged through %d instances in %s", stats, scaleInstances, workTook.Round(100*time.Millisecond))

	checkBegan := time.Now()
	w.checkWrites(t)
	w.checkViewers(t, viewers, append([]string{"--data-dir", seedDir}, storeArgs...))
	t.Logf("checks took %s; whole test %s", time.Since(checkBegan).Round(100*time.Millisecond), time.Since(began).Round(100*time.Millisecond))
}

// dropDatabase removes the test's database from a server the test did not start.
func dropDatabase(t *testing.T, uri, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Error(err)
		return
	}
	defer client.Disconnect(ctx)
	if err := client.Database(name).Drop(ctx); err != nil {
		t.Errorf("drop %s: %v", name, err)
	}
}

// scaleWorld is what the clients were told was done.
type scaleWorld struct {
	bases   []string
	forumID string
	hot     []string // the hot issues' IDs
	members []*scaleClient
	anons   []*scaleClient

	mu       sync.Mutex
	titles   map[string]*scaleWrite     // issue title → the write that raised it
	issues   []string                   // every issue to check: hot ones and members' new ones
	comments map[string][]string        // issue ID → acknowledged comment bodies
	supports map[string]map[string]bool // issue ID → members whose support was acknowledged
	stats    map[string]int
}

type scaleWrite struct {
	kind    string // anon, issue
	title   string
	code    string // anon: the follow-up code shown
	issueID string // issue: the created one
}

// scaleClient is one browser: a cookie jar, the address a trusted proxy
// reports for it, and a turn counter that sends each request to the next
// instance.
type scaleClient struct {
	*crashClient
	bases []string
	turn  int
}

// next returns the instance for the client's next request.
func (c *scaleClient) next() string {
	b := c.bases[c.turn%len(c.bases)]
	c.turn++
	return b
}

// on sends the next request to base: the crash test's client, pointed at it.
func (c *scaleClient) on(base string) *crashClient {
	c.crashClient.base = base
	return c.crashClient
}

func seedScale(t *testing.T, args []string) *scaleWorld {
	t.Helper()
	ctx := context.Background()
	a := openApp(t, args...)
	defer a.close()
	_, f := seedRegion(t, a, "Referrals")
	w := &scaleWorld{forumID: f.ID, titles: map[string]*scaleWrite{}, comments: map[string][]string{},
		supports: map[string]map[string]bool{}, stats: map[string]int{}}
	for i := 0; i < scaleMembers; i++ {
		name := fmt.Sprintf("Member%02d", i)
		u, err := a.accounts.AddPlainUser(ctx, account.NewUser{Email: crashEmail(name), Name: name, Password: "password for " + crashEmail(name)})
		if err != nil {
			t.Fatal(err)
		}
		p := &account.Principal{User: u}
		if _, err := a.forums.Join(ctx, p, f.ID, name); err != nil {
			t.Fatal(err)
		}
		if i < scaleHotIssues {
			title := fmt.Sprintf("Hot issue %d: respite beds closed", i)
			raised, err := a.forums.RaiseIssue(ctx, forum.Viewer{Principal: p}, f.ID, forum.Draft{Title: title, Body: "Many families are affected."})
			if err != nil {
				t.Fatal(err)
			}
			w.hot = append(w.hot, raised.Issue.ID)
			w.issues = append(w.issues, raised.Issue.ID)
			w.titles[title] = &scaleWrite{kind: "issue", title: title, issueID: raised.Issue.ID}
			w.supports[raised.Issue.ID] = map[string]bool{}
		}
		w.members = append(w.members, &scaleClient{crashClient: newCrashClient(name, crashEmail(name), fmt.Sprintf("10.1.0.%d", i+1)), turn: i})
	}
	for i := 0; i < scaleAnonClients; i++ {
		w.anons = append(w.anons, &scaleClient{crashClient: newCrashClient("", "", fmt.Sprintf("10.2.0.%d", i+1)), turn: i})
	}
	return w
}

// signIn signs a member in on one instance; the session then serves every
// instance (one cookie jar: cookies do not depend on the port).
func (w *scaleWorld) signIn(c *scaleClient, base string) error {
	if _, err := c.on(base).page("/signin"); err != nil {
		return err
	}
	status, _, _, err := c.on(base).post("/signin", url.Values{"email": {c.email}, "password": {"password for " + c.email}})
	if err != nil || status != 303 {
		return fmt.Errorf("sign in %s on %s: %d %v", c.email, base, status, err)
	}
	// A form token for the new session, from yet another instance.
	_, err = c.on(c.next()).page("/forums/" + w.forumID + "/raise")
	return err
}

// sessionAcross: sign in on A, comment on B, read on C; then every member
// signs in on one instance for the workload.
func (w *scaleWorld) sessionAcross(t *testing.T) {
	a, b, c := w.bases[0], w.bases[1], w.bases[2]
	m := w.members[0]
	if err := w.signIn(m, a); err != nil {
		t.Fatal(err)
	}
	body := "Signed in on A, posted on B " + randHex(4)
	status, _, loc, err := m.on(b).post("/issues/"+w.hot[0]+"/comments", url.Values{"body": {body}, "idem": {randHex(16)}})
	if err != nil || status != 303 {
		t.Fatalf("comment on B with a session made on A: %d %v (location %q)", status, err, loc)
	}
	w.ackComment(w.hot[0], body)
	page, err := m.on(c).page("/account")
	if err != nil || !strings.Contains(page, m.email) {
		t.Fatalf("C does not know the session made on A: %v", err)
	}
	if page, err = m.on(c).page("/issues/" + w.hot[0]); err != nil || strings.Count(page, body) != 1 {
		t.Fatalf("C shows the comment posted on B %d times (%v)", strings.Count(page, body), err)
	}
	for i, mm := range w.members[1:] {
		if err := w.signIn(mm, w.bases[i%len(w.bases)]); err != nil {
			t.Fatal(err)
		}
	}
}

// idempotencyAcross: the same form, with the same key, sent to two
// instances one after the other and to all three at once, makes one record.
func (w *scaleWorld) idempotencyAcross(t *testing.T) {
	m := w.members[1]
	// A comment sent to A, then again to B.
	body := "Sent twice " + randHex(4)
	key := randHex(16)
	for _, base := range w.bases[:2] {
		if status, _, _, err := m.on(base).post("/issues/"+w.hot[1]+"/comments", url.Values{"body": {body}, "idem": {key}}); err != nil || status != 303 {
			t.Fatalf("comment to %s: %d %v", base, status, err)
		}
	}
	w.ackComment(w.hot[1], body)
	// A comment sent to all three at once, from three tabs of one browser.
	racing := "Sent thrice at once " + randHex(4)
	key = randHex(16)
	var wg sync.WaitGroup
	errs := make([]error, len(w.bases))
	for i, base := range w.bases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tab := &crashClient{http: m.http, csrf: m.csrf, base: base, ip: m.ip}
			status, _, _, err := tab.post("/issues/"+w.hot[1]+"/comments", url.Values{"body": {racing}, "idem": {key}})
			if err == nil && status != 303 {
				err = fmt.Errorf("status %d", status)
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("racing comment to instance %d: %v", i, err)
		}
	}
	w.ackComment(w.hot[1], racing)
	page, err := m.on(w.bases[2]).page("/issues/" + w.hot[1])
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{body, racing} {
		if n := strings.Count(page, b); n != 1 {
			t.Fatalf("a comment sent with one key to several instances is shown %d times: %q", n, b)
		}
	}

	// An anonymous submission sent to A and B at once: one issue, one code.
	anon := w.anons[0]
	if _, err := anon.on(w.bases[0]).page("/forums/" + w.forumID + "/raise"); err != nil {
		t.Fatal(err)
	}
	title, key := "Scale anon sent twice "+randHex(4), randHex(16)
	codes := make([]string, 2)
	for i, base := range w.bases[:2] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tab := &crashClient{http: anon.http, csrf: anon.csrf, base: base, ip: anon.ip}
			status, page, _, err := tab.post("/forums/"+w.forumID+"/raise", url.Values{"title": {title}, "body": {"The bus to school never came. " + key},
				"idem": {key}, "action": {"post"}, "anonymous": {"yes"}})
			if err == nil && status != 200 {
				err = fmt.Errorf("status %d", status)
			}
			if m := crashCode.FindStringSubmatch(page); err == nil && m != nil {
				codes[i] = strings.TrimSpace(m[1])
			} else if err == nil {
				err = fmt.Errorf("no follow-up code shown")
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs[:2] {
		if err != nil {
			t.Fatalf("anonymous submission to instance %d: %v", i, err)
		}
	}
	if codes[0] != codes[1] {
		t.Fatalf("one anonymous submission sent to two instances got two codes: %q, %q", codes[0], codes[1])
	}
	w.mu.Lock()
	w.titles[title] = &scaleWrite{kind: "anon", title: title, code: codes[0]}
	w.mu.Unlock()

	// A member's issue sent to B, then again to C: the same issue.
	title, key = "Scale issue sent twice "+randHex(4), randHex(16)
	var made string
	for _, base := range w.bases[1:] {
		status, _, loc, err := m.on(base).post("/forums/"+w.forumID+"/raise", url.Values{"title": {title}, "body": {"Transport was cancelled."},
			"idem": {key}, "action": {"post"}, "anonymous": {"no"}})
		id := crashIssueID.FindStringSubmatch(loc)
		if err != nil || status != 303 || id == nil {
			t.Fatalf("member submission to %s: %d %v (location %q)", base, status, err, loc)
		}
		if made != "" && id[1] != made {
			t.Fatalf("one member submission sent to two instances made two issues: %s, %s", made, id[1])
		}
		made = id[1]
	}
	w.mu.Lock()
	w.titles[title] = &scaleWrite{kind: "issue", title: title, issueID: made}
	w.issues = append(w.issues, made)
	w.supports[made] = map[string]bool{}
	w.mu.Unlock()
}

func (w *scaleWorld) ackComment(issueID, body string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.comments[issueID] = append(w.comments[issueID], body)
	w.stats["comment"]++
}

// anonymous raises an issue without an account: the form from one
// instance, the submission to the next, and keeps the code it is shown.
func (w *scaleWorld) anonymous(c *scaleClient, title string) error {
	if _, err := c.on(c.next()).page("/forums/" + w.forumID + "/raise"); err != nil {
		return err
	}
	base := c.next()
	status, body, _, err := c.on(base).post("/forums/"+w.forumID+"/raise", url.Values{"title": {title},
		"body": {"Nobody answers the phone at the short breaks team. " + title}, "idem": {randHex(16)}, "action": {"post"}, "anonymous": {"yes"}})
	if err != nil || status != 200 {
		return fmt.Errorf("anonymous submission to %s: %d %v", base, status, err)
	}
	m := crashCode.FindStringSubmatch(body)
	if m == nil {
		return fmt.Errorf("anonymous submission to %s acknowledged without a follow-up code", base)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.titles[title] = &scaleWrite{kind: "anon", title: title, code: strings.TrimSpace(m[1])}
	w.stats["anon"]++
	return nil
}

// memberWrite sends one member's write to the next instance: a new issue
// (2 in 10), a comment on a hot issue (4 in 10) or a support of one.
func (w *scaleWorld) memberWrite(c *scaleClient, rng *mrand.Rand, i, k int) error {
	base := c.next()
	target := w.hot[rng.IntN(len(w.hot))]
	switch n := rng.IntN(10); {
	case n < 2:
		title := fmt.Sprintf("Scale issue %d-%d %s", i, k, randHex(4))
		status, _, loc, err := c.on(base).post("/forums/"+w.forumID+"/raise", url.Values{"title": {title}, "body": {"Our keyworker changed again."},
			"idem": {randHex(16)}, "action": {"post"}, "anonymous": {"no"}})
		m := crashIssueID.FindStringSubmatch(loc)
		if err != nil || status != 303 || m == nil {
			return fmt.Errorf("member submission to %s: %d %v (location %q)", base, status, err, loc)
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		w.titles[title] = &scaleWrite{kind: "issue", title: title, issueID: m[1]}
		w.issues = append(w.issues, m[1])
		w.supports[m[1]] = map[string]bool{}
		w.stats["issue"]++
	case n < 6:
		body := fmt.Sprintf("Scale comment %d-%d %s", i, k, randHex(4))
		status, _, loc, err := c.on(base).post("/issues/"+target+"/comments", url.Values{"body": {body}, "idem": {randHex(16)}})
		if err != nil || status != 303 {
			return fmt.Errorf("comment to %s: %d %v (location %q)", base, status, err, loc)
		}
		w.ackComment(target, body)
	default:
		status, _, loc, err := c.on(base).post("/issues/"+target+"/support", url.Values{})
		if err != nil || status != 303 {
			return fmt.Errorf("support to %s: %d %v (location %q)", base, status, err, loc)
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		w.supports[target][c.member] = true
		w.stats["support"]++
	}
	return nil
}

func (w *scaleWorld) distinctSupports() (n int) {
	for _, s := range w.supports {
		n += len(s)
	}
	return n
}

// checkWrites reads everything back, each page from the next instance.
func (w *scaleWorld) checkWrites(t *testing.T) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	reader := &scaleClient{crashClient: newCrashClient("", "", "10.3.0.1"), bases: w.bases}
	// Every acknowledged issue is listed exactly once; nothing else is.
	seen := map[string]int{}
	for pageNo := 1; ; pageNo++ {
		body, err := reader.on(reader.next()).page(fmt.Sprintf("/forums/%s?sort=newest&page=%d", w.forumID, pageNo))
		if err != nil {
			t.Fatal(err)
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
			t.Errorf("acknowledged %s %q listed %d times", wr.kind, title, n)
		}
	}
	for title, n := range seen {
		if w.titles[title] == nil {
			t.Errorf("listed %d times, but nobody sent it: %q", n, title)
		}
	}
	// Every follow-up code opens its issue, on whichever instance.
	n := 0
	for _, wr := range w.titles {
		if wr.kind != "anon" {
			continue
		}
		n++
		c := newCrashClient("", "", fmt.Sprintf("10.4.%d.%d", n/250, n%250+1))
		c.base = w.bases[n%len(w.bases)]
		if _, err := c.page("/follow-up"); err != nil {
			t.Fatal(err)
		}
		status, body, _, err := c.post("/follow-up", url.Values{"code": {wr.code}})
		if err != nil || status != 200 || !strings.Contains(body, htmlEscape(wr.title)) {
			t.Errorf("follow-up code %s of %q on %s: status %d %v, title shown %v", wr.code, wr.title, c.base, status, err, strings.Contains(body, htmlEscape(wr.title)))
		}
	}
	// Every issue: its support count and each comment, once.
	for _, id := range w.issues {
		body, err := reader.on(reader.next()).page("/issues/" + id)
		if err != nil {
			t.Fatal(err)
		}
		m := crashCount.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no support count on /issues/%s", id)
		}
		if got, _ := strconv.Atoi(m[1]); got != len(w.supports[id]) {
			t.Errorf("issue %s counts %d supports; %d distinct members' supports were acknowledged", id, got, len(w.supports[id]))
		}
		for _, c := range w.comments[id] {
			if n := strings.Count(body, c); n != 1 {
				t.Errorf("acknowledged comment %q shown %d times on issue %s", c, n, id)
			}
		}
	}
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "'", "&#39;", "<", "&lt;", ">", "&gt;", `"`, "&#34;").Replace(s)
}

// scaleViewer is one live connection and what it received, per room.
type scaleViewer struct {
	base  string
	ws    *websocket.Conn
	after map[string]int64 // room → the sequence its page was rendered with

	mu     sync.Mutex
	got    map[string][]scaleEvent
	errors []string // reload, error or unexpected messages
}

type scaleEvent struct {
	seq int64
	typ string
	id  string // data.id: the issue added, the comment added
}

// eventID reads data.id of an event.
func eventID(data []byte) string {
	var d struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(data, &d)
	return d.ID
}

// follow opens viewer i's page(s) and live connection on instance i mod 3
// and subscribes to rooms after the sequence each page carries.
func (w *scaleWorld) follow(t *testing.T, i int, rooms []string) *scaleViewer {
	t.Helper()
	base := w.bases[i%len(w.bases)]
	v := &scaleViewer{base: base, after: map[string]int64{}, got: map[string][]scaleEvent{}}
	c := newCrashClient("", "", "")
	c.base = base
	for _, room := range rooms {
		kind, id, _ := strings.Cut(room, ":")
		path := "/forums/" + id
		if kind == "issue" {
			path = "/issues/" + id
		}
		page, err := c.page(path)
		if err != nil {
			t.Fatal(err)
		}
		m := scaleLiveSeq.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("%s carries no live sequence", path)
		}
		v.after[room], _ = strconv.ParseInt(m[1], 10, 64)
	}
	h := http.Header{}
	h.Set("Origin", base)
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/live", h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	v.ws = ws
	for _, room := range rooms {
		if err := ws.WriteJSON(map[string]any{"type": "subscribe", "room": room, "after": v.after[room]}); err != nil {
			t.Fatal(err)
		}
	}
	subscribed := make(chan string, len(rooms))
	go func() {
		for {
			var m liveEvent
			var ctl struct {
				Code string `json:"code"`
			}
			_, raw, err := ws.ReadMessage()
			if err != nil {
				return
			}
			if jsonErr := jsonUnmarshal(raw, &m, &ctl); jsonErr != nil {
				v.fail("unreadable message %q", raw)
				continue
			}
			switch {
			case m.Type == "subscribed":
				subscribed <- m.Room
			case m.Type == "reload" || m.Type == "error":
				v.fail("%s in %s (code %q)", m.Type, m.Room, ctl.Code)
			case m.Seq > 0:
				v.mu.Lock()
				v.got[m.Room] = append(v.got[m.Room], scaleEvent{seq: m.Seq, typ: m.Type, id: eventID(m.Data)})
				v.mu.Unlock()
			}
		}
	}()
	for range rooms {
		select {
		case <-subscribed:
		case <-time.After(10 * time.Second):
			t.Fatalf("viewer %d on %s: not subscribed within 10 s (%v)", i, base, v.errors)
		}
	}
	return v
}

func (v *scaleViewer) fail(format string, args ...any) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.errors = append(v.errors, fmt.Sprintf(format, args...))
}

// checkViewers waits until every viewer has caught up with its rooms' logs
// (or 20 s pass), then compares what each received with the store's log:
// the same numbered events, each once, in order, nothing missing.
func (w *scaleWorld) checkViewers(t *testing.T, viewers []*scaleViewer, storeArgs []string) {
	t.Helper()
	a := openApp(t, storeArgs...)
	defer a.close()
	ctx := context.Background()
	want := map[string][]scaleEvent{} // room → the log's events
	logOf := func(room string) []scaleEvent {
		if evs, ok := want[room]; ok {
			return evs
		}
		evs, err := a.store.Since(ctx, room, 0, 100000)
		if err != nil {
			t.Fatal(err)
		}
		var out []scaleEvent
		for _, e := range evs {
			out = append(out, scaleEvent{seq: e.Seq, typ: e.Type, id: eventID(e.Data)})
		}
		// Each issue announced once, each comment once: a write made once
		// (even when its form was sent to several instances) is one event.
		ids := map[string][]int64{}
		for _, e := range out {
			ids[e.typ+" "+e.id] = append(ids[e.typ+" "+e.id], e.seq)
		}
		for k, seqs := range ids {
			if len(seqs) > 1 {
				t.Errorf("%s: %s is in the log %d times (seq %v)", room, k, len(seqs), seqs)
			}
		}
		want[room] = out
		return out
	}
	var total atomic.Int64
	deadline := time.Now().Add(20 * time.Second)
	for _, v := range viewers {
		for room, after := range v.after {
			var exp []scaleEvent
			for _, e := range logOf(room) {
				if e.seq > after {
					exp = append(exp, e)
				}
			}
			for {
				v.mu.Lock()
				got := slices.Clone(v.got[room])
				errs := slices.Clone(v.errors)
				v.mu.Unlock()
				if len(errs) > 0 {
					t.Fatalf("viewer on %s: %v", v.base, errs)
				}
				if len(got) >= len(exp) || time.Now().After(deadline) {
					if !slices.Equal(got, exp) {
						t.Fatalf("viewer on %s of %s (after %d) received %d events %v; the log has %d after it: %v",
							v.base, room, after, len(got), summarise(got), len(exp), summarise(exp))
					}
					total.Add(int64(len(got)))
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	}
	counts := map[string]int{}
	for room, evs := range want {
		kind, _, _ := strings.Cut(room, ":")
		counts[kind] += len(evs)
	}
	t.Logf("%d viewers on %d instances received %d numbered events, each once and in order, as the log has them (forum room: %d events, hot issues: %d)",
		len(viewers), len(w.bases), total.Load(), counts["forum"], counts["issue"])
}

// summarise writes events as seq:type, shortened in the middle.
func summarise(evs []scaleEvent) string {
	var parts []string
	for i, e := range evs {
		if len(evs) > 12 && i == 6 {
			parts = append(parts, "…")
		}
		if len(evs) > 12 && i >= 6 && i < len(evs)-6 {
			continue
		}
		parts = append(parts, fmt.Sprintf("%d:%s", e.seq, e.typ))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// jsonUnmarshal decodes one message into each of vs.
func jsonUnmarshal(raw []byte, vs ...any) error {
	for _, v := range vs {
		if err := json.Unmarshal(raw, v); err != nil {
			return err
		}
	}
	return nil
}
