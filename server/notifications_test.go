package server_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	netmail "net/mail"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"chorus/account"
	"chorus/forum"
	"chorus/internal/secret"
	"chorus/mail"
	"chorus/notify"

	"github.com/emersion/go-smtp"
)

// smtpSink is an SMTP server inside the test process that keeps every
// message it receives.
type smtpSink struct {
	addr string
	ch   chan *received
}

// received is one email as the SMTP server got it.
type received struct {
	From    string
	To      []string
	Header  netmail.Header
	Subject string
	Parts   map[string]string // content type (without parameters) → decoded body
	Type    string            // the top-level content type
}

func newSMTPSink(t *testing.T) *smtpSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sink := &smtpSink{addr: ln.Addr().String(), ch: make(chan *received, 100)}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &smtpSession{sink: sink, t: t}, nil }))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return sink
}

// sender is Chorus's SMTP adapter pointed at the sink.
func (s *smtpSink) sender(t *testing.T) *mail.Sender {
	t.Helper()
	m, err := mail.New("smtp://" + s.addr + "?from=chorus@example.org&tls=none")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// next returns the next email, failing when none arrives in time.
func (s *smtpSink) next(t *testing.T) *received {
	t.Helper()
	select {
	case m := <-s.ch:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no email arrived")
		return nil
	}
}

// none checks that no email is waiting (call after notify's Wait).
func (s *smtpSink) none(t *testing.T) {
	t.Helper()
	select {
	case m := <-s.ch:
		t.Fatalf("unexpected email to %v: %q", m.To, m.Subject)
	case <-time.After(200 * time.Millisecond):
	}
}

type smtpSession struct {
	sink *smtpSink
	t    *testing.T
	from string
	to   []string
}

func (s *smtpSession) Reset()        { s.from, s.to = "", nil }
func (s *smtpSession) Logout() error { return nil }
func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}
func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return err
	}
	got := &received{From: s.from, To: s.to, Header: msg.Header, Subject: subject, Parts: map[string]string{}}
	typ, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return err
	}
	got.Type = typ
	if strings.HasPrefix(typ, "multipart/") {
		mr := multipart.NewReader(msg.Body, params["boundary"])
		for {
			p, err := mr.NextPart() // decodes quoted-printable
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			b, err := io.ReadAll(p)
			if err != nil {
				return err
			}
			pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
			got.Parts[pt] = string(b)
		}
	}
	s.sink.ch <- got
	return nil
}

// mailWorld is a forum with a facilitator and a member who follows an issue.
type mailWorld struct {
	e      *env
	sink   *smtpSink
	by     *account.Principal // the installation administrator
	forum  *forum.Forum
	fac    *account.Principal
	member *account.Principal
	issue  *forum.Issue
}

func newMailWorld(t *testing.T, e *env) *mailWorld {
	t.Helper()
	ctx := context.Background()
	w := &mailWorld{e: e, sink: newSMTPSink(t)}
	e.Notify.SetSender(w.sink.sender(t))
	// No sign-in here: some tests run on a clock of their own, which TOTP codes would not match.
	if _, err := e.Accounts.AddUser(ctx, nil, account.NewUser{Email: "ada@example.org", Name: "Ada", Password: "long enough pw"}, account.RoleAdmin, account.Installation); err != nil {
		t.Fatal(err)
	}
	w.by = principalFor(t, e, "ada@example.org")
	var err error
	if w.forum, err = e.Forums.CreateForum(ctx, w.by, forum.ForumSettings{Name: "Forum", OpenJoin: true, AllowAnonymous: true}); err != nil {
		t.Fatal(err)
	}
	w.fac = w.person(t, "fac@example.org", forum.RoleFacilitator)
	w.member = w.person(t, "mo@example.org", forum.RoleMember)
	raised, err := e.Forums.RaiseIssue(ctx, forum.Viewer{Principal: w.fac}, w.forum.ID, forum.Draft{Title: "Private worry about my son's school", Body: "Details."})
	if err != nil {
		t.Fatal(err)
	}
	w.issue = raised.Issue
	if err := e.Forums.Follow(ctx, forum.Viewer{Principal: w.member}, w.issue.ID); err != nil {
		t.Fatal(err)
	}
	return w
}

// person makes an account with the password "password <email>" and joins the forum.
func (w *mailWorld) person(t *testing.T, email string, role forum.Role) *account.Principal {
	t.Helper()
	ctx := context.Background()
	u := &account.User{ID: secret.NewID(), Email: email, Name: "Name " + strings.Split(email, "@")[0], PasswordHash: secret.HashPassword("password " + email), CreatedAt: time.Now()}
	if err := w.e.Store.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	p := &account.Principal{User: u}
	if _, err := w.e.Forums.Join(ctx, p, w.forum.ID, u.Name); err != nil {
		t.Fatal(err)
	}
	if role != forum.RoleMember {
		if err := w.e.Forums.SetRole(ctx, w.by, w.forum.ID, u.ID, role); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

var respondN int

// respond has the facilitator publish a response on the issue, and waits for
// any email it causes to be sent.
func (w *mailWorld) respond(t *testing.T, issueID string) {
	t.Helper()
	respondN++
	if err := w.e.Forums.Respond(context.Background(), forum.Viewer{Principal: w.fac}, issueID, "We are on it.", fmt.Sprintf("idem-%d-%d", respondN, time.Now().UnixNano())); err != nil {
		t.Fatal(err)
	}
	w.e.Notify.Wait()
}

var mailLinkRe = regexp.MustCompile(`https?://[^\s<>"]+`)

// TestEmailAtOnce: a member who asked for email at once, in Urdu, gets one for
// a response on an issue they follow: neutral subject in Urdu, the sender,
// a plain-text part with an HTML alternative, List-Unsubscribe, a link to
// the issue, and nothing of what was written. The unsubscribe link works
// without signing in, and then no more email comes.
func TestEmailAtOnce(t *testing.T) {
	onEachStore(t, func(t *testing.T, store string) {
		e := newEnvOn(t, store)
		w := newMailWorld(t, e)
		mo := e.client()
		mo.signIn("mo@example.org", "password mo@example.org")
		page := mo.get("/account/notifications")
		wantStatus(t, page, 200)
		wantContains(t, page.Body, `name="frequency" value="immediate"`, `name="kind" value="response" checked`)
		form := url.Values{"frequency": {"immediate"}, "language": {"ur"}}
		for _, k := range forum.NoticeKinds {
			form.Add("kind", string(k))
		}
		r := mo.post("/account/notifications", form)
		wantStatus(t, r, 303)
		u, err := e.Store.FindUserByID(context.Background(), w.member.User.ID)
		if err != nil || u.Language != "ur" {
			t.Fatalf("language = %q, %v; want ur", u.Language, err)
		}

		w.respond(t, w.issue.ID)
		m := w.sink.next(t)
		if len(m.To) != 1 || m.To[0] != "mo@example.org" {
			t.Fatalf("to = %v", m.To)
		}
		if m.Subject != "اس مسئلے پر تازہ کاری جس کی آپ پیروی کرتے ہیں" {
			t.Fatalf("subject = %q; want the Urdu for \"Update on an issue you follow\"", m.Subject)
		}
		if !strings.Contains(m.Header.Get("From"), "chorus@example.org") || m.Header.Get("Content-Language") != "ur" {
			t.Fatalf("From %q, Content-Language %q", m.Header.Get("From"), m.Header.Get("Content-Language"))
		}
		if m.Type != "multipart/alternative" || m.Parts["text/plain"] == "" || m.Parts["text/html"] == "" {
			t.Fatalf("type %s with parts %v; want multipart/alternative with text/plain and text/html", m.Type, keysOf(m.Parts))
		}
		text, html := m.Parts["text/plain"], m.Parts["text/html"]
		for _, body := range []string{text, html, m.Subject} {
			if strings.Contains(body, "son's school") || strings.Contains(body, "We are on it") {
				t.Fatalf("the email repeats what was written:\n%s", body)
			}
		}
		wantContains(t, text, "ایک جواب شائع ہوا", e.URL+"/issues/"+w.issue.ID, e.URL+"/account/notifications")
		wantContains(t, html, `lang="ur"`, `dir="rtl"`, `href="`+e.URL+`/issues/`+w.issue.ID+`?lang=ur"`)
		// The header is the one-click address (RFC 8058); the text links
		// the page with the button.
		oneClick := strings.Trim(m.Header.Get("List-Unsubscribe"), "<>")
		unsub := strings.Replace(oneClick, "/one-click?", "?", 1)
		if !strings.HasPrefix(oneClick, e.URL+"/unsubscribe/") || unsub == oneClick || !strings.Contains(text, unsub) {
			t.Fatalf("List-Unsubscribe %q; the page %q not in the text:\n%s", oneClick, unsub, text)
		}
		if got := m.Header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
			t.Fatalf("List-Unsubscribe-Post = %q", got)
		}

		// Unsubscribing works in a browser that is not signed in, in the
		// language of the email.
		stranger := e.client()
		r = stranger.get(strings.TrimPrefix(unsub, e.URL))
		wantStatus(t, r, 303)
		path := r.Location
		r = stranger.get(path)
		wantStatus(t, r, 200)
		wantContains(t, r.Body, `lang="ur"`)
		r = stranger.post(path, url.Values{"csrf": {stranger.csrf(path)}})
		wantStatus(t, r, 200)
		wantContains(t, r.Body, "Chorus آپ کو اطلاعاتی ای میلز نہیں بھیجے گا")
		pr, err := e.Store.FindPreferences(context.Background(), w.member.User.ID)
		if err != nil || pr.Frequency != notify.Off {
			t.Fatalf("after unsubscribing: %+v, %v", pr, err)
		}
		wantStatus(t, stranger.get("/unsubscribe/"+w.member.User.ID+".forged"), 410)
		w.respond(t, w.issue.ID)
		w.sink.none(t)
	})
}

func keysOf(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestEmailPreferences: no email without asking for it, none for a kind
// switched off, none to the person who acted, and none at all when Chorus
// has no mail server.
func TestEmailPreferences(t *testing.T) {
	e := newEnv(t)
	w := newMailWorld(t, e)
	ctx := context.Background()
	w.respond(t, w.issue.ID) // never chose: the page only
	w.sink.none(t)

	if err := e.Notify.SavePreferences(ctx, w.member, notify.Immediate, []forum.NoticeKind{forum.NoticeStatus}, "en"); err != nil {
		t.Fatal(err)
	}
	w.respond(t, w.issue.ID) // responses switched off
	w.sink.none(t)
	if err := e.Forums.ChangeStatus(ctx, forum.Viewer{Principal: w.fac}, w.issue.ID, forum.StatusResolved, "", "idem-status"); err != nil {
		t.Fatal(err)
	}
	e.Notify.Wait()
	m := w.sink.next(t)
	if m.Subject != "Update on an issue you follow" {
		t.Fatalf("subject = %q", m.Subject)
	}
	wantContains(t, m.Parts["text/plain"], "Hello Name mo,", "now Resolved")

	// The facilitator wants everything at once, but is not told of what they did.
	if err := e.Notify.SavePreferences(ctx, w.fac, notify.Immediate, forum.NoticeKinds, "en"); err != nil {
		t.Fatal(err)
	}
	if err := e.Forums.Follow(ctx, forum.Viewer{Principal: w.fac}, w.issue.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.Notify.SavePreferences(ctx, w.member, notify.Off, forum.NoticeKinds, "en"); err != nil {
		t.Fatal(err)
	}
	w.respond(t, w.issue.ID)
	w.sink.none(t)

	// Without a mail server nothing is sent, whatever people chose.
	if err := e.Notify.SavePreferences(ctx, w.member, notify.Immediate, forum.NoticeKinds, "en"); err != nil {
		t.Fatal(err)
	}
	e.Notify.SetSender(nil)
	w.respond(t, w.issue.ID)
	w.sink.none(t)
	wantContains(t, e.client().get("/signin").Body, "Ask your administrator")
}

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// TestDigests: a daily digest gathers a day's unread notifications into one
// email, sent once after 07:00 however many instances sweep; read ones are
// left out; a weekly digest covers the week before Monday.
func TestDigests(t *testing.T) { onEachStore(t, testDigests) }

func testDigests(t *testing.T, store string) {
	clock := &fakeClock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)} // a Monday
	db, _, _ := openStore(t, store)
	e := serveEnv(t, db, clock.Now, account.DefaultSettings)
	w := newMailWorld(t, e)
	ctx := context.Background()
	weekly := w.person(t, "wen@example.org", forum.RoleMember)
	if err := e.Forums.Follow(ctx, forum.Viewer{Principal: weekly}, w.issue.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.Notify.SavePreferences(ctx, w.member, notify.Daily, forum.NoticeKinds, "en"); err != nil {
		t.Fatal(err)
	}
	if err := e.Notify.SavePreferences(ctx, weekly, notify.Weekly, forum.NoticeKinds, "en"); err != nil {
		t.Fatal(err)
	}
	second, err := e.Forums.RaiseIssue(ctx, forum.Viewer{Principal: w.fac}, w.forum.ID, forum.Draft{Title: "Another", Body: "Text"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Forums.Follow(ctx, forum.Viewer{Principal: w.member}, second.Issue.ID); err != nil {
		t.Fatal(err)
	}
	tick := func() { clock.Set(clock.Now().Add(time.Minute)) }
	w.respond(t, w.issue.ID)
	tick()
	w.respond(t, second.Issue.ID)
	tick()
	if err := e.Forums.ChangeStatus(ctx, forum.Viewer{Principal: w.fac}, w.issue.ID, forum.StatusResolved, "", "idem-digest-status"); err != nil {
		t.Fatal(err)
	}
	tick()
	// One more, read on the page before the digest: left out.
	w.respond(t, second.Issue.ID)
	list, err := e.Store.ListNotifications(ctx, w.member.User.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Forums.MarkOneRead(ctx, w.member, list[0].ID); err != nil {
		t.Fatal(err)
	}
	w.sink.none(t) // digests wait for the day to end

	// Two instances sweep the next morning, before and after 07:00.
	other, err := notify.NewService(db, e.Accounts, w.sink.sender(t), notify.Config{BaseURL: e.URL, Secret: []byte("0123456789abcdef0123456789abcdef-test"), Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	clock.Set(time.Date(2026, 11, 24, 6, 59, 0, 0, time.UTC))
	if n, err := e.Notify.Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("sweep before 07:00 = %d, %v; want 0", n, err)
	}
	clock.Set(time.Date(2026, 11, 24, 7, 1, 0, 0, time.UTC))
	for _, s := range []*notify.Service{e.Notify, other, e.Notify, other} {
		if _, err := s.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
	}
	m := w.sink.next(t)
	if m.To[0] != "mo@example.org" || m.Subject != "Your daily summary from Chorus" {
		t.Fatalf("to %v subject %q", m.To, m.Subject)
	}
	text := m.Parts["text/plain"]
	if n := strings.Count(text, "a response was published"); n != 2 {
		t.Fatalf("%d responses in the digest; want 2 (the read one left out):\n%s", n, text)
	}
	wantContains(t, text, "now Resolved", "/issues/"+w.issue.ID, "/issues/"+second.Issue.ID, "daily summary")
	w.sink.none(t) // one email, however many sweeps; nothing yet for the weekly reader

	// The next Monday the weekly reader gets last week's.
	clock.Set(time.Date(2026, 11, 30, 7, 30, 0, 0, time.UTC))
	if _, err := other.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Notify.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	m = w.sink.next(t)
	if m.To[0] != "wen@example.org" || m.Subject != "Your weekly summary from Chorus" {
		t.Fatalf("to %v subject %q", m.To, m.Subject)
	}
	wantContains(t, m.Parts["text/plain"], "a response was published", "now Resolved")
	w.sink.none(t) // the daily reader had nothing new on Sunday
}

// TestEmailRetried: when the mail server is down the change still happens;
// the email is recorded with its error and sent by a later sweep.
func TestEmailRetried(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	db, _, _ := openStore(t, "sqlite")
	e := serveEnv(t, db, clock.Now, account.DefaultSettings)
	w := newMailWorld(t, e)
	ctx := context.Background()
	if err := e.Notify.SavePreferences(ctx, w.member, notify.Immediate, forum.NoticeKinds, "en"); err != nil {
		t.Fatal(err)
	}
	down, err := mail.New("smtp://127.0.0.1:1?from=chorus@example.org&tls=none")
	if err != nil {
		t.Fatal(err)
	}
	e.Notify.SetSender(down)
	w.respond(t, w.issue.ID) // succeeds although the email fails
	e.Notify.SetSender(w.sink.sender(t))
	w.sink.none(t)
	clock.Set(clock.Now().Add(6 * time.Minute))
	if n, err := e.Notify.Sweep(ctx); err != nil || n != 1 {
		t.Fatalf("retry sweep = %d, %v; want 1", n, err)
	}
	if m := w.sink.next(t); m.Subject != "Update on an issue you follow" {
		t.Fatalf("subject %q", m.Subject)
	}
	if n, err := e.Notify.Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("second sweep = %d, %v; want 0", n, err)
	}
}

// TestPasswordResetByEmail: "Forgot your password?" answers alike for any
// address, emails a single-use link to a real one, and the new password
// ends the person's other sessions.
func TestPasswordResetByEmail(t *testing.T) {
	e := newEnv(t)
	w := newMailWorld(t, e)
	signedIn := e.client()
	signedIn.signIn("mo@example.org", "password mo@example.org")
	wantStatus(t, signedIn.get("/account"), 200)

	c := e.client()
	wantContains(t, c.get("/signin").Body, `href="/password/forgot"`)
	wantStatus(t, c.get("/password/forgot"), 200)
	unknown := c.post("/password/forgot", url.Values{"email": {"nobody@example.org"}})
	e.Notify.Wait()
	w.sink.none(t)
	known := c.post("/password/forgot", url.Values{"email": {"MO@example.org "}})
	e.Notify.Wait()
	if unknown.Status != 303 || known.Status != unknown.Status || known.Location != unknown.Location {
		t.Fatalf("unknown %d %q, known %d %q: the answers differ", unknown.Status, unknown.Location, known.Status, known.Location)
	}
	m := w.sink.next(t)
	if m.To[0] != "mo@example.org" || m.Subject != "Choose a new password for Chorus" || m.Parts["text/plain"] == "" || m.Parts["text/html"] == "" {
		t.Fatalf("to %v subject %q parts %v", m.To, m.Subject, keysOf(m.Parts))
	}
	if m.Header.Get("List-Unsubscribe") != "" {
		t.Fatal("a password reset is not a list")
	}
	var link string
	for _, l := range mailLinkRe.FindAllString(m.Parts["text/plain"], -1) {
		if strings.Contains(l, "/reset/") {
			link = strings.TrimPrefix(l, e.URL)
		}
	}
	if link == "" {
		t.Fatalf("no reset link in:\n%s", m.Parts["text/plain"])
	}
	r := c.get(link) // ?lang= sets the email's language, then drops out
	wantStatus(t, r, 303)
	link = r.Location
	wantStatus(t, c.get(link), 200)
	r = c.post(link, url.Values{"csrf": {c.csrf(link)}, "password": {"a brand new passphrase"}, "password2": {"a brand new passphrase"}})
	wantStatus(t, r, 303)
	if r := signedIn.get("/account"); r.Status != 303 || !strings.HasPrefix(r.Location, "/signin") {
		t.Fatalf("the other session still works: %d %q", r.Status, r.Location)
	}
	wantStatus(t, c.get(link), 410) // once only
	c.signIn("mo@example.org", "a brand new passphrase")
	wantStatus(t, c.get("/account"), 200)

	// A stranger cannot flood the inbox: three links an hour.
	for range 5 {
		e.client().post("/password/forgot", url.Values{"email": {"mo@example.org"}})
	}
	e.Notify.Wait()
	for range 2 {
		w.sink.next(t)
	}
	w.sink.none(t)
}

var newTagRe = regexp.MustCompile(`class="tag new"`)

// TestAnonymousSubmitter: an anonymous submitter is never emailed (no account
// holds their issue), and their follow-up page marks what is new since their
// last visit.
func TestAnonymousSubmitter(t *testing.T) {
	e := newEnv(t)
	w := newMailWorld(t, e)
	ctx := context.Background()
	if err := e.Notify.SavePreferences(ctx, w.fac, notify.Immediate, forum.NoticeKinds, "en"); err != nil {
		t.Fatal(err)
	}
	raised, err := e.Forums.RaiseIssue(ctx, forum.Viewer{}, w.forum.ID, forum.Draft{Title: "Anonymous worry", Body: "Details", Anonymous: true})
	if err != nil {
		t.Fatal(err)
	}
	visitor := e.client()
	first := visitor.post("/follow-up", url.Values{"code": {raised.Code}, "csrf": {visitor.csrf("/follow-up")}})
	wantStatus(t, first, 200)
	if newTagRe.MatchString(first.Body) {
		t.Fatal("nothing is new on the first visit")
	}
	w.respond(t, raised.Issue.ID)
	w.sink.none(t) // nobody to email: the submitter has no account, the facilitator acted
	second := visitor.post("/follow-up", url.Values{"code": {raised.Code}, "csrf": {visitor.csrf("/follow-up")}})
	wantStatus(t, second, 200)
	if n := len(newTagRe.FindAllString(second.Body, -1)); n != 1 {
		t.Fatalf("%d entries marked new; want 1 (the response)", n)
	}
	wantContains(t, second.Body, "since your last visit")
	third := visitor.post("/follow-up", url.Values{"code": {raised.Code}, "csrf": {visitor.csrf("/follow-up")}})
	if newTagRe.MatchString(third.Body) {
		t.Fatal("the response is still new after it was seen")
	}
	fu, err := e.Store.FindFollowUp(ctx, forum.NormalizeCode(raised.Code)[:8])
	if err != nil || fu.SeenSeq == 0 {
		t.Fatalf("follow-up seen = %+v, %v", fu, err)
	}
}

// TestNotificationCentre: one notification marked read, then all; the unread
// count in the navigation follows; a guessed ID finds nothing.
func TestNotificationCentre(t *testing.T) {
	e := newEnv(t)
	w := newMailWorld(t, e)
	ctx := context.Background()
	w.respond(t, w.issue.ID)
	if err := e.Forums.ChangeStatus(ctx, forum.Viewer{Principal: w.fac}, w.issue.ID, forum.StatusResolved, "", "idem-centre"); err != nil {
		t.Fatal(err)
	}
	mo := e.client()
	mo.signIn("mo@example.org", "password mo@example.org")
	page := mo.get("/notifications")
	wantContains(t, page.Body, "Notifications (2 new)", "a response was published", "now Resolved", `href="/account/notifications"`)
	ids := regexp.MustCompile(`action="/notifications/([^/"]+)/read"`).FindAllStringSubmatch(page.Body, -1)
	if len(ids) != 2 {
		t.Fatalf("%d mark-as-read buttons; want 2", len(ids))
	}
	wantStatus(t, mo.post("/notifications/"+ids[0][1]+"/read", url.Values{"csrf": {mo.csrf("/notifications")}}), 303)
	page = mo.get("/notifications")
	wantContains(t, page.Body, "Notifications (1 new)")
	// Someone else cannot mark it.
	fac := e.client()
	fac.signIn("fac@example.org", "password fac@example.org")
	wantStatus(t, fac.post("/notifications/"+ids[1][1]+"/read", url.Values{"csrf": {fac.csrf("/notifications")}}), 404)
	wantStatus(t, mo.post("/notifications/read", url.Values{"csrf": {mo.csrf("/notifications")}}), 303)
	page = mo.get("/notifications")
	if strings.Contains(page.Body, " new)") || strings.Contains(page.Body, "/read\"") {
		t.Fatal("everything should be read")
	}
}
