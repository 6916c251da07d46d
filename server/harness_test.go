package server_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"chorus/account"
	"chorus/forum"
	"chorus/internal/testenv/mongotest"
	"chorus/notify"
	"chorus/server"
	"chorus/services"
	"chorus/steering"
	"chorus/store/mongo"
	"chorus/store/sqlite"

	"go.mongodb.org/mongo-driver/v2/bson"
	mongodriver "go.mongodb.org/mongo-driver/v2/mongo"
	mongooptions "go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/pquerna/otp/totp"
)

// Store is what the tests read and write directly.
type Store = services.Store

// env is a running Chorus on a fresh store.
type env struct {
	t        *testing.T
	URL      string
	Server   *server.Server
	Store    Store
	Close    func() // closes the store, to simulate an outage
	mongoURI string // for tests that read MongoDB directly
	mongoDB  string
	Accounts *account.Service
	Forums   *forum.Service
	Steering *steering.Service
	Notify   *notify.Service // sends no email until a test gives it a sender
	Logs     *syncBuffer
	Token    string // the setup token
}

// syncBuffer collects logs from concurrent requests.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type envOption func(*server.Options)

// TestMain lets tests use a MongoDB-compatible server (FerretDB on
// PostgreSQL, started on first use) as well as SQLite.
func TestMain(m *testing.M) { os.Exit(mongotest.Run(m)) }

// stores are the adapters the journeys run on.
var stores = []string{"sqlite", "mongo"}

// onEachStore runs a test once per storage adapter.
func onEachStore(t *testing.T, test func(t *testing.T, store string)) {
	for _, kind := range stores {
		t.Run(kind, func(t *testing.T) { test(t, kind) })
	}
}

// openStore opens a fresh store of a kind; for MongoDB it also returns the
// URI and database, for tests that read the documents directly.
func openStore(t *testing.T, kind string) (Store, func(), [2]string) {
	t.Helper()
	ctx := context.Background()
	if kind == "mongo" {
		uri, name := mongotest.Database(t)
		db, err := mongo.Open(ctx, uri, name)
		if err != nil {
			t.Fatal(err)
		}
		closeDB := func() { db.Close(context.Background()) }
		t.Cleanup(closeDB)
		return db, closeDB, [2]string{uri, name}
	}
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	closeDB := func() { db.Close() }
	t.Cleanup(closeDB)
	return db, closeDB, [2]string{}
}

func newEnv(t *testing.T, opts ...envOption) *env { return newEnvOn(t, "sqlite", opts...) }

func newEnvOn(t *testing.T, kind string, opts ...envOption) *env {
	t.Helper()
	db, closeDB, mongoAt := openStore(t, kind)
	e := serveEnv(t, db, time.Now, account.DefaultSettings, opts...)
	e.Close, e.mongoURI, e.mongoDB = closeDB, mongoAt[0], mongoAt[1]
	return e
}

// serveEnv runs Chorus on db, wired as main wires it, with the services on
// clock and the account settings given.
func serveEnv(t *testing.T, db Store, clock func() time.Time, settings account.Settings, opts ...envOption) *env {
	t.Helper()
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, nil))
	key := []byte("0123456789abcdef0123456789abcdef-test")
	o := server.Options{ExitURL: "https://neutral.example/weather", Secret: key, BodyLimit: 64 << 10, LoginPerIP: 10000, SubmitPerIP: 10000}
	for _, f := range opts {
		f(&o)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	set, err := services.New(db, services.Config{Clock: clock, Secret: key, Accounts: settings, BaseURL: "http://" + ln.Addr().String(), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(o, server.Deps{Accounts: set.Accounts, Forums: set.Forums, Steering: set.Steering, Audit: set.Audit, Ready: db.Ping, Logger: log, LiveLog: db, Notify: set.Notify})
	if err != nil {
		t.Fatal(err)
	}
	go srv.App().Listener(ln)
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	e := &env{t: t, URL: "http://" + ln.Addr().String(), Server: srv, Store: db, Accounts: set.Accounts, Forums: set.Forums, Steering: set.Steering, Notify: set.Notify, Logs: logs, Token: "setup-token-for-tests"}
	srv.SetSetupToken(e.Token)
	return e
}

// client is one person's browser: a cookie jar, no automatic redirects.
type client struct {
	e    *env
	http *http.Client
	mu   sync.Mutex
	last string // body of the last page
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type response struct {
	Status   int
	Body     string
	Location string
	Header   http.Header
}

func (c *client) do(req *http.Request) response {
	c.e.t.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.e.t.Fatal(err)
	}
	c.mu.Lock()
	switch {
	case strings.Contains(strings.Join(res.Header.Values("Set-Cookie"), ";"), "chorus_session="):
		c.last = "" // signed in or out: tokens on earlier pages were bound to the old session
	case len(b) > 0: // a redirect leaves the last page, and its token, in place
		c.last = string(b)
	}
	c.mu.Unlock()
	return response{Status: res.StatusCode, Body: string(b), Location: res.Header.Get("Location"), Header: res.Header}
}

func (c *client) get(path string) response {
	c.e.t.Helper()
	req, err := http.NewRequest("GET", c.e.URL+path, nil)
	if err != nil {
		c.e.t.Fatal(err)
	}
	return c.do(req)
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf returns the CSRF token on the last page that had one, fetching from
// if needed.
func (c *client) csrf(from string) string {
	c.e.t.Helper()
	c.mu.Lock()
	last := c.last
	c.mu.Unlock()
	if m := csrfRe.FindStringSubmatch(last); m != nil {
		return m[1]
	}
	m := csrfRe.FindStringSubmatch(c.get(from).Body)
	if m == nil {
		c.e.t.Fatalf("no CSRF token on %s", from)
	}
	return m[1]
}

// post sends a form with the CSRF token of the page it came from.
func (c *client) post(path string, form url.Values) response {
	c.e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", c.csrf("/signin"))
	}
	return c.postRaw(path, form.Encode(), c.e.URL)
}

func (c *client) postRaw(path, body, origin string) response {
	c.e.t.Helper()
	req, err := http.NewRequest("POST", c.e.URL+path, strings.NewReader(body))
	if err != nil {
		c.e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	return c.do(req)
}

func wantStatus(t *testing.T, r response, want int) {
	t.Helper()
	if r.Status != want {
		body := r.Body
		if len(body) > 3000 {
			body = body[:3000]
		}
		t.Fatalf("status %d; want %d (location %q)\n%s", r.Status, want, r.Location, body)
	}
}

func wantContains(t *testing.T, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(body, s) {
			if len(body) > 3000 {
				body = body[:3000]
			}
			t.Fatalf("page lacks %q:\n%s", s, body)
		}
	}
}

var secretRe = regexp.MustCompile(`name="secret" value="([A-Z2-7]+)"`)

// enrolAndSignIn completes a sign-in that needs MFA set up, returning the secret.
func (c *client) enrol() string {
	c.e.t.Helper()
	r := c.get("/signin/mfa-setup")
	wantStatus(c.e.t, r, 200)
	m := secretRe.FindStringSubmatch(r.Body)
	if m == nil {
		c.e.t.Fatal("no TOTP secret on the setup page")
	}
	code, err := totp.GenerateCode(m[1], time.Now())
	if err != nil {
		c.e.t.Fatal(err)
	}
	r = c.post("/signin/mfa-setup", url.Values{"secret": {m[1]}, "code": {code}})
	wantStatus(c.e.t, r, 303)
	return m[1]
}

// setupAdmin runs first-time setup and signs the administrator in with MFA.
func (e *env) setupAdmin() (*client, string) {
	e.t.Helper()
	c := e.client()
	c.get("/setup")
	r := c.post("/setup", url.Values{"token": {e.Token}, "name": {"Ada Admin"}, "email": {"ada@example.org"}, "password": {"long enough pw"}, "password2": {"long enough pw"}})
	wantStatus(e.t, r, 303)
	secret := c.signIn("ada@example.org", "long enough pw")
	return c, secret
}

// signIn signs in, setting up MFA when the role requires it, or entering a
// code for secret when given.
func (c *client) signIn(email, password string, totpSecret ...string) string {
	c.e.t.Helper()
	c.get("/signin")
	r := c.post("/signin", url.Values{"email": {email}, "password": {password}})
	wantStatus(c.e.t, r, 303)
	switch r.Location {
	case "/signin/mfa-setup":
		return c.enrol()
	case "/signin/code":
		c.get("/signin/code")
		// A code works once; an earlier sign-in in the same test may have
		// used this step's, so try the neighbours the server also accepts.
		for _, offset := range []int{0, 30, -30} {
			r = c.post("/signin/code", url.Values{"code": {codeAt(c.e.t, totpSecret[0], offset)}})
			if r.Status == 303 {
				return ""
			}
		}
		c.e.t.Fatalf("no TOTP code accepted: %d", r.Status)
	}
	return ""
}

// codeAt returns the TOTP code offset seconds from now.
func codeAt(t *testing.T, secret string, offset int) string {
	t.Helper()
	code, err := totp.GenerateCode(secret, time.Now().Add(time.Duration(offset)*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return code
}

type optionsAlias = server.Options

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func cookies(name, value string) []*http.Cookie { return []*http.Cookie{{Name: name, Value: value}} }

func newRequest(t *testing.T, method, u string) *http.Request {
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func nopCloser(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }

// storedBytes returns everything the store holds: an embedded store's
// files (closed first, so everything is in them), or every document of the
// test's MongoDB database as extended JSON.
func storedBytes(t *testing.T, e *env) []byte {
	t.Helper()
	var all []byte
	if d, ok := e.Store.(interface{ Dir() string }); ok {
		e.Close()
		err := filepath.Walk(d.Dir(), func(p string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			all = append(all, b...)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return all
	}
	eachMongoDocument(t, e, func(_ string, doc []byte) { all = append(all, doc...) })
	return all
}

// eachMongoDocument calls fn with every document of the test's MongoDB
// database, as extended JSON, collection by collection.
func eachMongoDocument(t *testing.T, e *env, fn func(collection string, doc []byte)) {
	t.Helper()
	ctx := context.Background()
	client, err := mongodriver.Connect(mongooptions.Client().ApplyURI(e.mongoURI))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Disconnect(ctx)
	db := client.Database(e.mongoDB)
	names, err := db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		cur, err := db.Collection(name).Find(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		for cur.Next(ctx) {
			js, err := bson.MarshalExtJSON(cur.Current, false, false)
			if err != nil {
				t.Fatal(err)
			}
			fn(name, js)
		}
		if err := cur.Err(); err != nil {
			t.Fatal(err)
		}
		cur.Close(ctx)
	}
}
