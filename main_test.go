package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

// lockedBuffer is written by the server goroutine and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// instance is Chorus started through run, as `go run .` starts it.
type instance struct {
	URL    string
	Stdout *lockedBuffer
	stop   func()
}

var servingRe = regexp.MustCompile(`Chorus is serving on (http://\S+)`)

// startChorus runs Chorus on dataDir until the test ends (or stop is called)
// and waits until it answers /healthz.
func startChorus(t *testing.T, dataDir string, env map[string]string) *instance {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, logs := &lockedBuffer{}, &lockedBuffer{}
	getenv := func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		return map[string]string{"CHORUS_ADDR": "127.0.0.1:0", "CHORUS_DATA_DIR": dataDir}[k]
	}
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, getenv, strings.NewReader(""), out, logs) }()
	inst := &instance{Stdout: out}
	var stopOnce sync.Once
	inst.stop = func() {
		stopOnce.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("run: %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Error("Chorus did not shut down within 30s")
			}
		})
	}
	t.Cleanup(inst.stop)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := servingRe.FindStringSubmatch(out.String()); m != nil {
			inst.URL = m[1]
			if res, err := http.Get(inst.URL + "/healthz"); err == nil {
				res.Body.Close()
				if res.StatusCode == 200 {
					return inst
				}
			}
		}
		select {
		case err := <-done:
			t.Fatalf("run ended early: %v\n%s\n%s", err, out.String(), logs.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("Chorus did not start:\n%s\n%s", out.String(), logs.String())
	return nil
}

var tokenRe = regexp.MustCompile(`setup token:\s+(\S+)`)

func TestRunSetupAndRestartKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	first := startChorus(t, dir, nil)
	m := tokenRe.FindStringSubmatch(first.Stdout.String())
	if m == nil {
		t.Fatalf("no setup token printed:\n%s", first.Stdout.String())
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	page := func(base, path string) string {
		res, err := c.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	body := page(first.URL, "/setup")
	res, err := c.PostForm(first.URL+"/setup", url.Values{"csrf": {csrf.FindStringSubmatch(body)[1]}, "token": {m[1]},
		"name": {"Ada"}, "email": {"ada@example.org"}, "password": {"long enough pw"}, "password2": {"long enough pw"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 303 {
		t.Fatalf("setup = %d", res.StatusCode)
	}
	post := func(base, path string, form url.Values) *http.Response {
		form.Set("csrf", csrf.FindStringSubmatch(page(base, path))[1])
		res, err := c.PostForm(base+path, form)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	// The administrator signs in, setting up MFA, and makes an invitation.
	if loc := post(first.URL, "/signin", url.Values{"email": {"ada@example.org"}, "password": {"long enough pw"}}).Header.Get("Location"); loc != "/signin/mfa-setup" {
		t.Fatalf("first sign-in went to %q", loc)
	}
	key := regexp.MustCompile(`name="secret" value="([A-Z2-7]+)"`).FindStringSubmatch(page(first.URL, "/signin/mfa-setup"))[1]
	code, err := totp.GenerateCode(key, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if res := post(first.URL, "/signin/mfa-setup", url.Values{"secret": {key}, "code": {code}}); res.StatusCode != 303 {
		t.Fatalf("MFA setup = %d", res.StatusCode)
	}
	page(first.URL, "/admin/invitations")
	form := url.Values{"role": {"admin"}, "csrf": {csrf.FindStringSubmatch(page(first.URL, "/admin/invitations"))[1]}}
	res, err = c.PostForm(first.URL+"/admin/invitations", form)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	link := regexp.MustCompile(`id="once-link">http://[^/]+(/invitations/[^<]+)<`).FindStringSubmatch(string(b))
	if link == nil {
		t.Fatalf("no invitation link:\n%s", b)
	}
	first.stop()

	// Same data directory, new process, new port: everything is still there.
	second := startChorus(t, dir, nil)
	if strings.Contains(second.Stdout.String(), "setup token") {
		t.Fatal("a restarted installation with an administrator asks for setup again")
	}
	secondURL, _ := url.Parse(second.URL)
	firstURL, _ := url.Parse(first.URL)
	jar.SetCookies(secondURL, jar.Cookies(firstURL)) // same browser, the site moved port
	if body := page(second.URL, "/account"); !strings.Contains(body, "ada@example.org") {
		t.Fatalf("the session did not survive a restart:\n%s", body)
	}
	if body := page(second.URL, link[1]); !strings.Contains(body, "invited to be an administrator") {
		t.Fatalf("the invitation did not survive a restart:\n%s", body)
	}
}

func TestUserAdd(t *testing.T) {
	dir := t.TempDir()
	env := func(string) string { return "" }
	add := func(stdin string, args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), append([]string{"--data-dir", dir, "user", "add"}, args...), env, strings.NewReader(stdin), &out, io.Discard)
		return out.String(), err
	}
	out, err := add("a good password\n", "--role", "admin", "--email", "Admin@Example.org", "--password-stdin")
	if err != nil || !strings.Contains(out, "Created admin@example.org") {
		t.Fatalf("user add = %q, %v", out, err)
	}
	if _, err := add("a good password\n", "--role", "admin", "--email", "admin@example.org", "--password-stdin"); err == nil || !strings.Contains(err.Error(), "already an account") {
		t.Fatalf("duplicate email: %v", err)
	}
	if _, err := add("short\n", "--role", "admin", "--email", "b@example.org", "--password-stdin"); err == nil || !strings.Contains(err.Error(), "at least 8") {
		t.Fatalf("short password: %v", err)
	}
	if _, err := add("", "--role", "admin", "--email", "c@example.org"); err == nil || !strings.Contains(err.Error(), "--password-stdin") {
		t.Fatalf("missing --password-stdin: %v", err)
	}
	if _, err := add("a good password\n", "--role", "org_admin", "--organisation", "nope", "--email", "d@example.org", "--password-stdin"); err == nil {
		t.Fatal("org_admin for an unknown organisation was accepted")
	}
}

func TestDemo(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	env := func(string) string { return "" }
	if err := run(context.Background(), []string{"--data-dir", dir, "demo"}, env, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "admin@demo.chorus.invalid") || !strings.Contains(out.String(), "Leicester") {
		t.Fatalf("demo output: %s", out.String())
	}
	if err := run(context.Background(), []string{"--data-dir", dir, "demo"}, env, nil, io.Discard, io.Discard); err == nil {
		t.Fatal("demo ran twice into the same store")
	}
}

func TestHelp(t *testing.T) {
	var errOut bytes.Buffer
	err := run(context.Background(), []string{"--help"}, func(string) string { return "" }, nil, io.Discard, &errOut)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("--help: %v", err)
	}
	for _, want := range []string{"CHORUS_ADDR", "CHORUS_DATA_DIR", "CHORUS_MONGODB_URI", "CHORUS_BASE_URL", "CHORUS_TRUSTED_PROXIES", "CHORUS_SECRET_FILE", "CHORUS_TIMEZONE", "user add", "backup --to", "restore --from", "healthcheck", "migrate --from"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("--help does not document %s", want)
		}
	}
}

func TestConfigFlagBeatsEnvironment(t *testing.T) {
	cfg, _, err := parseConfig("chorus", []string{"--addr", ":9999"}, func(k string) string {
		return map[string]string{"CHORUS_ADDR": ":1111", "CHORUS_TRUSTED_PROXIES": "10.0.0.1, 10.0.0.2", "CHORUS_DATA_DIR": "/tmp/x"}[k]
	}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != ":9999" || len(cfg.TrustedProxies) != 2 || cfg.SecretFile != "/tmp/x/secret.key" || cfg.Timezone != "Europe/London" {
		t.Fatalf("config = %+v", cfg)
	}
	if _, _, err := parseConfig("chorus", nil, func(k string) string {
		return map[string]string{"CHORUS_TIMEZONE": "Mars/Olympus"}[k]
	}, io.Discard); err == nil {
		t.Fatal("a bad time zone was accepted")
	}
}
