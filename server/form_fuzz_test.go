package server_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"chorus/account"
	"chorus/forum"
	"chorus/internal/secret"
	"chorus/server"
	"chorus/services"
	"chorus/store/sqlite"

	"golang.org/x/net/http/httpguts"
)

// FuzzFormPost: whatever body and Content-Type a browser (or anything else)
// sends to the forms people use most, over HTTP through Fiber's form parsing into the
// handlers' field reading, services and store, Chorus never answers 500 and
// never panics (a panic would be recovered into a 500). The body may say
// {csrf} where the request's valid CSRF token goes, so that inputs get past
// the token check into the handlers; the seeds are the forms as browsers
// send them, url-encoded and multipart, and broken variants of both.
func FuzzFormPost(f *testing.F) {
	const boundary = "----chorusFuzzBoundary"
	multipart := func(fields ...string) string {
		var b strings.Builder
		for i := 0; i+1 < len(fields); i += 2 {
			b.WriteString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + fields[i] + "\"\r\n\r\n" + fields[i+1] + "\r\n")
		}
		return b.String() + "--" + boundary + "--\r\n"
	}
	urlencoded := "application/x-www-form-urlencoded"
	mp := "multipart/form-data; boundary=" + boundary
	for _, s := range []struct {
		route  uint8
		member bool
		ctype  string
		body   string
	}{
		{0, false, urlencoded, "csrf={csrf}&title=Long+wait&body=We+waited+eight+months.&anonymous=yes&action=check&idem=k1"},
		{0, false, urlencoded, "csrf={csrf}&title=Long+wait&body=We+waited.&anonymous=yes&action=post&idem=k2&themes=Referrals&themes=x"},
		{0, true, urlencoded, "csrf={csrf}&title=%3Cscript%3Ealert(1)%3C%2Fscript%3E&body=%E2%80%AE%00&anonymous=no&action=post&idem=k3"},
		{0, true, mp, multipart("csrf", "{csrf}", "title", "Multipart wait", "body", "Text", "anonymous", "no", "action", "post", "idem", "k4")},
		{0, false, urlencoded, "csrf={csrf}&title=%ZZ&body=%&&&=&==&title=again"},
		{0, false, "application/x-www-form-urlencoded; charset=utf-16", "csrf={csrf}&title=\xff\xfe&body=\xc0\x80"},
		{1, true, urlencoded, "csrf={csrf}&body=Same+here&idem=c1"},
		{1, true, mp, multipart("csrf", "{csrf}", "body", "Same here", "idem", "c2")},
		{1, true, mp, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"body\"; filename=\"x.txt\"\r\nContent-Type: text/plain\r\n\r\nfile\r\n"},
		{1, true, "multipart/form-data", "csrf={csrf}&body=no+boundary"},
		{1, true, "multipart/form-data; boundary=", "--\r\n"},
		{2, true, urlencoded, "csrf={csrf}"},
		{3, false, urlencoded, "csrf={csrf}&code=ABCD-EFGH-JKLM-NPQR-STUV-WXYZ-2345"},
		{3, false, urlencoded, "csrf={csrf}&code=" + strings.Repeat("A", 300)},
		{4, false, urlencoded, "csrf={csrf}&email=amina%40example.org&password=wrong"},
		{5, true, urlencoded, "csrf={csrf}&display_name=Amina+again"},
		{6, true, urlencoded, "csrf={csrf}&reason=other&note=%3Cb%3E"},
		{0, false, "text/plain", "csrf={csrf}\ntitle=x"},
		{0, false, "application/json", `{"csrf":"{csrf}","title":"x"}`},
		{0, false, "", "csrf={csrf}&title=x"},
		{0, false, urlencoded + "; boundary=\"", "csrf={csrf}&title=" + strings.Repeat("%F0%9F%98%80", 200)},
	} {
		f.Add(s.route, s.member, s.ctype, s.body)
	}

	ctx := context.Background()
	db, err := sqlite.Open(ctx, f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	key := []byte("0123456789abcdef0123456789abcdef-fuzz")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	set, err := services.New(db, services.Config{Clock: time.Now, Secret: key, Accounts: account.DefaultSettings, Logger: log})
	if err != nil {
		f.Fatal(err)
	}
	srv, err := server.New(server.Options{ExitURL: "https://neutral.example/weather", Secret: key, BodyLimit: 64 << 10, LoginPerIP: 1 << 30, SubmitPerIP: 1 << 30},
		server.Deps{Accounts: set.Accounts, Forums: set.Forums, Steering: set.Steering, Audit: set.Audit, Ready: db.Ping, Logger: log, LiveLog: db, Notify: set.Notify})
	if err != nil {
		f.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	go srv.App().Listener(ln)
	f.Cleanup(func() { srv.Shutdown(context.Background()) })
	base := "http://" + ln.Addr().String()
	client := &http.Client{Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	// A forum that takes anonymous issues, a member in it and an issue.
	admin, err := set.Accounts.AddUser(ctx, nil, account.NewUser{Email: "ada@example.org", Name: "Ada", Password: "a long passphrase"}, account.RoleAdmin, account.Installation)
	if err != nil {
		f.Fatal(err)
	}
	by := &account.Principal{User: admin, Grants: []account.Grant{{UserID: admin.ID, Role: account.RoleAdmin, Scope: account.Installation}}}
	org, err := set.Accounts.CreateOrganisation(ctx, by, "Leicester, Leicestershire and Rutland")
	if err != nil {
		f.Fatal(err)
	}
	fm, err := set.Forums.CreateForum(ctx, by, forum.ForumSettings{OrgID: org.ID, Name: "Leicester Parent Carer Forum", Area: "Leicester",
		AllowAnonymous: true, OpenJoin: true, Themes: []string{"Referrals"}})
	if err != nil {
		f.Fatal(err)
	}
	member, err := set.Accounts.AddPlainUser(ctx, account.NewUser{Email: "amina@example.org", Name: "Amina", Password: "a long passphrase"})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := set.Forums.Join(ctx, &account.Principal{User: member}, fm.ID, "Amina"); err != nil {
		f.Fatal(err)
	}
	raised, err := set.Forums.RaiseIssue(ctx, forum.Viewer{Principal: &account.Principal{User: member}}, fm.ID, forum.Draft{Title: "Target", Body: "Text"})
	if err != nil {
		f.Fatal(err)
	}
	session, err := set.Accounts.StartSession(ctx, member.ID)
	if err != nil {
		f.Fatal(err)
	}
	routes := []string{"/forums/" + fm.ID + "/raise", "/issues/" + raised.Issue.ID + "/comments", "/issues/" + raised.Issue.ID + "/support",
		"/follow-up", "/signin", "/forums/" + fm.ID + "/join", "/issues/" + raised.Issue.ID + "/report"}
	const nonce = "fuzz-visitor-nonce"
	binding := func(asMember bool, session, nonce string) string {
		if asMember {
			return "s:" + session
		}
		return "v:" + nonce
	}

	f.Fuzz(func(t *testing.T, route uint8, asMember bool, ctype, body string) {
		if !httpguts.ValidHeaderFieldValue(ctype) {
			return // not a header a client can send
		}
		path := routes[int(route)%len(routes)]
		body = strings.ReplaceAll(body, "{csrf}", secret.Sign(key, "csrf|"+binding(asMember, session, nonce)))
		req, err := http.NewRequest("POST", base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		cookie := "chorus_csrf=" + nonce
		if asMember {
			cookie = "chorus_session=" + session
		}
		req.Header.Set("Cookie", cookie)
		req.Header.Set("Origin", base)
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("POST %s (%q): %v", path, ctype, err)
		}
		defer res.Body.Close()
		if res.StatusCode >= 500 {
			page, _ := io.ReadAll(res.Body)
			t.Fatalf("POST %s as member=%v, Content-Type %q, body %q: %d\n%.1500s", path, asMember, ctype, body, res.StatusCode, page)
		}
	})
}
