package server

import (
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"

	"chorus/locales"

	"github.com/gofiber/fiber/v2"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// langCookie remembers a person's chosen language.
const langCookie = "chorus_lang"

// Tr translates messages for one request's language.
type Tr struct {
	Lang locales.Language
	// Easy: the person has turned on Easy Read. Pages use the Easy Read
	// layout; in English the messages also come from the Easy Read set.
	Easy bool
	loc  *i18n.Localizer
	en   *i18n.Localizer
	memo *trMemo // nil: every message is localized anew
}

// trMemo remembers the messages a translator has produced without
// placeholders other than a count: a page repeats the same few (status
// names, "3 supports") on every row, and localizing one runs a text
// template. A message depends only on its ID and count, so the memo is
// shared by every request in the language. It stops growing at
// trMemoLimit entries (counts are unbounded).
type trMemo struct {
	m sync.Map // trMemoKey → string
	n atomic.Int32
}

type trMemoKey struct {
	id    string
	count int
	n     bool // count is a plural count
}

const trMemoLimit = 20000

func (s *Server) translator(tag string) *Tr { return s.translatorFor(tag, false) }

// translatorFor returns the translator for a language, with Easy Read on or
// off. Easy Read changes the words only in English, the language its
// message set is written in; other languages keep their translation.
// Translators hold nothing of a request: one per (language, Easy Read) is
// made and then shared.
func (s *Server) translatorFor(tag string, easy bool) *Tr {
	l, ok := locales.Lookup(tag)
	if !ok {
		l = locales.Languages[0]
	}
	key := l.Tag
	if easy {
		key += "+easy"
	}
	if t, ok := s.translators.Load(key); ok {
		return t.(*Tr)
	}
	t := &Tr{Lang: l, Easy: easy, loc: i18n.NewLocalizer(s.bundle, l.Tag, "en"), en: i18n.NewLocalizer(s.bundle, "en"), memo: &trMemo{}}
	if easy && l.Tag == "en" {
		t.loc = i18n.NewLocalizer(s.easy, "en")
	}
	got, _ := s.translators.LoadOrStore(key, t)
	return got.(*Tr)
}

// English returns message id in English, for text shown beside an
// unreviewed translation.
func (t *Tr) English(id string, kv ...any) string { return (&Tr{loc: t.en}).localize(id, nil, kv) }

// M returns the message id, filled with key/value pairs ("Name", name, ...).
// A missing message shows its ID, which the coverage test forbids.
func (t *Tr) M(id string, kv ...any) string { return t.localize(id, nil, kv) }

// N returns the plural form of message id for count n, which is also
// available to the message as {{.Count}}.
func (t *Tr) N(id string, n int, kv ...any) string { return t.localize(id, n, kv) }

func (t *Tr) localize(id string, count any, kv []any) string {
	if t.memo == nil || len(kv) > 0 {
		return t.localizeNow(id, count, kv)
	}
	key := trMemoKey{id: id}
	key.count, key.n = count.(int)
	if count != nil && !key.n {
		return t.localizeNow(id, count, kv)
	}
	return t.memoized(key, func() string { return t.localizeNow(id, count, kv) })
}

// memoized returns what make returns for key, remembered in the memo.
func (t *Tr) memoized(key trMemoKey, make func() string) string {
	if t.memo == nil {
		return make()
	}
	if msg, ok := t.memo.m.Load(key); ok {
		return msg.(string)
	}
	msg := make()
	if t.memo.n.Load() < trMemoLimit {
		if _, loaded := t.memo.m.LoadOrStore(key, msg); !loaded {
			t.memo.n.Add(1)
		}
	}
	return msg
}

func (t *Tr) localizeNow(id string, count any, kv []any) string {
	data := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		data[fmt.Sprint(kv[i])] = kv[i+1]
	}
	if n, ok := count.(int); ok {
		data["Count"] = formatNumber(n, t) // the plural form still follows n
	}
	msg, err := t.loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	if err != nil && msg == "" {
		return id
	}
	return msg
}

// Has reports whether a message ID exists (for IDs that arrive from outside,
// like a flash cookie).
func (t *Tr) Has(id string) bool {
	_, err := t.loc.Localize(&i18n.LocalizeConfig{MessageID: id})
	return err == nil
}

var matcher = func() language.Matcher {
	var tags []language.Tag
	for _, l := range locales.Languages {
		tags = append(tags, language.Make(l.Tag))
	}
	return language.NewMatcher(tags)
}()

// requestLanguage picks the language: an explicit ?lang= choice, then the
// remembered cookie, then Accept-Language, then English.
func requestLanguage(c *fiber.Ctx) string {
	for _, v := range []string{c.Query("lang"), c.Cookies(langCookie)} {
		if _, ok := locales.Lookup(v); ok {
			return v
		}
	}
	if al := c.Get(fiber.HeaderAcceptLanguage); al != "" {
		tags, _, err := language.ParseAcceptLanguage(al)
		if err == nil && len(tags) > 0 {
			_, i, conf := matcher.Match(tags...)
			if conf > language.No {
				return locales.Languages[i].Tag
			}
		}
	}
	return locales.Languages[0].Tag
}

// withLocale sets the request's translator. A ?lang= choice on a GET is
// remembered in a cookie and the page is reloaded without the parameter:
// one of the two GETs allowed to change anything.
func (s *Server) withLocale(c *fiber.Ctx) error {
	tag := requestLanguage(c)
	if choice := c.Query("lang"); choice != "" && c.Method() == fiber.MethodGet {
		if _, ok := locales.Lookup(choice); ok {
			c.Cookie(&fiber.Cookie{Name: langCookie, Value: choice, Path: "/", MaxAge: 365 * 24 * 3600,
				HTTPOnly: true, Secure: s.secure, SameSite: fiber.CookieSameSiteLaxMode})
		}
		return c.Redirect(withoutQuery(c, "lang"), fiber.StatusSeeOther)
	}
	c.Locals(localeKey, s.translatorFor(tag, easyRead(c)))
	return c.Next()
}

// withoutQuery returns the request's path and query with one parameter removed.
func withoutQuery(c *fiber.Ctx, drop string) string {
	q, err := url.ParseQuery(string(c.Request().URI().QueryString()))
	if err != nil {
		return c.Path()
	}
	q.Del(drop)
	if enc := q.Encode(); enc != "" {
		return c.Path() + "?" + enc
	}
	return c.Path()
}

type ctxKey int

const (
	localeKey ctxKey = iota
	principalKey
	requestIDKey
	csrfKey
)

// tr returns the request's translator, working it out if the locale
// middleware has not run (errors raised before routing).
func (s *Server) tr(c *fiber.Ctx) *Tr {
	if t, ok := c.Locals(localeKey).(*Tr); ok {
		return t
	}
	return s.translatorFor(requestLanguage(c), easyRead(c))
}
