package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// chorus is a built Chorus binary, a seeded embedded store for it, and the
// things the benchmarks use in it.
type chorus struct {
	bin     string
	dataDir string
	logDir  string
	// mongoURI and mongoDB name the MongoDB database to use instead of the
	// embedded store (-store); empty: the embedded store in dataDir.
	mongoURI, mongoDB string

	forumID   string   // a forum with 20 issues, open to visitor supports
	issues    []string // its issues
	member    *browser // a signed-in member of that forum (posts comments)
	memberPw  string
	liveIssue string // the issue whose room viewers watch
	supported string // the issue supporters pile onto
}

// buildChorus compiles the repository's root package, as an administrator
// would install it: the working tree, or a committed revision (exported
// first, so that work in progress elsewhere in the tree does not matter).
func buildChorus(repo, rev, dir string) (string, error) {
	bin := filepath.Join(dir, "chorus")
	src := repo
	if rev != "" {
		src = filepath.Join(dir, "src")
		tar := filepath.Join(dir, "src.tar")
		if out, err := exec.Command("git", "-C", repo, "archive", "-o", tar, rev).CombinedOutput(); err != nil {
			return "", fmt.Errorf("git archive %s: %v\n%s", rev, err, out)
		}
		if err := os.MkdirAll(src, 0o755); err != nil {
			return "", err
		}
		if out, err := exec.Command("tar", "-xf", tar, "-C", src).CombinedOutput(); err != nil {
			return "", fmt.Errorf("tar: %v\n%s", err, out)
		}
	}
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = src
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
}

// storeArgs are the flags that point Chorus at the benchmark's store.
func (ch *chorus) storeArgs() []string {
	args := []string{"--data-dir", ch.dataDir}
	if ch.mongoURI != "" {
		args = append(args, "--mongodb-uri", ch.mongoURI, "--mongodb-database", ch.mongoDB)
	}
	return args
}

// start runs Chorus on addr over the benchmark's store.
func (ch *chorus) start(addr, logName string) (*proc, error) {
	p, _, err := startProc("chorus", ch.bin, append([]string{"--addr", addr, "--log-format", "text"}, ch.storeArgs()...),
		"http://"+addr, filepath.Join(ch.logDir, logName))
	return p, err
}

var demoPassword = regexp.MustCompile(`password is: (\S+)`)

// seed fills a new store as people would: the demo command creates the
// region and its members, then a member joins the Rutland forum (which
// lets visitors support) and raises 20 issues through the web forms.
func (ch *chorus) seed(addr string) error {
	out, err := exec.Command(ch.bin, append(ch.storeArgs(), "demo")...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("chorus demo: %v\n%s", err, out)
	}
	m := demoPassword.FindSubmatch(out)
	if m == nil {
		return fmt.Errorf("chorus demo printed no password:\n%s", out)
	}
	ch.memberPw = string(m[1])
	p, err := ch.start(addr, "seed.log")
	if err != nil {
		return err
	}
	defer p.stop()
	b := newBrowser(p.base)
	if err := b.signIn("kasia.nowak@demo.chorus.invalid", ch.memberPw); err != nil {
		return err
	}
	forums, err := b.get("/forums")
	if err != nil {
		return err
	}
	fm := regexp.MustCompile(`href="/forums/([^"/]+)"[^>]*>Rutland Parent Carer Voice<`).FindStringSubmatch(forums)
	if fm == nil {
		return errors.New("seed: no Rutland forum on /forums")
	}
	ch.forumID = fm[1]
	if _, err := b.post("/forums/"+ch.forumID+"/join", url.Values{"display_name": {"Kasia"}}, 303); err != nil {
		return fmt.Errorf("join: %w", err)
	}
	for i := 1; i <= 20; i++ {
		id, err := b.raise(ch.forumID, fmt.Sprintf("Benchmark issue %d: waiting lists for assessments", i),
			"Families describe long waits.\n\n- for **assessment**\n- for support afterwards\n\nSee the [guidance](https://example.org/guidance).")
		if err != nil {
			return fmt.Errorf("raise %d: %w", i, err)
		}
		ch.issues = append(ch.issues, id)
	}
	ch.liveIssue, ch.supported = ch.issues[0], ch.issues[1]
	return nil
}

// signInMember gives a server (re)started on the seeded store a signed-in
// member to post comments.
func (ch *chorus) signInMember(base string) error {
	ch.member = newBrowser(base)
	return ch.member.signIn("kasia.nowak@demo.chorus.invalid", ch.memberPw)
}

// browser is one person's browser: cookies, and the CSRF token of the
// last page that had one.
type browser struct {
	base string
	http *http.Client
	csrf string
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func newBrowser(base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{base: base, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// get fetches a page, keeping its CSRF token.
func (b *browser) get(path string) (string, error) {
	res, err := b.http.Get(b.base + path)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return "", err
	}
	if res.StatusCode != 200 {
		return "", fmt.Errorf("GET %s: %d", path, res.StatusCode)
	}
	if m := csrfField.FindStringSubmatch(string(body)); m != nil {
		b.csrf = m[1]
	}
	return string(body), nil
}

// post submits a form with the current CSRF token and checks the status;
// it returns the redirect's Location, or the page.
func (b *browser) post(path string, form url.Values, want int) (string, error) {
	form.Set("csrf", b.csrf)
	req, err := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.base)
	res, err := b.http.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		return "", fmt.Errorf("POST %s: %d; want %d\n%.500s", path, res.StatusCode, want, body)
	}
	if loc := res.Header.Get("Location"); loc != "" {
		return loc, nil
	}
	return string(body), nil
}

// signIn signs in with a password (members need no second step).
func (b *browser) signIn(email, password string) error {
	if _, err := b.get("/signin"); err != nil {
		return err
	}
	if _, err := b.post("/signin", url.Values{"email": {email}, "password": {password}}, 303); err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	_, err := b.get("/account") // the session's own CSRF token
	return err
}

var idemField = regexp.MustCompile(`name="idem" value="([^"]+)"`)

// raise posts an issue by name through the raise form and returns its ID.
func (b *browser) raise(forumID, title, body string) (string, error) {
	page, err := b.get("/forums/" + forumID + "/raise")
	if err != nil {
		return "", err
	}
	m := idemField.FindStringSubmatch(page)
	if m == nil {
		return "", errors.New("no idempotency key on the raise form")
	}
	loc, err := b.post("/forums/"+forumID+"/raise", url.Values{"idem": {m[1]}, "title": {title}, "body": {body}, "anonymous": {"no"}, "action": {"post"}}, 303)
	if err != nil {
		return "", err
	}
	return strings.TrimPrefix(loc, "/issues/"), nil
}

// comment posts a comment on an issue as the member.
func (b *browser) comment(issueID, text, idem string) error {
	_, err := b.post("/issues/"+issueID+"/comments", url.Values{"body": {text}, "idem": {idem}}, 303)
	return err
}
