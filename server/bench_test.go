package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"chorus/account"
	"chorus/forum"
	"chorus/services"
	"chorus/store/sqlite"
)

// Micro-benchmarks of the web layer's hot paths; they run only with -bench:
//
//	go test -run '^$' -bench . -count 6 ./server | tee new.txt && benchstat old.txt new.txt

// benchSite is a server on an embedded store holding one forum of 20
// issues that visitors may support.
type benchSite struct {
	srv    *Server
	forums *forum.Service
	forum  *forum.Forum
	issues []string
}

func newBenchSite(b *testing.B) *benchSite {
	b.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	key := []byte("0123456789abcdef0123456789abcdef-bench")
	set, err := services.New(db, services.Config{Secret: key, Accounts: account.DefaultSettings})
	if err != nil {
		b.Fatal(err)
	}
	accounts, forums := set.Accounts, set.Forums
	srv, err := New(Options{ExitURL: "https://neutral.example/weather", Secret: key},
		Deps{Accounts: accounts, Forums: forums, Steering: set.Steering, Audit: set.Audit, Ready: db.Ping,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), LiveLog: db, Notify: set.Notify})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Shutdown(context.Background()) })

	admin, err := accounts.AddUser(ctx, nil, account.NewUser{Email: "admin@bench.invalid", Name: "Admin", Password: "a long bench password"}, account.RoleAdmin, account.Installation)
	if err != nil {
		b.Fatal(err)
	}
	by := &account.Principal{User: admin, Grants: []account.Grant{{UserID: admin.ID, Role: account.RoleAdmin, Scope: account.Installation}}}
	org, err := accounts.CreateOrganisation(ctx, by, "Rutland")
	if err != nil {
		b.Fatal(err)
	}
	f, err := forums.CreateForum(ctx, by, forum.ForumSettings{OrgID: org.ID, Name: "Rutland Parent Carer Voice", Area: "Rutland",
		Languages: []string{"en"}, AllowAnonymous: true, OpenJoin: true, VisitorSupport: true, ResponseTargetDays: 21})
	if err != nil {
		b.Fatal(err)
	}
	u, err := accounts.AddPlainUser(ctx, account.NewUser{Email: "kasia@bench.invalid", Name: "Kasia", Password: "a long bench password"})
	if err != nil {
		b.Fatal(err)
	}
	member := forum.Viewer{Principal: &account.Principal{User: u}}
	if _, err := forums.Join(ctx, member.Principal, f.ID, "Kasia"); err != nil {
		b.Fatal(err)
	}
	site := &benchSite{srv: srv, forums: forums, forum: f}
	for i := 1; i <= 20; i++ {
		raised, err := forums.RaiseIssue(ctx, member, f.ID, forum.Draft{Title: fmt.Sprintf("Benchmark issue %d: waiting lists for assessments", i), Body: benchMarkdown, Lang: "en"})
		if err != nil {
			b.Fatal(err)
		}
		site.issues = append(site.issues, raised.Issue.ID)
	}
	return site
}

// benchMarkdown is a typical issue: paragraphs, a list, bold, a link.
const benchMarkdown = "We were told our son would be referred to the **Dynamic Support Register** in the spring. Nobody has told us whether it happened.\n\n" +
	"- Who decides?\n- How long should it take?\n- Who do we ask?\n\nThe [guidance](https://example.org/guidance) says families should hear within 28 days."

// get serves one GET as a returning visitor and checks it succeeded.
func (s *benchSite) get(b *testing.B, path string) {
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("Cookie", "chorus_csrf=bench-visitor")
	res, err := s.srv.App().Test(req, -1)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		b.Fatalf("GET %s: %d", path, res.StatusCode)
	}
}

// BenchmarkForumPage is the forum page of 20 issues, from request to the
// last byte: session and CSRF middleware, the store's queries, the template.
func BenchmarkForumPage(b *testing.B) {
	site := newBenchSite(b)
	b.ReportAllocs()
	for b.Loop() {
		site.get(b, "/forums/"+site.forum.ID)
	}
}

// BenchmarkIssuePage is one issue's page, which supporters load first.
func BenchmarkIssuePage(b *testing.B) {
	site := newBenchSite(b)
	b.ReportAllocs()
	for b.Loop() {
		site.get(b, "/issues/"+site.issues[0])
	}
}

// BenchmarkSupport is a visitor's support stored durably and counted (the
// live count is coalesced, so publishing costs little), one at a time and
// from 64 goroutines at once: the difference is what batching concurrent
// writes into one commit buys on the embedded store.
func BenchmarkSupport(b *testing.B) {
	var visitor atomic.Int64
	support := func(b *testing.B, site *benchSite) {
		v := forum.Viewer{DeviceKey: fmt.Sprintf("bench-device-%d", visitor.Add(1))}
		if _, err := site.forums.Support(context.Background(), v, site.issues[0]); err != nil {
			b.Error(err)
		}
	}
	b.Run("concurrent=1", func(b *testing.B) {
		site := newBenchSite(b)
		for b.Loop() {
			support(b, site)
		}
	})
	b.Run("concurrent=64", func(b *testing.B) {
		site := newBenchSite(b)
		b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				support(b, site)
			}
		})
	})
}

// BenchmarkMarkdown is what a person wrote turned into safe HTML (goldmark,
// then bluemonday).
func BenchmarkMarkdown(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchMarkdown)))
	for b.Loop() {
		renderMarkdown(benchMarkdown)
	}
}

// BenchmarkMarkdownHostile is the sanitiser's worst ordinary case: raw
// HTML and script a person pasted in.
func BenchmarkMarkdownHostile(b *testing.B) {
	src := strings.Repeat(`<script>alert(1)</script><a href="javascript:x">x</a> <img src=x onerror=y> **bold** `, 20)
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		renderMarkdown(src)
	}
}
