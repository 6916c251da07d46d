package server

import (
	"bytes"
	"strconv"
	"strings"
	"time"

	"chorus/steering"

	"github.com/go-pdf/fpdf"
	"github.com/gofiber/fiber/v2"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/text/language"
)

// A meeting's steering pack: its agenda with each issue's support count,
// themes, status and quotes, and the decisions and actions recorded, as a
// page to print (in every language) and as a PDF. The PDF embeds the Go
// fonts, which cover Latin script (and Greek and Cyrillic) but not Arabic,
// Gurmukhi, Bengali or Gujarati; for those languages the page says so and
// offers itself for printing instead.

// packData is the pack page.
type packData struct {
	*steering.MeetingView
	Exports []*steering.Export
	// PDF: the page's language is written in a script the PDF's fonts have.
	PDF bool
	// Supports adds up the agenda's issues' support counts: a figure about
	// a group of families, shown as "fewer than 5" when small.
	Supports int
}

func (s *Server) packView(c *fiber.Ctx) (*packData, error) {
	v, err := s.deps.Steering.Meeting(c.UserContext(), principal(c), c.Params("id"), "")
	if err != nil {
		return nil, err
	}
	if !v.Sits() && !v.Forum {
		return nil, steering.ErrNotFound
	}
	d := &packData{MeetingView: v, PDF: pdfScript(s.tr(c))}
	if d.Exports, err = s.deps.Steering.Exports(c.UserContext(), v.Seat, steering.MeetingSubject(v.Meeting.ID)); err != nil {
		return nil, err
	}
	for _, e := range v.Agenda {
		if e.Issue != nil {
			d.Supports += e.Issue.Supports
		}
	}
	return d, nil
}

func (s *Server) handlePack(c *fiber.Ctx) error {
	d, err := s.packView(c)
	if err != nil {
		return err
	}
	return s.renderPack(c, d)
}

func (s *Server) renderPack(c *fiber.Ctx, d *packData) error {
	p := s.page(c, "", d)
	p.Title = s.tr(c).M("steering.pack.heading", "Title", d.Meeting.Title)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.render(c, fiber.StatusOK, "pack", p)
}

// handlePackPDF sends the pack as a PDF; in a language whose script the
// PDF's fonts lack, it shows the page to print, which says why.
func (s *Server) handlePackPDF(c *fiber.Ctx) error {
	d, err := s.packView(c)
	if err != nil {
		return err
	}
	if !d.PDF {
		return s.renderPack(c, d)
	}
	body, err := s.packPDF(s.tr(c), d)
	if err != nil {
		return err
	}
	return s.sendExport(c, d.Seat, steering.MeetingSubject(d.Meeting.ID), fileStem(d.Meeting.Title, "meeting")+"-pack", "pack.pdf",
		"application/pdf", body)
}

// pdfScript reports whether a language is written in Latin script, which
// the Go fonts cover (Easy Read is English).
func pdfScript(t *Tr) bool {
	sc, _ := language.Make(t.Lang.Tag).Script()
	return sc == language.MustParseScript("Latn")
}

// packPDF lays the pack out on A4. The document's dates are those of its
// content (the latest change recorded in it), not of the moment it is made,
// so the same pack gives the same bytes and the same SHA-256.
func (s *Server) packPDF(t *Tr, d *packData) ([]byte, error) {
	loc := s.opts.Location
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.AddUTF8FontFromBytes("go", "", goregular.TTF)
	pdf.AddUTF8FontFromBytes("go", "B", gobold.TTF)
	pdf.SetCatalogSort(true)
	changed := packChanged(d)
	pdf.SetCreationDate(changed)
	pdf.SetModificationDate(changed)
	title := t.M("steering.pack.heading", "Title", d.Meeting.Title)
	pdf.SetTitle(title, true)
	pdf.SetSubject(d.Group.Name, true)
	pdf.SetCreator("Chorus", true)
	pdf.SetLang(t.Lang.Tag)
	pdf.SetMargins(18, 18, 18)
	pdf.SetAutoPageBreak(true, 18)
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		pdf.SetFont("go", "", 8)
		pdf.CellFormat(0, 5, d.Group.Name+" · "+d.Meeting.Title+" · "+itoa(pdf.PageNo())+" / {nb}", "", 0, "C", false, 0, "")
	})
	pdf.AddPage()

	text := func(size float64, style, s string) {
		pdf.SetFont("go", style, size)
		pdf.MultiCell(0, size*0.5, s, "", "L", false)
	}
	heading := func(size float64, s string) {
		pdf.Ln(2)
		text(size, "B", s)
		pdf.Ln(1)
	}
	line := func(parts ...string) {
		var keep []string
		for _, p := range parts {
			if strings.TrimSpace(p) != "" {
				keep = append(keep, p)
			}
		}
		if len(keep) > 0 {
			text(10, "", strings.Join(keep, " · "))
		}
	}
	indented := func(by float64, f func()) {
		left, top, right := 18.0, 18.0, 18.0
		pdf.SetLeftMargin(left + by)
		pdf.SetX(left + by)
		f()
		pdf.SetMargins(left, top, right)
		pdf.SetX(left)
	}

	heading(16, title)
	text(11, "", d.Group.Name)
	at := d.Meeting.StartsAt.In(loc)
	line(formatDate(at, t)+" "+at.Format("15:04"), d.Meeting.Place, t.M("steering.meeting.status."+string(d.Meeting.Status)))
	if d.Meeting.Online != "" {
		line(t.M("steering.meeting.join_online") + ": " + d.Meeting.Online)
	}
	if d.Supports > 0 {
		line(fewerText(t, "steering.pack.supports", d.Supports))
	}

	heading(14, t.M("steering.agenda"))
	if len(d.Agenda) == 0 {
		text(10, "", t.M("steering.pack.agenda_empty"))
	}
	for i, e := range d.Agenda {
		heading(12, itoa(i+1)+". "+e.Title)
		var lead, box string
		if e.Lead != nil {
			lead = t.M("steering.item.led_by", "Name", e.Lead.Name)
		}
		if e.Minutes > 0 {
			box = t.N("steering.item.minutes", e.Minutes)
		}
		line(t.M("steering.item.kind."+string(e.Kind)), lead, box)
		if is := e.Issue; is != nil {
			line(is.ForumName, t.M("status."+string(is.Status)), t.N("issue.supports", is.Supports))
			if len(is.Themes) > 0 {
				line(t.M("steering.pack.themes") + ": " + strings.Join(is.Themes, ", "))
			}
			for _, q := range is.Quotes {
				indented(6, func() { text(10, "", "“"+q+"”") })
			}
		} else if e.Kind == steering.ItemIssue {
			line(t.M("steering.item.issue_gone"))
		}
		if a := e.Action; a != nil {
			line(t.M("steering.item.carried") + " " + a.Description)
		}
		if e.Notes != "" {
			text(10, "", e.Notes)
		}
		if len(e.Decisions) > 0 {
			heading(11, t.M("steering.decisions"))
			for _, dc := range e.Decisions {
				indented(4, func() {
					text(10, "B", t.M("steering.decision.type."+string(dc.Type))+": "+dc.Text)
					if dc.Reason != "" {
						text(10, "", t.M("steering.decision.because", "Reason", dc.Reason))
					}
					if len(dc.AgreedBy) > 0 {
						var orgs []string
						for _, o := range dc.AgreedBy {
							orgs = append(orgs, t.M("steering.org."+string(o)))
						}
						text(10, "", t.M("steering.decision.agreed_by")+": "+strings.Join(orgs, ", "))
					}
					if dc.Dissent != "" {
						text(10, "", t.M("steering.decision.dissent_was", "Dissent", dc.Dissent))
					}
				})
			}
		}
		if len(e.Actions) > 0 {
			heading(11, t.M("steering.actions"))
			for _, a := range e.Actions {
				indented(4, func() {
					text(10, "B", a.Description)
					var due, org string
					if a.Due != "" {
						due = t.M("steering.action.due_on", "Date", civilDate(a.Due, t))
					}
					if a.OwnerOrg != "" {
						org = t.M("steering.org." + string(a.OwnerOrg))
					}
					line(t.M("steering.action.status."+string(a.Status)), t.M("steering.rag."+string(a.RAG)), due)
					line(org, a.Owner)
					if a.Outcome != "" {
						text(10, "", t.M("steering.export.col.outcome")+": "+a.Outcome)
					}
				})
			}
		}
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// packChanged is the latest change the pack records.
func packChanged(d *packData) time.Time {
	t := d.Meeting.CreatedAt
	for _, e := range d.Agenda {
		if e.CreatedAt.After(t) {
			t = e.CreatedAt
		}
		for _, dc := range e.Decisions {
			if dc.At.After(t) {
				t = dc.At
			}
		}
		for _, a := range e.Actions {
			if u := a.LastUpdated(); u.After(t) {
				t = u
			}
		}
	}
	return t.UTC()
}

// fewerText is the fewer template's text: a count about families, "fewer
// than 5" when small (steering.Small).
func fewerText(t *Tr, id string, n int) string {
	if steering.Small(n) {
		return t.M(id + ".fewer")
	}
	return t.N(id, n)
}

// civilDate shows a YYYY-MM-DD date in the language's way.
func civilDate(d string, t *Tr) string {
	tm, err := time.Parse(time.DateOnly, d)
	if err != nil {
		return d
	}
	return formatDate(tm, t)
}

func itoa(n int) string { return strconv.Itoa(n) }
