package server

import (
	"strings"
	"time"

	"chorus/steering"

	ics "github.com/arran4/golang-ical"
	"github.com/gofiber/fiber/v2"
)

// A group's calendar (RFC 5545): its meetings as timed events in the
// installation's time zone (CHORUS_TIMEZONE), with that zone's VTIMEZONE
// built from Go's time zone data, and the due dates of its open actions as
// all-day events. UIDs are stable (meeting-<id>@chorus, action-<id>@chorus)
// so a calendar that imports the file again updates the same events, and
// each DTSTAMP is when the record last changed (the meaning RFC 5545 gives
// it in a file without METHOD), so the same records give the same bytes.

// defaultMeetingMinutes is the length of a meeting planned without one.
const defaultMeetingMinutes = 90

func (s *Server) handleGroupCalendar(c *fiber.Ctx) error {
	pw, err := s.deps.Steering.Paperwork(c.UserContext(), principal(c), c.Params("id"))
	if err != nil {
		return err
	}
	body := s.groupCalendar(c, s.tr(c), pw)
	return s.sendExport(c, pw.Seat, steering.GroupSubject(pw.Group.ID), fileStem(pw.Group.Name, "group")+"-calendar", "calendar.ics",
		"text/calendar; charset=utf-8", body)
}

func (s *Server) groupCalendar(c *fiber.Ctx, t *Tr, pw *steering.Paperwork) []byte {
	loc := s.deps.Steering.Location()
	cal := ics.NewCalendarFor("Chorus")
	cal.SetProductId("-//Chorus//Steering group calendar//EN")
	cal.SetCalscale("GREGORIAN")
	cal.SetName(pw.Group.Name)
	cal.SetXWRCalName(pw.Group.Name)
	cal.SetXWRTimezone(loc.String())

	first, last := 0, 0
	years := func(y int) {
		if first == 0 || y < first {
			first = y
		}
		if y > last {
			last = y
		}
	}
	for _, m := range pw.Meetings {
		years(m.StartsAt.In(loc).Year())
	}
	if first != 0 {
		addTimeZone(cal, loc, first, last)
	}
	for _, m := range pw.Meetings {
		e := cal.AddEvent("meeting-" + m.ID + "@chorus")
		e.SetDtStampTime(m.CreatedAt)
		length := m.Minutes
		if length <= 0 {
			length = defaultMeetingMinutes
		}
		e.SetProperty(ics.ComponentPropertyDtStart, m.StartsAt.In(loc).Format("20060102T150405"), ics.WithTZID(loc.String()))
		e.SetProperty(ics.ComponentPropertyDtEnd, m.StartsAt.Add(time.Duration(length)*time.Minute).In(loc).Format("20060102T150405"), ics.WithTZID(loc.String()))
		e.SetSummary(pw.Group.Name + ": " + m.Title)
		if m.Place != "" {
			e.SetLocation(m.Place)
		}
		var desc []string
		if m.Online != "" {
			desc = append(desc, t.M("steering.meeting.join_online")+": "+m.Online)
		}
		desc = append(desc, s.absURL(c, "/meetings/"+m.ID))
		e.SetDescription(strings.Join(desc, "\n"))
		e.SetURL(s.absURL(c, "/meetings/"+m.ID))
		if m.Status == steering.MeetingDraft {
			e.SetStatus(ics.ObjectStatusTentative)
		} else {
			e.SetStatus(ics.ObjectStatusConfirmed)
		}
	}
	for _, a := range pw.Actions {
		day, err := time.Parse(time.DateOnly, a.Due)
		if a.Status.Finished() || err != nil {
			continue
		}
		e := cal.AddEvent("action-" + a.ID + "@chorus")
		e.SetDtStampTime(a.LastUpdated())
		e.SetAllDayStartAt(day)
		e.SetAllDayEndAt(day.AddDate(0, 0, 1))
		e.SetSummary(t.M("steering.export.ics.due", "Description", oneLine(a.Description)))
		var desc []string
		if a.OwnerOrg != "" {
			desc = append(desc, t.M("steering.export.col.owner_org")+": "+t.M("steering.org."+string(a.OwnerOrg)))
		}
		if a.Owner != "" {
			desc = append(desc, t.M("steering.export.col.owner")+": "+a.Owner)
		}
		desc = append(desc, a.Description, s.absURL(c, "/actions/"+a.ID))
		e.SetDescription(strings.Join(desc, "\n"))
		e.SetURL(s.absURL(c, "/actions/"+a.ID))
		e.SetProperty(ics.ComponentPropertyTransp, "TRANSPARENT") // a due date does not make anyone busy
	}
	// RFC 5545 ends lines with CRLF; the library's default is the OS's.
	return []byte(cal.Serialize(ics.WithNewLineWindows))
}

// oneLine keeps the first line of a text, for a calendar's summary.
func oneLine(s string) string {
	first, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(first)
}

// addTimeZone adds a VTIMEZONE for loc that covers the years from first to
// last: one observance per change of offset, taken from Go's time zone
// data (so Europe/London gets GMT and BST at the right moments).
func addTimeZone(cal *ics.Calendar, loc *time.Location, first, last int) {
	tz := cal.AddTimezone(loc.String())
	observe := func(at time.Time, from int) {
		name, to := at.Zone()
		props := []ics.IANAProperty{
			prop(ics.ComponentPropertyDtStart, at.UTC().Add(time.Duration(from)*time.Second).Format("20060102T150405")),
			prop(ics.ComponentProperty(ics.PropertyTzoffsetfrom), icsOffset(from)),
			prop(ics.ComponentProperty(ics.PropertyTzoffsetto), icsOffset(to)),
			prop(ics.ComponentProperty(ics.PropertyTzname), name),
		}
		if at.IsDST() {
			tz.Components = append(tz.Components, &ics.Daylight{ComponentBase: ics.ComponentBase{Properties: props}})
		} else {
			tz.Components = append(tz.Components, &ics.Standard{ComponentBase: ics.ComponentBase{Properties: props}})
		}
	}
	at := time.Date(first, 1, 1, 0, 0, 0, 0, loc)
	start, next := at.ZoneBounds()
	if start.IsZero() { // no change of offset before: the zone as it is
		_, off := at.Zone()
		observe(time.Date(1970, 1, 1, 0, 0, 0, 0, loc), off)
	} else {
		_, before := start.Add(-time.Second).Zone()
		observe(start.In(loc), before)
	}
	end := time.Date(last+1, 1, 1, 0, 0, 0, 0, loc)
	for !next.IsZero() && next.Before(end) {
		_, before := next.Add(-time.Second).In(loc).Zone()
		at = next.In(loc)
		observe(at, before)
		_, next = at.ZoneBounds()
	}
}

func prop(name ics.ComponentProperty, value string) ics.IANAProperty {
	return ics.IANAProperty{BaseProperty: ics.BaseProperty{IANAToken: string(name), Value: value, ICalParameters: map[string][]string{}}}
}

// icsOffset writes a UTC offset in seconds as RFC 5545 does: +0100, -0500.
func icsOffset(sec int) string {
	sign := "+"
	if sec < 0 {
		sign, sec = "-", -sec
	}
	return sign + time.Date(0, 1, 1, sec/3600, sec%3600/60, 0, 0, time.UTC).Format("1504")
}
