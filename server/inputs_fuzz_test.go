package server

import (
	"net/url"
	"strings"
	"testing"

	"chorus/locales"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// FuzzIssueRef: whatever is pasted into an agenda item's issue field (an ID,
// a link to the issue's page, anything), issueRef never panics and gives
// something with no query, fragment or surrounding slashes; an ID, or a
// link to it from any host with any query or fragment, gives that ID.
func FuzzIssueRef(f *testing.F) {
	for _, s := range []string{"", "abc123", " abc123 ", "/issues/abc123", "https://chorus.example/issues/abc123?lang=ur#comments",
		"http://x/issues/a/issues/b/", "/issues/", "issues/abc", "?#/", "/issues/\x00", "/issues/%2e%2e/", "../../etc/passwd"} {
		f.Add(s, "k3j2h4g5")
	}
	f.Fuzz(func(t *testing.T, in, id string) {
		got := issueRef(in)
		if strings.ContainsAny(got, "?#") || strings.HasPrefix(got, "/") || strings.HasSuffix(got, "/") {
			t.Fatalf("issueRef(%q) = %q", in, got)
		}
		if id == "" || strings.Trim(id, "abcdefghijklmnopqrstuvwxyz0123456789") != "" {
			return
		}
		for _, link := range []string{id, " " + id + "\n", "/issues/" + id, "https://chorus.example/issues/" + id + "/",
			"https://chorus.example/forums/f1/issues/" + id + "?lang=ur#c", "/issues/" + id + "#comment-3"} {
			if got := issueRef(link); got != id {
				t.Fatalf("issueRef(%q) = %q; want %q", link, got, id)
			}
		}
	})
}

// FuzzRequestLanguage: whatever ?lang=, language cookie and Accept-Language
// a request carries, the page's language is one Chorus has, and a malformed
// header never panics.
func FuzzRequestLanguage(f *testing.F) {
	for _, s := range [][3]string{
		{"", "", ""}, {"ur", "", ""}, {"", "pl", ""}, {"", "", "ur-PK,ur;q=0.9,en;q=0.8"}, {"xx", "yy", "*"},
		{"", "", "en-GB;q=0.5, pa-Guru-IN;q=0.8, bn"}, {"", "", "zz;q=abc,,,;q=1.0000001"}, {"EN", "Ur", "ar;q=0"},
		{"../en", "en\x00", strings.Repeat("a-", 200)}, {"", "", "\xff\xfe"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	app := fiber.New()
	f.Fuzz(func(t *testing.T, lang, cookie, accept string) {
		var fctx fasthttp.RequestCtx
		fctx.Request.SetRequestURI("/?lang=" + url.QueryEscape(lang))
		fctx.Request.Header.SetCookie(langCookie, cookie)
		fctx.Request.Header.Set(fiber.HeaderAcceptLanguage, accept)
		c := app.AcquireCtx(&fctx)
		defer app.ReleaseCtx(c)
		got := requestLanguage(c)
		if _, ok := locales.Lookup(got); !ok {
			t.Fatalf("requestLanguage(lang=%q, cookie=%q, Accept-Language=%q) = %q: not a language Chorus has", lang, cookie, accept, got)
		}
		if _, ok := locales.Lookup(lang); ok && got != lang {
			t.Fatalf("requestLanguage(lang=%q) = %q; the explicit choice wins", lang, got)
		}
	})
}

// FuzzReturnAddress: the return addresses a person or a link can give
// (sign-in's next, Easy Read's next) are only ever paths on this site.
// Checked as a browser reads a Location header: tabs and newlines removed,
// leading spaces and controls trimmed, a backslash taken for a slash. The
// result must start with exactly one slash and resolve to this host.
func FuzzReturnAddress(f *testing.F) {
	for _, s := range []string{"", "/", "/account", "/forums/f1?lang=ur#top", "//evil.example", "/\\evil.example", "\\\\evil.example",
		"/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", " //evil.example", "\x00//evil.example", "https://evil.example",
		"javascript:alert(1)", "/%2F/evil.example", "/%5Cevil.example", "/.//evil.example", "/@evil.example", "/a\\b", "///evil.example",
		"/\u3000/evil.example", "/\x0b/evil.example", "/ /x", "/\x7f/x"} {
		f.Add(s)
	}
	base, _ := url.Parse("https://chorus.example/here")
	f.Fuzz(func(t *testing.T, next string) {
		check := func(name, got string) {
			if !strings.HasPrefix(got, "/") {
				t.Fatalf("%s(%q) = %q: not a path", name, next, got)
			}
			seen := browserReads(got)
			if strings.HasPrefix(seen, "//") {
				t.Fatalf("%s(%q) = %q: a browser reads %q, another host", name, next, got, seen)
			}
			if u, err := url.Parse(seen); err == nil {
				if r := base.ResolveReference(u); r.Host != base.Host || r.Scheme != base.Scheme {
					t.Fatalf("%s(%q) = %q: resolves to %s", name, next, got, r)
				}
			}
		}
		check("localReturn", localReturn(next))
		if got := localNext(next); got != "" {
			check("localNext", got)
		}
		esc := safeNext(next)
		if esc != "/" {
			dec, err := url.QueryUnescape(esc)
			if err != nil || dec != next {
				t.Fatalf("safeNext(%q) = %q: does not decode to the address (%q, %v)", next, esc, dec, err)
			}
			check("safeNext", dec)
		}
	})
}

// browserReads is the address a browser follows for a Location header
// value: ASCII tabs and newlines removed, leading and trailing C0 controls
// and spaces trimmed, backslashes read as slashes (WHATWG URL, special
// schemes).
func browserReads(loc string) string {
	loc = strings.Map(func(r rune) rune {
		switch r {
		case '\t', '\n', '\r':
			return -1
		case '\\':
			return '/'
		}
		return r
	}, loc)
	return strings.TrimFunc(loc, func(r rune) bool { return r <= ' ' })
}
