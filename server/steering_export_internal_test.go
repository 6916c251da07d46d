package server

import (
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
)

// TestCalendarTimeZone: a calendar in Europe/London carries a VTIMEZONE
// whose observances change at the moments Go's time zone data says, and a
// meeting in summer parses back, through the library, to the right instant.
func TestCalendarTimeZone(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	cal := ics.NewCalendarFor("Chorus")
	addTimeZone(cal, london, 2026, 2026)
	summer := time.Date(2026, 7, 1, 10, 0, 0, 0, london)
	ev := cal.AddEvent("meeting-x@chorus")
	ev.SetDtStampTime(summer)
	ev.SetProperty(ics.ComponentPropertyDtStart, summer.Format("20060102T150405"), ics.WithTZID(london.String()))
	out := cal.Serialize(ics.WithNewLineWindows)

	parsed, err := ics.ParseCalendar(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	at, err := parsed.Events()[0].GetStartAt()
	if err != nil || !at.Equal(time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)) {
		t.Fatalf("the summer meeting starts at %v (%v), want 09:00 UTC", at, err)
	}
	tzs := parsed.Timezones()
	if len(tzs) != 1 || tzs[0].GetProperty(ics.ComponentPropertyTzid).Value != "Europe/London" {
		t.Fatalf("time zones: %v", tzs)
	}
	// The winter before, then BST from 29 March and GMT from 25 October.
	for _, want := range []string{
		"BEGIN:DAYLIGHT\r\nDTSTART:20260329T010000\r\nTZOFFSETFROM:+0000\r\nTZOFFSETTO:+0100\r\nTZNAME:BST\r\nEND:DAYLIGHT",
		"BEGIN:STANDARD\r\nDTSTART:20261025T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0000\r\nTZNAME:GMT\r\nEND:STANDARD",
		"BEGIN:STANDARD\r\nDTSTART:20251026T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0000",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the VTIMEZONE lacks\n%s\nin\n%s", want, out)
		}
	}

	// A zone without changes has one observance.
	cal = ics.NewCalendarFor("Chorus")
	addTimeZone(cal, time.UTC, 2026, 2027)
	if out := cal.Serialize(ics.WithNewLineWindows); !strings.Contains(out, "TZID:UTC") || strings.Count(out, "BEGIN:STANDARD") != 1 || !strings.Contains(out, "TZOFFSETTO:+0000") {
		t.Errorf("UTC:\n%s", out)
	}
}

func TestMarkdownLine(t *testing.T) {
	for in, want := range map[string]string{
		"Plain words, with a comma.": "Plain words, with a comma.",
		"# Heading":                  `\# Heading`,
		"- list":                     `\- list`,
		"+ list":                     `\+ list`,
		"> quote":                    `\> quote`,
		"1. numbered":                `1\. numbered`,
		"12) numbered":               `12\) numbered`,
		"*em* _em_ `code`":           "\\*em\\* \\_em\\_ \\`code\\`",
		"[a](http://x) <b> | &amp;":  `\[a\](http://x) \<b\> \| \&amp;`,
		"    indented code":          "indented code",
		"mail a@b.org, @team":        `mail a@b.org, \@team`,
		"a - b = c":                  "a - b = c",
	} {
		if got := mdLine(in); got != want {
			t.Errorf("mdLine(%q) = %q, want %q", in, got, want)
		}
	}
	if got := mdText("one\n\n  two\r\nthree", "  "); got != "one\\\n  two\\\n  three" {
		t.Errorf("mdText = %q", got)
	}
}

func TestFileStem(t *testing.T) {
	for in, want := range map[string]string{
		"LLR keyworker steering group": "llr-keyworker-steering-group",
		"  Ça va? / \"quoted\" ":       "a-va-quoted",
		"اردو گروپ":                    "group",
		"A very long name that goes on and on beyond forty characters": "a-very-long-name-that-goes-on-and-on-bey",
	} {
		if got := fileStem(in, "group"); got != want {
			t.Errorf("fileStem(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPDFScript(t *testing.T) {
	for tag, want := range map[string]bool{"en": true, "pl": true, "ro": true, "so": true, "ur": false, "ar": false, "pa": false, "bn": false, "gu": false} {
		if got := pdfScript(testTranslator(t, tag)); got != want {
			t.Errorf("pdfScript(%s) = %v, want %v", tag, got, want)
		}
	}
}
