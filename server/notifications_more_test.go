package server_test

import (
	"context"
	"fmt"
	"html/template"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"chorus/account"
	"chorus/forum"
	"chorus/internal/secret"
	"chorus/mail"
	"chorus/notify"
	"chorus/steering"
)

// wantImmediate has a person ask for every kind by email at once, in lang.
func wantImmediate(t *testing.T, e *env, p *account.Principal, lang string) {
	t.Helper()
	if err := e.Notify.SavePreferences(context.Background(), p, notify.Immediate, forum.NoticeKinds, lang); err != nil {
		t.Fatal(err)
	}
}

// TestOneClickUnsubscribe: the email carries RFC 8058's two headers; a mail
// provider's POST of "List-Unsubscribe=One-Click" to the List-Unsubscribe
// address, with no cookie, CSRF token or Origin, turns email off; a
// tampered token, or a POST without that body, changes nothing.
func TestOneClickUnsubscribe(t *testing.T) {
	onEachStore(t, func(t *testing.T, store string) {
		e := newEnvOn(t, store)
		w := newMailWorld(t, e)
		ctx := context.Background()
		wantImmediate(t, e, w.member, "en")
		w.respond(t, w.issue.ID)
		m := w.sink.next(t)
		if got := m.Header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
			t.Fatalf("List-Unsubscribe-Post = %q", got)
		}
		oneClick := strings.Trim(m.Header.Get("List-Unsubscribe"), "<>")
		u, err := url.Parse(oneClick)
		if err != nil || !strings.HasPrefix(oneClick, e.URL+"/unsubscribe/") || !strings.HasSuffix(u.Path, "/one-click") {
			t.Fatalf("List-Unsubscribe = %q", oneClick)
		}
		frequency := func() notify.Frequency {
			pr, err := e.Store.FindPreferences(ctx, w.member.User.ID)
			if err != nil {
				t.Fatal(err)
			}
			return pr.Frequency
		}
		provider := e.client() // no cookie, no token, no Origin

		// A tampered token does nothing.
		token := strings.TrimSuffix(strings.TrimPrefix(u.Path, "/unsubscribe/"), "/one-click")
		id, sig, _ := strings.Cut(token, ".")
		for _, bad := range []string{w.fac.User.ID + "." + sig, id + "." + strings.ToUpper(sig), id + ".", id} {
			r := provider.postRaw("/unsubscribe/"+bad+"/one-click", "List-Unsubscribe=One-Click", "")
			if r.Status != 410 {
				t.Fatalf("tampered token %q: status %d; want 410", bad, r.Status)
			}
		}
		// Without RFC 8058's body it is refused too (a GET never acts).
		wantStatus(t, provider.postRaw(u.Path, "", ""), 400)
		wantStatus(t, provider.get(u.Path), 200)
		if f := frequency(); f != notify.Immediate {
			t.Fatalf("frequency = %s after refused requests; want immediate", f)
		}
		// A foreign Origin still cannot forge the ordinary button's POST.
		wantStatus(t, provider.postRaw("/unsubscribe/"+token, "", "https://evil.example"), 403)

		r := provider.postRaw(u.Path+"?"+u.RawQuery, "List-Unsubscribe=One-Click", "")
		wantStatus(t, r, 200)
		if f := frequency(); f != notify.Off {
			t.Fatalf("frequency = %s after one click; want off", f)
		}
		w.respond(t, w.issue.ID)
		w.sink.none(t)
	})
}

// TestInvitationNotice: someone with an account whom an invitation's note
// names (a forum, a steering group's seat, an administrator's invitation)
// finds it in the notification centre and by email; the email and the store
// never hold the invitation's token; the notification opens the invitation
// for that person only; a resent form tells nobody twice.
func TestInvitationNotice(t *testing.T) {
	onEachStore(t, func(t *testing.T, store string) {
		e := newEnvOn(t, store)
		w := newMailWorld(t, e)
		ctx := context.Background()
		sam := &account.User{ID: secret.NewID(), Email: "sam@example.org", Name: "Sam", PasswordHash: secret.HashPassword("password sam"), CreatedAt: time.Now()}
		if err := e.Store.CreateUser(ctx, sam); err != nil {
			t.Fatal(err)
		}
		samP := &account.Principal{User: sam}
		wantImmediate(t, e, samP, "en")
		org, err := e.Accounts.CreateOrganisation(ctx, w.by, "Org")
		if err != nil {
			t.Fatal(err)
		}
		group, err := e.Steering.CreateGroup(ctx, w.by, steering.GroupSettings{OrgID: org.ID, Name: "Group"}, "")
		if err != nil {
			t.Fatal(err)
		}
		admin := e.client()
		admin.signIn("ada@example.org", "long enough pw")
		linkRe := regexp.MustCompile(`/invitations/([A-Za-z0-9_-]{20,})`)
		samC := e.client()
		samC.signIn("sam@example.org", "password sam")
		other := e.client()
		other.signIn("mo@example.org", "password mo@example.org")

		for _, tc := range []struct {
			name, path string
			form       url.Values
			scope      string
		}{
			{"Forum", "/forums/" + w.forum.ID + "/invitations", url.Values{"role": {"member"}}, "Forum"},
			{"GroupSeat", "/groups/" + group.ID + "/invitations", url.Values{"role": {"member"}}, "Group"},
			{"Admin", "/admin/invitations", url.Values{"role": {"org_admin"}, "organisation": {org.ID}}, "Org"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				form := tc.form
				form.Set("note", "For Sam (SAM@example.org), the new one.")
				form.Set("idem", "idem-"+tc.name)
				form.Set("csrf", admin.csrf(tc.path))
				r := admin.post(tc.path, form)
				wantStatus(t, r, 200)
				link := linkRe.FindStringSubmatch(r.Body)
				if link == nil {
					t.Fatalf("no invitation link on the page:\n%s", r.Body)
				}
				token := link[1]
				e.Notify.Wait()
				m := w.sink.next(t)
				if m.To[0] != "sam@example.org" || m.Subject != "You have an invitation in Chorus" {
					t.Fatalf("to %v subject %q", m.To, m.Subject)
				}
				text := m.Parts["text/plain"]
				wantContains(t, text, "you are invited: open the invitation")
				if strings.Contains(text+m.Parts["text/html"], token) {
					t.Fatal("the email carries the invitation's token")
				}
				list, err := e.Store.ListNotifications(ctx, sam.ID, 1)
				if err != nil || len(list) != 1 || list[0].Kind != forum.NoticeInvitation || list[0].Title != tc.scope {
					t.Fatalf("notifications %+v, %v", list, err)
				}
				n := list[0]
				if strings.Contains(n.Ref, token) || strings.Contains(n.Link(), token) {
					t.Fatal("the notification holds the token")
				}
				wantContains(t, text, e.URL+n.Link())
				page := samC.get("/notifications")
				wantContains(t, page.Body, `href="`+n.Link()+`"`, ">"+tc.scope+"</a>", "you are invited: open the invitation")

				wantStatus(t, other.get(n.Link()), 404) // someone else's
				r = samC.get(n.Link())
				wantStatus(t, r, 303)
				if r.Location != "/invitations/"+token {
					t.Fatalf("opens %q; want the invitation", r.Location)
				}
				wantStatus(t, samC.get(r.Location), 200)
				if got, err := e.Store.FindNotification(ctx, sam.ID, n.ID); err != nil || !got.Read {
					t.Fatalf("notification after opening: %+v, %v; want read", got, err)
				}

				// The same form again gives the same invitation and tells nobody.
				form.Set("csrf", admin.csrf(tc.path))
				wantStatus(t, admin.post(tc.path, form), 200)
				e.Notify.Wait()
				w.sink.none(t)
			})
		}
		// A note without an account's address tells nobody.
		form := url.Values{"role": {"member"}, "note": {"For nobody@example.org, Sam's friend"}}
		form.Set("csrf", admin.csrf("/forums/"+w.forum.ID+"/invitations"))
		wantStatus(t, admin.post("/forums/"+w.forum.ID+"/invitations", form), 200)
		e.Notify.Wait()
		w.sink.none(t)
	})
}

// TestMailAdmin: the administrators' page lists an email that failed every
// try (kind, when, tries, the last error, never its content) and one that
// waits for a retry; "Try again" sends it, once; nobody else sees the page.
func TestMailAdmin(t *testing.T) {
	onEachStore(t, func(t *testing.T, store string) {
		e := newEnvOn(t, store)
		w := newMailWorld(t, e)
		ctx := context.Background()
		wantImmediate(t, e, w.member, "en")
		down, err := mail.New("smtp://127.0.0.1:1?from=chorus@example.org&tls=none")
		if err != nil {
			t.Fatal(err)
		}
		e.Notify.SetSender(down)
		w.respond(t, w.issue.ID)
		w.respond(t, w.issue.ID)
		e.Notify.SetSender(w.sink.sender(t))
		keys := undelivered(t, e)
		if len(keys) != 2 {
			t.Fatalf("%d emails not sent; want 2", len(keys))
		}
		failed, err := e.Store.FindDelivery(ctx, keys[0])
		if err != nil || failed.Attempts != 1 || failed.Error == "" {
			t.Fatalf("delivery %+v, %v; want one failed try with its error", failed, err)
		}
		failed.Attempts = notify.MaxAttempts // as after every retry of the sweep
		if err := e.Store.UpdateDelivery(ctx, failed); err != nil {
			t.Fatal(err)
		}

		admin := e.client()
		admin.signIn("ada@example.org", "long enough pw")
		page := admin.get("/admin/email")
		wantStatus(t, page, 200)
		wantContains(t, page.Body, "Emails not sent", "mo@example.org", "One update", "Failed", "Waiting to try again",
			">5</td>", ">1</td>", "Try again", `name="key" value="`+failed.Key+`"`)
		if !strings.Contains(page.Body, template.HTMLEscapeString(failed.Error)) {
			t.Fatalf("the last error %q is not on the page", failed.Error)
		}
		for _, private := range []string{"son's school", "We are on it", "Details."} {
			if strings.Contains(page.Body, private) {
				t.Fatalf("the page shows what was written: %q", private)
			}
		}
		fac := e.client()
		fac.signIn("fac@example.org", "password fac@example.org")
		wantStatus(t, fac.get("/admin/email"), 403)
		wantStatus(t, fac.post("/admin/email/retry", url.Values{"key": {failed.Key}, "csrf": {fac.csrf("/account")}}), 403)

		r := admin.post("/admin/email/retry", url.Values{"key": {failed.Key}, "csrf": {admin.csrf("/admin/email")}})
		wantStatus(t, r, 303)
		if m := w.sink.next(t); m.To[0] != "mo@example.org" || m.Subject != "Update on an issue you follow" {
			t.Fatalf("to %v subject %q", m.To, m.Subject)
		}
		wantContains(t, admin.get("/admin/email").Body, "The email has been sent.")
		if got := undelivered(t, e); len(got) != 1 || got[0] == failed.Key {
			t.Fatalf("not sent after the retry: %v", got)
		}
		// Pressing again (a resent form, a second administrator) sends nothing.
		r = admin.post("/admin/email/retry", url.Values{"key": {failed.Key}, "csrf": {admin.csrf("/admin/email")}})
		wantStatus(t, r, 303)
		wantContains(t, admin.get("/admin/email").Body, "That email has been sent already.")
		w.sink.none(t)
		wantStatus(t, admin.post("/admin/email/retry", url.Values{"key": {"notice:nothing"}, "csrf": {admin.csrf("/admin/email")}}), 404)
	})
}

// undelivered lists the keys of the emails not sent, newest first.
func undelivered(t *testing.T, e *env) []string {
	t.Helper()
	list, err := e.Store.ListUndelivered(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, d := range list {
		keys = append(keys, d.Key)
	}
	return keys
}

// TestEmailEasyRead: a person who turned Easy Read on while signed in gets
// email in Easy Read: the Easy Read words in English and its layout (one
// thing on each line, the link on its own line), in their own language
// otherwise; turning it off (or the settings' box) takes it away again.
func TestEmailEasyRead(t *testing.T) {
	onEachStore(t, func(t *testing.T, store string) {
		e := newEnvOn(t, store)
		w := newMailWorld(t, e)
		ctx := context.Background()
		wantImmediate(t, e, w.member, "en")
		mo := e.client()
		mo.signIn("mo@example.org", "password mo@example.org")
		wantStatus(t, mo.post("/easy-read", url.Values{"easy": {"on"}, "next": {"/"}, "csrf": {mo.csrf("/")}}), 303)
		wantContains(t, mo.get("/account/notifications").Body, `name="easy_read" value="on" checked`)

		w.respond(t, w.issue.ID)
		m := w.sink.next(t)
		text, html := m.Parts["text/plain"], m.Parts["text/html"]
		// The Easy Read message set: short sentences.
		wantContains(t, text, "This email does not say what people wrote. This keeps it private.", "Change your emails",
			"open it: "+e.URL+"/issues/"+w.issue.ID)
		wantContains(t, html, "font-size: 20px")
		for _, sentence := range strings.FieldsFunc(text, func(r rune) bool { return r == '.' || r == '\n' || r == ':' }) {
			if strings.HasPrefix(strings.TrimSpace(sentence), "http") || strings.Contains(sentence, "//") {
				continue
			}
			if n := len(strings.Fields(sentence)); n > 15 {
				t.Errorf("a sentence of %d words in an Easy Read email: %q", n, sentence)
			}
		}

		// Easy Read in Polish: Polish words, the Easy Read layout.
		wantImmediate(t, e, w.member, "pl")
		w.respond(t, w.issue.ID)
		m = w.sink.next(t)
		wantContains(t, m.Parts["text/html"], `lang="pl"`, "font-size: 20px")
		if strings.Contains(m.Parts["text/plain"], "This email") {
			t.Fatalf("English words in a Polish email:\n%s", m.Parts["text/plain"])
		}

		// The settings' box turns it off.
		form := url.Values{"frequency": {"immediate"}, "language": {"en"}, "csrf": {mo.csrf("/account/notifications")}}
		for _, k := range forum.NoticeKinds {
			form.Add("kind", string(k))
		}
		wantStatus(t, mo.post("/account/notifications", form), 303)
		if pr, err := e.Store.FindPreferences(ctx, w.member.User.ID); err != nil || pr.EasyRead {
			t.Fatalf("preferences %+v, %v; want Easy Read off", pr, err)
		}
		w.respond(t, w.issue.ID)
		m = w.sink.next(t)
		wantContains(t, m.Parts["text/plain"], "To keep things private, this email does not repeat what was written.")
		if strings.Contains(m.Parts["text/html"], "font-size: 20px") {
			t.Fatal("the Easy Read layout after turning it off")
		}
	})
}

// TestDigestComplete: a digest reads every unread notification of its
// period, however many: the first 100 listed, the rest counted, with a
// link to the page; none from outside the period or read.
func TestDigestComplete(t *testing.T) {
	onEachStore(t, func(t *testing.T, store string) {
		clock := &fakeClock{t: time.Date(2026, 11, 23, 0, 30, 0, 0, time.UTC)}
		db, _, _ := openStore(t, store)
		e := serveEnv(t, db, clock.Now, account.DefaultSettings)
		w := newMailWorld(t, e)
		ctx := context.Background()
		if err := e.Notify.SavePreferences(ctx, w.member, notify.Daily, forum.NoticeKinds, "en"); err != nil {
			t.Fatal(err)
		}
		// 650 in the day (more than a store page, 200), some at the same
		// millisecond, one read; one the day before and one the day after.
		const inDay = 650
		at := func(tm time.Time) {
			clock.Set(tm)
			if err := e.Forums.Notify(ctx, forum.Notice{Kind: forum.NoticeResponse, IssueID: w.issue.ID, Title: "T"}, []string{w.member.User.ID}, ""); err != nil {
				t.Fatal(err)
			}
		}
		at(time.Date(2026, 11, 22, 23, 59, 0, 0, time.UTC))
		for i := 0; i < inDay; i++ {
			at(time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC).Add(time.Duration(i/3) * time.Minute))
		}
		at(time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC))
		list, err := e.Store.ListUnreadSince(ctx, w.member.User.ID, notify.Cursor{At: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)}, time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC), 1000)
		if err != nil || len(list) != inDay {
			t.Fatalf("%d unread in the day, %v; want %d", len(list), err, inDay)
		}
		if err := e.Forums.MarkOneRead(ctx, w.member, list[100].ID); err != nil {
			t.Fatal(err)
		}
		clock.Set(time.Date(2026, 11, 24, 7, 5, 0, 0, time.UTC))
		if _, err := e.Notify.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		m := w.sink.next(t)
		text := m.Parts["text/plain"]
		if n := strings.Count(text, "a response was published"); n != 100 {
			t.Fatalf("%d listed; want 100", n)
		}
		wantContains(t, text, fmt.Sprintf("and %d more updates: see them all on your Notifications page.", inDay-1-100), e.URL+"/notifications?lang=en")
	})
}
