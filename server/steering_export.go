package server

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode"

	"chorus/steering"

	"github.com/gofiber/fiber/v2"
)

// A steering group's paperwork: its agreed actions and decision log as CSV,
// JSON and Markdown (one file per list and format: the two lists have
// different columns, and a spreadsheet reads one table per CSV file), a
// calendar of its meetings and due dates (steering_calendar.go), and each
// meeting's printable pack and PDF (steering_pack.go). Every file is
// recorded with the SHA-256 of its bytes, which never hold the time they
// were made: that goes in the X-Chorus-Generated header and the file name.
// See docs/exports.md.

// exportFormats are the register's formats: file extension → content type.
var exportFormats = map[string]string{
	"csv":  "text/csv; charset=utf-8; header=present",
	"json": fiber.MIMEApplicationJSONCharsetUTF8,
	"md":   "text/markdown; charset=utf-8; variant=CommonMark",
}

// handleRegisterExport sends a group's actions or decisions ("actions",
// "decisions") in a format ("csv", "json", "md").
func (s *Server) handleRegisterExport(list, format string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		pw, err := s.deps.Steering.Paperwork(c.UserContext(), principal(c), c.Params("id"))
		if err != nil {
			return err
		}
		t := s.tr(c)
		var body []byte
		if list == "actions" {
			body, err = s.actionsFile(c, t, pw, format)
		} else {
			body, err = s.decisionsFile(c, t, pw, format)
		}
		if err != nil {
			return err
		}
		return s.sendExport(c, pw.Seat, steering.GroupSubject(pw.Group.ID), fileStem(pw.Group.Name, "group")+"-"+list, list+"."+format, exportFormats[format], body)
	}
}

// sendExport records a generated file and sends it as a download named
// stem-<when generated>.<ext> (format is "list.ext").
func (s *Server) sendExport(c *fiber.Ctx, st *steering.Seat, subject, stem, format, contentType string, body []byte) error {
	ex, err := s.deps.Steering.RecordExport(c.UserContext(), st, principal(c), subject, format, body)
	if err != nil {
		return err
	}
	ext := format[strings.LastIndexByte(format, '.')+1:]
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentType, contentType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+stem+"-"+ex.At.UTC().Format("20060102T150405Z")+"."+ext+`"`)
	c.Set("X-Chorus-Generated", ex.At.UTC().Format(time.RFC3339))
	c.Set("X-Chorus-SHA256", ex.SHA256)
	return c.Send(body)
}

// fileStem makes a safe file name from a title: ASCII letters and digits,
// words joined by hyphens, at most 40 characters; fallback when nothing
// is left (a title in another script).
func fileStem(title, fallback string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			if b.Len() >= 40 {
				break
			}
		} else {
			dash = true
		}
	}
	if b.Len() == 0 {
		return fallback
	}
	return b.String()
}

// actionExport is an action as the exports show it. The JSON names are
// stable and documented in docs/exports.md; the CSV and Markdown headings
// are translated.
type actionExport struct {
	ID           string   `json:"id"`
	Description  string   `json:"description"`
	OwnerOrg     string   `json:"owner_org"`      // the kind of organisation, a code ("icb")
	OwnerOrgName string   `json:"owner_org_name"` // its name in the requester's language
	Owner        string   `json:"owner"`
	Due          string   `json:"due"`    // YYYY-MM-DD, or empty
	Status       string   `json:"status"` // a code ("in_progress")
	StatusName   string   `json:"status_name"`
	Rating       string   `json:"rating"` // red, amber, green or complete
	Issues       []string `json:"issues"` // links to the issues it answers
	Outcome      string   `json:"outcome"`
	LastUpdated  string   `json:"last_updated"` // RFC 3339, in the installation's time zone
	MeetingID    string   `json:"meeting_id"`
	URL          string   `json:"url"`
}

func (s *Server) actionRows(c *fiber.Ctx, t *Tr, pw *steering.Paperwork) []actionExport {
	loc := s.deps.Steering.Location()
	out := []actionExport{}
	for _, a := range pw.Actions {
		r := actionExport{ID: a.ID, Description: a.Description, OwnerOrg: string(a.OwnerOrg), Owner: a.Owner, Due: a.Due,
			Status: string(a.Status), StatusName: t.M("steering.action.status." + string(a.Status)), Rating: string(a.RAG),
			Issues: []string{}, Outcome: a.Outcome, LastUpdated: a.LastUpdated().In(loc).Format(time.RFC3339),
			MeetingID: a.MeetingID, URL: s.absURL(c, "/actions/"+a.ID)}
		if a.OwnerOrg != "" {
			r.OwnerOrgName = t.M("steering.org." + string(a.OwnerOrg))
		}
		for _, id := range a.IssueIDs {
			r.Issues = append(r.Issues, s.absURL(c, "/issues/"+id))
		}
		out = append(out, r)
	}
	return out
}

// decisionExport is a decision log entry as the exports show it.
type decisionExport struct {
	ID            string   `json:"id"`
	Date          string   `json:"date"` // YYYY-MM-DD, in the installation's time zone
	MeetingID     string   `json:"meeting_id"`
	Meeting       string   `json:"meeting"`
	ItemID        string   `json:"item_id"`
	Item          string   `json:"item"`
	Decision      string   `json:"decision"`
	Type          string   `json:"type"` // agreed, deferred or declined
	TypeName      string   `json:"type_name"`
	Reason        string   `json:"reason"`
	AgreedBy      []string `json:"agreed_by"` // kinds of organisation, codes
	AgreedByNames []string `json:"agreed_by_names"`
	Dissent       string   `json:"dissent"`
}

func (s *Server) decisionRows(t *Tr, pw *steering.Paperwork) []decisionExport {
	loc := s.deps.Steering.Location()
	out := []decisionExport{}
	for _, d := range pw.Decisions {
		r := decisionExport{ID: d.ID, Date: d.At.In(loc).Format(time.DateOnly), MeetingID: d.MeetingID, ItemID: d.ItemID,
			Decision: d.Text, Type: string(d.Type), TypeName: t.M("steering.decision.type." + string(d.Type)),
			Reason: d.Reason, AgreedBy: []string{}, AgreedByNames: []string{}, Dissent: d.Dissent}
		if m := pw.MeetingByID[d.MeetingID]; m != nil {
			r.Meeting = m.Title
		}
		if it := pw.Items[d.ItemID]; it != nil {
			r.Item = it.Title
		}
		for _, o := range d.AgreedBy {
			r.AgreedBy = append(r.AgreedBy, string(o))
			r.AgreedByNames = append(r.AgreedByNames, t.M("steering.org."+string(o)))
		}
		out = append(out, r)
	}
	return out
}

// groupRef names the group a JSON export is about.
type groupRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	URL  string `json:"url"`
}

func (s *Server) actionsFile(c *fiber.Ctx, t *Tr, pw *steering.Paperwork, format string) ([]byte, error) {
	rows := s.actionRows(c, t, pw)
	loc := s.deps.Steering.Location()
	switch format {
	case "json":
		return exportJSON(struct {
			Group    groupRef       `json:"group"`
			TimeZone string         `json:"time_zone"`
			Actions  []actionExport `json:"actions"`
		}{s.groupRef(c, pw), loc.String(), rows})
	case "csv":
		head := []string{"description", "owner_org", "owner", "due", "status", "rating", "issues", "outcome", "last_updated"}
		var recs [][]string
		for _, r := range rows {
			recs = append(recs, []string{r.Description, r.OwnerOrgName, r.Owner, r.Due, r.StatusName, r.Rating,
				strings.Join(r.Issues, " "), r.Outcome, lastUpdatedCell(r.LastUpdated)})
		}
		return exportCSV(t, head, recs)
	}
	var md mdDoc
	md.heading(1, t.M("steering.export.md.actions", "Group", pw.Group.Name))
	if len(rows) == 0 {
		md.para(t.M("steering.actions.none"))
	}
	for i, r := range rows {
		md.heading(2, t.M("steering.export.md.action", "Number", i+1))
		md.para(r.Description)
		md.item(t.M("steering.export.col.owner_org"), r.OwnerOrgName)
		md.item(t.M("steering.export.col.owner"), r.Owner)
		md.item(t.M("steering.export.col.due"), r.Due)
		md.item(t.M("steering.export.col.status"), r.StatusName)
		md.item(t.M("steering.export.col.rating"), r.Rating)
		md.links(t.M("steering.export.col.issues"), r.Issues)
		md.item(t.M("steering.export.col.outcome"), r.Outcome)
		md.item(t.M("steering.export.col.last_updated"), lastUpdatedCell(r.LastUpdated))
		md.endList()
	}
	return md.bytes(), nil
}

// lastUpdatedCell shows an RFC 3339 time as a spreadsheet reads it:
// "2026-11-24 10:30", in the installation's time zone.
func lastUpdatedCell(rfc string) string {
	tm, err := time.Parse(time.RFC3339, rfc)
	if err != nil {
		return rfc
	}
	return tm.Format("2006-01-02 15:04")
}

func (s *Server) decisionsFile(c *fiber.Ctx, t *Tr, pw *steering.Paperwork, format string) ([]byte, error) {
	rows := s.decisionRows(t, pw)
	switch format {
	case "json":
		return exportJSON(struct {
			Group     groupRef         `json:"group"`
			TimeZone  string           `json:"time_zone"`
			Decisions []decisionExport `json:"decisions"`
		}{s.groupRef(c, pw), s.deps.Steering.Location().String(), rows})
	case "csv":
		head := []string{"date", "meeting", "item", "decision", "type", "reason", "agreed_by", "dissent"}
		var recs [][]string
		for _, r := range rows {
			recs = append(recs, []string{r.Date, r.Meeting, r.Item, r.Decision, r.TypeName, r.Reason, strings.Join(r.AgreedByNames, "; "), r.Dissent})
		}
		return exportCSV(t, head, recs)
	}
	var md mdDoc
	md.heading(1, t.M("steering.export.md.decisions", "Group", pw.Group.Name))
	if len(rows) == 0 {
		md.para(t.M("steering.decisions.none"))
	}
	for _, r := range rows {
		md.heading(2, r.Date+": "+r.Meeting)
		md.para(r.Decision)
		md.item(t.M("steering.export.col.item"), r.Item)
		md.item(t.M("steering.export.col.type"), r.TypeName)
		md.item(t.M("steering.export.col.reason"), r.Reason)
		md.item(t.M("steering.export.col.agreed_by"), strings.Join(r.AgreedByNames, ", "))
		md.item(t.M("steering.export.col.dissent"), r.Dissent)
		md.endList()
	}
	return md.bytes(), nil
}

func (s *Server) groupRef(c *fiber.Ctx, pw *steering.Paperwork) groupRef {
	return groupRef{ID: pw.Group.ID, Name: pw.Group.Name, URL: s.absURL(c, "/groups/"+pw.Group.ID)}
}

func exportJSON(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// exportCSV writes RFC 4180 CSV (CRLF line ends) with a heading row in the
// requester's language (columns are steering.export.col.<name>). It starts
// with a byte order mark so that spreadsheets read the text as UTF-8, and
// every cell is formula-safe (csvCell).
func exportCSV(t *Tr, columns []string, rows [][]string) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	head := make([]string, len(columns))
	for i, col := range columns {
		head[i] = csvCell(t.M("steering.export.col." + col))
	}
	if err := w.Write(head); err != nil {
		return nil, err
	}
	for _, rec := range rows {
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

// mdDoc writes a CommonMark document in which people's text is always
// text: never a heading, list, link, emphasis, HTML or code.
type mdDoc struct {
	b      bytes.Buffer
	inList bool
}

func (d *mdDoc) heading(level int, text string) {
	d.endList()
	fmt.Fprintf(&d.b, "%s %s\n\n", strings.Repeat("#", level), mdLine(text))
}

func (d *mdDoc) para(text string) {
	d.endList()
	if text = mdText(text, ""); text != "" {
		d.b.WriteString(text + "\n\n")
	}
}

// item adds "- Label: value" to a list; empty values are left out.
func (d *mdDoc) item(label, value string) {
	if strings.TrimSpace(value) == "" {
		return
	}
	d.inList = true
	fmt.Fprintf(&d.b, "- %s: %s\n", mdLine(label), mdText(value, "  "))
}

// links adds "- Label: <url>, <url>" (links Chorus made, so autolinks).
func (d *mdDoc) links(label string, urls []string) {
	if len(urls) == 0 {
		return
	}
	d.inList = true
	var ls []string
	for _, u := range urls {
		ls = append(ls, "<"+u+">")
	}
	fmt.Fprintf(&d.b, "- %s: %s\n", mdLine(label), strings.Join(ls, ", "))
}

func (d *mdDoc) endList() {
	if d.inList {
		d.b.WriteString("\n")
		d.inList = false
	}
}

func (d *mdDoc) bytes() []byte {
	d.endList()
	return append(bytes.TrimRight(d.b.Bytes(), "\n"), '\n')
}

// mdText escapes people's text for Markdown, keeping its lines: each line
// after the first starts with indent (to stay inside a list item) and ends
// the one before with a hard line break.
func mdText(s, indent string) string {
	var lines []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = mdLine(l); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\\\n"+indent)
}

// mdLine escapes one line: the characters that make emphasis, code, links,
// HTML, entities and tables anywhere, and those that start a heading,
// quote, list or rule at the beginning of a line. Leading spaces (an
// indented code block) are dropped.
func mdLine(s string) string {
	s = strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(s, "\t", " "), "\n", " "))
	var b strings.Builder
	for i, r := range s {
		switch {
		case strings.ContainsRune("\\`*_[]<>|~&", r):
			b.WriteByte('\\')
		case i == 0 && strings.ContainsRune("#+-=>", r), r == '@' && (i == 0 || s[i-1] == ' '):
			b.WriteByte('\\') // a heading, list, rule or quote; a mention where Markdown has them
		case (r == '.' || r == ')') && i > 0 && allDigits(s[:i]):
			b.WriteByte('\\') // "1." would start a numbered list
		}
		b.WriteRune(r)
	}
	return b.String()
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
