package server

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"chorus/audit"
	"chorus/forum"
	"chorus/internal/fault"

	"github.com/gofiber/fiber/v2"
)

// The audit trail pages: what administrators (account_admin.go) and
// facilitators (forum_audit.go) share. Both read the same filter form, show
// the same table and export the same CSV and JSON.

const (
	// auditPageSize is how many entries one page shows.
	auditPageSize = 50
	// auditExportPage is how many entries an export reads at a time.
	auditExportPage = 500
	// auditExportMax bounds one export: beyond it the person narrows the
	// filters rather than the server holding an unbounded trail in memory.
	auditExportMax = 20000
)

// Errors of the audit filter form.
var (
	errAuditFrom   = fault.InvalidField("from", "audit.error.date")
	errAuditTo     = fault.InvalidField("to", "audit.error.date")
	errAuditRange  = fault.InvalidField("to", "audit.error.range")
	errAuditExport = fault.New(fault.Invalid, "audit.error.export_too_large")
)

// auditSource lists entries matching a filter, newest first, limited to
// what the reader may see.
type auditSource func(ctx context.Context, f audit.Filter) ([]*audit.Entry, error)

// auditForm is the filter form as the person filled it in.
type auditForm struct {
	Action string
	Actor  string
	Forum  string
	From   string
	To     string
}

// values is the form as a query string, for links that keep the filters.
func (f auditForm) values() url.Values {
	v := url.Values{}
	for _, kv := range [][2]string{{"action", f.Action}, {"actor", f.Actor}, {"forum", f.Forum}, {"from", f.From}, {"to", f.To}} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	return v
}

// auditView is what an audit page shows.
type auditView struct {
	Form      auditForm
	Rows      []auditRow
	Forums    []*forum.Forum  // forums to filter by (administrators)
	Actors    []*forum.Member // people to filter by, when PickActor
	PickActor bool            // choose who from Actors (a forum's page) rather than type an email
	Filtered  bool            // any filter is set
	OlderURL  string
	NewestURL string
	CSVURL    string
	JSONURL   string
}

// auditRow is one entry as a page shows it.
type auditRow struct {
	*audit.Entry
	Who         string // the actor as the reader knows them; empty for the system
	ForumName   string
	BeforeLines []string
	AfterLines  []string
}

// readAuditForm reads the filter form from the query string into a
// filter. The actor is left as typed (the caller resolves it); dates are
// whole days where the installation is.
func (s *Server) readAuditForm(c *fiber.Ctx) (auditForm, audit.Filter, error) {
	form := auditForm{
		Action: strings.TrimSpace(c.Query("action")),
		Actor:  strings.TrimSpace(c.Query("actor")),
		Forum:  strings.TrimSpace(c.Query("forum")),
		From:   strings.TrimSpace(c.Query("from")),
		To:     strings.TrimSpace(c.Query("to")),
	}
	f := audit.Filter{Action: form.Action, Forum: form.Forum}
	f.Before, _ = strconv.ParseInt(c.Query("before"), 10, 64)
	if form.From != "" {
		d, err := time.ParseInLocation(time.DateOnly, form.From, s.opts.Location)
		if err != nil {
			return form, f, errAuditFrom
		}
		f.From = d
	}
	if form.To != "" {
		d, err := time.ParseInLocation(time.DateOnly, form.To, s.opts.Location)
		if err != nil {
			return form, f, errAuditTo
		}
		f.To = d.AddDate(0, 0, 1) // the whole of that day
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return form, f, errAuditRange
	}
	return form, f, nil
}

// auditPage fills v with one page of entries from src, with links that
// keep the filters, for the page at base ("/admin/audit").
func (s *Server) auditPage(c *fiber.Ctx, v *auditView, src auditSource, f audit.Filter, base string, label func(*audit.Entry) string, forumNames map[string]string) error {
	q := v.Form.values()
	v.Filtered = len(q) > 0
	v.CSVURL, v.JSONURL = withQuery(base+".csv", q), withQuery(base+".json", q)
	if f.Before > 0 {
		v.NewestURL = withQuery(base, q)
	}
	f.Limit = auditPageSize + 1 // one more tells whether there are older ones
	es, err := src(c.UserContext(), f)
	if err != nil {
		return err
	}
	if len(es) > auditPageSize {
		es = es[:auditPageSize]
		older := v.Form.values()
		older.Set("before", strconv.FormatInt(es[len(es)-1].Seq, 10))
		v.OlderURL = withQuery(base, older)
	}
	for _, e := range es {
		v.Rows = append(v.Rows, auditRow{Entry: e, Who: label(e), ForumName: forumNames[e.Forum],
			BeforeLines: lines(e.Before), AfterLines: lines(e.After)})
	}
	return nil
}

// auditFormError shows a filter the person can fix beside its field and in
// the error summary; it returns false for any other error.
func auditFormError(pg *Page, err error) bool {
	var f *fault.Error
	if !errors.As(err, &f) || f.Kind != fault.Invalid || f.Field == "" {
		return false
	}
	msg := pg.T.M(f.MsgID)
	pg.Errors[f.Field] = msg
	pg.ErrorList = append(pg.ErrorList, msg)
	return true
}

// withQuery joins a path and a query string.
func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// lines splits text into its lines, for showing line breaks without markup.
func lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
}

// scopedAudit lists the entries of several scopes (an organisation
// administrator's organisations) as one trail: each scope's newest entries
// below the paging bound, merged, newest first. Paging by Seq stays exact
// because each scope contributes every entry that could be among the
// newest.
func (s *Server) scopedAudit(scopes []string) auditSource {
	return func(ctx context.Context, f audit.Filter) ([]*audit.Entry, error) {
		limit := f.Limit
		if limit <= 0 {
			limit = 100
		}
		var all []*audit.Entry
		for _, sc := range scopes {
			f.Scope = sc
			es, err := s.deps.Audit.List(ctx, f)
			if err != nil {
				return nil, err
			}
			all = append(all, es...)
		}
		slices.SortFunc(all, func(a, b *audit.Entry) int { return cmp.Compare(b.Seq, a.Seq) })
		return all[:min(limit, len(all))], nil
	}
}

// auditExport is one entry in an export. The JSON names are stable; the CSV
// headings are translated.
type auditExport struct {
	Seq     int64     `json:"seq"`
	ID      string    `json:"id"`
	At      time.Time `json:"at"`
	ActorID string    `json:"actor_id"`
	Actor   string    `json:"actor"`
	Action  string    `json:"action"`
	Subject string    `json:"subject"`
	Scope   string    `json:"scope"`
	Forum   string    `json:"forum"`
	Reason  string    `json:"reason"`
	Detail  string    `json:"detail"`
	Before  string    `json:"before"`
	After   string    `json:"after"`
}

// exportAudit sends every entry src has for f as a CSV or JSON download
// named after name ("chorus-audit").
func (s *Server) exportAudit(c *fiber.Ctx, src auditSource, f audit.Filter, format, name string, label func(*audit.Entry) string) error {
	f.Before, f.Limit = 0, auditExportPage
	var out []auditExport
	for {
		es, err := src(c.UserContext(), f)
		if err != nil {
			return err
		}
		for _, e := range es {
			out = append(out, auditExport{Seq: e.Seq, ID: e.ID, At: e.At.UTC(), ActorID: e.ActorID, Actor: label(e), Action: e.Action,
				Subject: e.Subject, Scope: e.Scope, Forum: e.Forum, Reason: e.Reason, Detail: e.Detail, Before: e.Before, After: e.After})
		}
		if len(out) > auditExportMax {
			return errAuditExport
		}
		if len(es) < f.Limit {
			break
		}
		f.Before = es[len(es)-1].Seq
	}
	file := name + "-" + time.Now().In(s.opts.Location).Format("20060102")
	c.Set(fiber.HeaderCacheControl, "no-store")
	if format == "json" {
		if out == nil {
			out = []auditExport{} // an empty export is [], not null
		}
		b, err := json.MarshalIndent(out, "", "  ")
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+file+`.json"`)
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		return c.Send(append(b, '\n'))
	}
	b, err := auditCSV(s.tr(c), out)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+file+`.csv"`)
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8; header=present")
	return c.Send(b)
}

// auditCSV writes entries as RFC 4180 CSV, headings in the reader's
// language. It starts with a byte order mark so that spreadsheets read the
// text as UTF-8 (names, Urdu); every cell is formula-safe (see csvCell).
func auditCSV(t *Tr, rows []auditExport) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	head := []string{t.M("audit.csv.seq"), t.M("admin.audit.when"), t.M("audit.csv.actor_id"), t.M("admin.audit.who"),
		t.M("admin.audit.what"), t.M("admin.audit.subject"), t.M("audit.csv.scope"), t.M("audit.forum"),
		t.M("audit.reason"), t.M("admin.audit.detail"), t.M("audit.before"), t.M("audit.after")}
	for i := range head {
		head[i] = csvCell(head[i])
	}
	if err := w.Write(head); err != nil {
		return nil, err
	}
	for _, r := range rows {
		rec := []string{strconv.FormatInt(r.Seq, 10), r.At.Format(time.RFC3339), r.ActorID, r.Actor, r.Action,
			r.Subject, r.Scope, r.Forum, r.Reason, r.Detail, r.Before, r.After}
		for i := range rec {
			rec[i] = csvCell(rec[i])
		}
		if err := w.Write(rec); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// csvCell neutralises a cell a spreadsheet would run as a formula (one
// starting with = + - @, a tab or a carriage return) with a leading
// apostrophe. A cell already starting with an apostrophe gets one too, so
// that removing one leading apostrophe from any cell always gives back the
// original text.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r'", rune(s[0])) {
		return "'" + s
	}
	return s
}
