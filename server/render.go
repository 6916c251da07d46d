package server

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"chorus/account"
	"chorus/forum"
	"chorus/internal/fault"
	"chorus/internal/secret"
	"chorus/locales"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// Page is what every template receives: the frame (language, person, CSRF
// token, navigation) and the page's own Data.
type Page struct {
	T         *Tr
	Title     string // translated page title
	User      *account.Principal
	CSRF      string
	Path      string
	Langs     []LangLink
	ExitURL   string
	Return    string // where the Easy Read switch comes back to
	Flash     string // translated one-time notice
	Form      map[string]string
	Errors    map[string]string // field → translated message
	ErrorList []string          // every message, for the error summary
	Wide      bool
	Unread    int // the signed-in person's unread notifications
	Data      any
	// Template is the template that draws the page, marked on <body> so
	// that the accessibility sweep can tell that it has seen every one.
	Template string

	// view and out are the page's own template and the writer the layout
	// writes to, for the layout's {{embed .}} (see views.Render).
	view *template.Template
	out  io.Writer
}

// LangLink is one entry of the language switcher. Its fields are its own,
// not promoted from an embedded locales.Language: text/template finds a
// promoted field by a search that allocates, every time it is read.
type LangLink struct {
	Tag, Name, Dir string // as in locales.Language
	URL            string
	Current        bool
}

// page builds the frame for a request.
func (s *Server) page(c *fiber.Ctx, titleID string, data any) *Page {
	t := s.tr(c)
	p := &Page{T: t, User: principal(c), CSRF: csrfToken(c), Path: c.Path(), ExitURL: "/exit", Return: s.returnPath(c), Data: data, Form: map[string]string{}, Errors: map[string]string{}}
	if titleID != "" {
		p.Title = t.M(titleID)
	}
	q, _ := url.ParseQuery(string(c.Request().URI().QueryString()))
	p.Langs = make([]LangLink, 0, len(locales.Languages))
	for _, l := range locales.Languages {
		q.Set("lang", l.Tag) // the page's own address, choosing l
		p.Langs = append(p.Langs, LangLink{Tag: l.Tag, Name: l.Name, Dir: l.Dir, URL: c.Path() + "?" + q.Encode(), Current: l.Tag == t.Lang.Tag})
	}
	if p.User != nil && s.deps.Forums != nil {
		// A page still renders if the count cannot be read; the error is logged.
		n, err := s.deps.Forums.UnreadCount(c.UserContext(), p.User)
		if err != nil {
			s.log.Warn("unread count", "error", err.Error())
		}
		p.Unread = n
	}
	if p.User != nil && c.Cookies(langCookie) == t.Lang.Tag && p.User.User.Language != t.Lang.Tag && s.deps.Accounts != nil {
		// The person chose this language (the cookie is only ever an explicit
		// choice): remember it for the email Chorus sends them.
		if err := s.deps.Accounts.SetLanguage(c.UserContext(), p.User, t.Lang.Tag); err != nil {
			s.log.Warn("remember language", "error", err.Error())
		}
	}
	if id := c.Cookies(flashCookie); id != "" {
		if t.Has(id) {
			p.Flash = t.M(id)
		}
		s.clearCookie(c, flashCookie)
	}
	return p
}

// withForm keeps what the person typed and turns err into messages beside the
// fields, so nothing typed is lost. It returns false when err is not a
// problem with the input (the caller returns it to the error handler).
func (p *Page) withForm(c *fiber.Ctx, fields []string, err error) bool {
	var f *fault.Error
	if !errors.As(err, &f) || (f.Kind != fault.Invalid && f.Kind != fault.TooMany && f.Kind != fault.Conflict) {
		return false
	}
	for _, name := range fields {
		p.Form[name] = c.FormValue(name)
	}
	msg := p.T.M(f.MsgID)
	key := f.Field
	if key == "" {
		key = "_"
	}
	p.Errors[key] = msg
	p.ErrorList = append(p.ErrorList, msg)
	return true
}

// flashCookie carries the message ID of a one-time notice across a redirect.
const flashCookie = "chorus_flash"

func (s *Server) flash(c *fiber.Ctx, msgID string) { s.setCookie(c, flashCookie, msgID, 60) }

// render writes a page with the base layout.
func (s *Server) render(c *fiber.Ctx, status int, name string, p *Page) error {
	p.Template = name
	return c.Status(status).Render(name, p)
}

// views is the server's template set: every file under server/templates
// parsed once at start into one set, each named by its path without ".html"
// ("forum", "layouts/base"), as gofiber/template's html engine names them.
// It is Fiber's Views, and many requests execute it at once. (That engine
// takes an exclusive lock around every render with a layout, to swap in the
// layout's embed function: profiled under load, it made every page of the
// site wait for every other.) Here the layout's {{embed .}} finds the page's
// template in the Page it is given, so nothing shared changes per request.
type views struct {
	set *template.Template
}

func newViews(files fs.FS, funcs template.FuncMap) (*views, error) {
	set := template.New("").Funcs(funcs).Funcs(template.FuncMap{"embed": embedPage})
	err := fs.WalkDir(files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") {
			return err
		}
		b, err := fs.ReadFile(files, path)
		if err != nil {
			return err
		}
		_, err = set.New(strings.TrimSuffix(path, ".html")).Parse(string(b))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &views{set: set}, nil
}

// Load is part of fiber.Views; the templates were parsed by newViews.
func (v *views) Load() error { return nil }

// Render executes template name with binding. With a layout, binding must
// be a *Page: the layout runs, and its {{embed .}} runs the page in place.
func (v *views) Render(out io.Writer, name string, binding any, layout ...string) error {
	t := v.set.Lookup(name)
	if t == nil {
		return fmt.Errorf("render: template %s does not exist", name)
	}
	if len(layout) == 0 || layout[0] == "" {
		return t.Execute(out, binding)
	}
	lay := v.set.Lookup(layout[0])
	p, ok := binding.(*Page)
	if lay == nil || !ok || len(layout) > 1 {
		return fmt.Errorf("render: layout %v for %s (%T)", layout, name, binding)
	}
	p.view, p.out = t, out
	return lay.Execute(out, p)
}

// embedPage writes the page's own template where the layout says
// {{embed .}}, straight to the same writer, and adds nothing itself.
func embedPage(p *Page) (string, error) {
	if p.view == nil {
		return "", errors.New("render: embed outside a layout")
	}
	return "", p.view.Execute(p.out, p)
}

func (s *Server) templateFuncs() template.FuncMap {
	return template.FuncMap{
		"asset": s.assets.url,
		"date": func(t time.Time, tr *Tr) string {
			if t.IsZero() {
				return ""
			}
			return formatDate(t.In(s.opts.Location), tr)
		},
		"datetime": func(t time.Time, tr *Tr) string {
			if t.IsZero() {
				return ""
			}
			l := t.In(s.opts.Location)
			return formatDate(l, tr) + " " + l.Format("15:04")
		},
		"iso":      func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"num":      formatNumber,
		"group":    groupBy4,
		"dict":     dict,
		"markdown": renderMarkdown,
		"int": func(v any) int {
			if f, ok := v.(float64); ok { // numbers decoded from JSON
				return int(f)
			}
			n, _ := v.(int)
			return n
		},
		"join": strings.Join,
		// idemKey is a fresh idempotency key for a form that creates: sent
		// again (a double press, a resend), the form makes one record.
		"idemKey": secret.NewToken,
		"has":     slices.Contains[[]string],
		"add":     func(a, b int) int { return a + b },
		// dueDate shows a civil date (YYYY-MM-DD, as actions keep due
		// dates) in the page's language.
		"dueDate": func(d string, tr *Tr) string {
			t, err := time.Parse(time.DateOnly, d)
			if err != nil {
				return d
			}
			return formatDate(t, tr)
		},
		// The forum's fixed lists, for forms and tabs.
		"reportReasons": func() []forum.ReportReason { return forum.ReportReasons },
		"queueTabs":     func() []forum.QueueTab { return forum.QueueTabs },
	}
}

// formatDate writes a date with the month's name in the person's language,
// in the order that language's date.format message gives. Day and year keep
// Western digits, like counts (see formatNumber). A list shows the same few
// dates on many rows: each is made once per language (Tr's memo).
func formatDate(t time.Time, tr *Tr) string {
	y, m, d := t.Date()
	return tr.memoized(trMemoKey{id: "date.format", count: y*10000 + int(m)*100 + d}, func() string {
		month := tr.M("month." + strings.ToLower(m.String()))
		return tr.M("date.format", "Day", d, "Month", month, "Year", y)
	})
}

// formatNumber writes a count the way the page's language groups digits
// (1,234 in English, 1 234 in Polish, 12,34,567 in Bengali), always with
// Western digits 0-9: the digits families in England read on letters, phone
// numbers and follow-up codes, in every language (see locales/README.md).
func formatNumber(n int, tr *Tr) string {
	return numberPrinter(tr.Lang.Tag).Sprint(number.Decimal(n))
}

// numberPrinters keeps one printer per language tag; a Printer is safe for
// concurrent use.
var numberPrinters sync.Map

func numberPrinter(tag string) *message.Printer {
	if p, ok := numberPrinters.Load(tag); ok {
		return p.(*message.Printer)
	}
	p, _ := numberPrinters.LoadOrStore(tag, message.NewPrinter(language.Make(tag+"-u-nu-latn")))
	return p.(*message.Printer)
}

// groupBy4 splits a code into groups of four for reading aloud and copying.
func groupBy4(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// dict builds a map from key/value pairs, to pass several values to a
// template defined with {{define}}.
func dict(kv ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		if k, ok := kv[i].(string); ok {
			m[k] = kv[i+1]
		}
	}
	return m
}

// issueCard is one issue in a list, its fields flat: text/template reads a
// field promoted from an embedded struct (IssueSummary → Issue →
// Moderation) by a breadth-first search that allocates, and a forum page
// reads some fifteen per row.
type issueCard struct {
	ID, Title, Lang, AuthorName string
	Anonymous                   bool
	Themes                      []string
	CreatedAt                   time.Time
	Status                      forum.Status
	Held                        forum.Hold
	Hidden                      string
	Erased                      forum.Erasure
	Supports, Comments          int
	// The row's words in the page's language, made here rather than by a
	// method call per row in the template (each a reflective call with its
	// own allocations): the status, "3 supports", "2 comments", the
	// author, the date.
	StatusText, SupportsText, CommentsText, ByText, DateText string
}

func (s *Server) issueCards(list []*forum.IssueSummary, t *Tr) []issueCard {
	out := make([]issueCard, len(list))
	for i, is := range list {
		c := issueCard{ID: is.ID, Title: is.Title, Lang: is.Lang, AuthorName: is.AuthorName, Anonymous: is.Anonymous,
			Themes: is.Themes, CreatedAt: is.CreatedAt, Status: is.Status, Held: is.Held, Hidden: is.Hidden, Erased: is.Erased,
			Supports: is.Supports, Comments: is.Comments,
			StatusText: t.M("status." + string(is.Status)), SupportsText: t.N("issue.supports", is.Supports),
			CommentsText: t.N("issue.comments", is.Comments)}
		if is.Anonymous {
			c.ByText = t.M("issue.by_anonymous")
		} else {
			c.ByText = t.M("issue.by", "Name", is.AuthorName)
		}
		if !is.CreatedAt.IsZero() { // as the template's date function
			c.DateText = formatDate(is.CreatedAt.In(s.opts.Location), t)
		}
		out[i] = c
	}
	return out
}
