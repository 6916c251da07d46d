package forum

import (
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// IdentifyingKind names a kind of personal detail.
type IdentifyingKind string

// The kinds of personal detail FindIdentifying looks for.
const (
	// NHSNumber is ten digits (or 3-3-4 with spaces or dashes) whose
	// modulus-11 check digit is valid.
	NHSNumber IdentifyingKind = "nhs_number"
	// DateOfBirth is a past calendar date (1900 onwards), or a day and month
	// or month and year right after "born", "DOB" or "date of birth".
	DateOfBirth IdentifyingKind = "date_of_birth"
	// Postcode is a full UK postcode in a real postcode area, in any case,
	// with or without the space.
	Postcode IdentifyingKind = "postcode"
	// Phone is a UK mobile (07), landline (01, 02, 03) or +44 number.
	Phone IdentifyingKind = "phone"
	// Email is an email address.
	Email IdentifyingKind = "email"
	// ChildName is a capitalised name right after "my son", "our daughter",
	// "his name is", "a boy called" and the like; the name alone.
	ChildName IdentifyingKind = "child_name"
	// SchoolName is a capitalised name ending in School, Academy, College,
	// Primary, Infants, Juniors or Nursery, such as "St Mary's C of E Primary
	// School"; generic phrases like "the special school" are left alone.
	SchoolName IdentifyingKind = "school_name"
)

// Finding is one likely identifying detail: its kind and where it is in the text.
type Finding struct {
	Kind  IdentifyingKind
	Start int // byte offset of the detail in the text
	End   int // byte offset just after it
	Text  string
}

// FindIdentifying returns the likely identifying details in text, in order of
// position, not overlapping. Dates after now, or before 1900, are not taken
// for dates of birth; a zero now therefore finds no dates. It only warns: a
// plain number, a year or an amount of money is never a finding, and neither
// is an NHS number whose check digit is wrong.
func FindIdentifying(text string, now time.Time) []Finding {
	var fs idFindings
	fs.text = text
	// Earlier detectors win where two would claim the same characters: an
	// email address can hold digits, and a valid NHS number is more telling
	// than the ten-digit phone number it might also be.
	scans := []func(*idFindings){idFindEmails, idFindNHSNumbers, idFindPhones, idFindPostcodes,
		func(fs *idFindings) { idFindDates(fs, now) }, idFindSchools, idFindChildNames}
	if !strings.ContainsAny(text, "0123456789") {
		scans = []func(*idFindings){idFindEmails, idFindSchools, idFindChildNames}
	}
	for _, scan := range scans {
		scan(&fs)
		fs.flush()
	}
	return fs.list
}

// RemoveIdentifying replaces each finding in text with the placeholder (e.g.
// "[removed]"), returning the new text. Findings must come from
// FindIdentifying on the same text; any that do not fit it (out of range,
// overlapping another, or no longer matching the text at their offsets) are
// skipped, so stale findings never cut a word or a character in half.
func RemoveIdentifying(text string, findings []Finding, placeholder string) string {
	if len(findings) == 0 {
		return text
	}
	fs := make([]Finding, len(findings))
	copy(fs, findings)
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].Start < fs[j].Start })
	var b strings.Builder
	b.Grow(len(text))
	last := 0
	for _, f := range fs {
		if f.Start < last || f.End <= f.Start || f.End > len(text) || text[f.Start:f.End] != f.Text {
			continue
		}
		b.WriteString(text[last:f.Start])
		b.WriteString(placeholder)
		last = f.End
	}
	b.WriteString(text[last:])
	return b.String()
}

// idFindings collects findings in order of position, refusing any that
// overlap one already taken. A detector scans the text left to right and
// adds to pending, which flush then merges into list, so that many findings
// cost no more than a few.
type idFindings struct {
	text    string
	list    []Finding // taken by earlier detectors, by position
	pending []Finding // taken by this one, by position
}

// add takes the detail at text[start:end] unless it overlaps an earlier
// finding, and reports whether it did. Within one scan, details must be
// added left to right.
func (fs *idFindings) add(kind IdentifyingKind, start, end int) bool {
	if n := len(fs.pending); n > 0 && fs.pending[n-1].End > start {
		return false
	}
	i := sort.Search(len(fs.list), func(i int) bool { return fs.list[i].End > start })
	if i < len(fs.list) && fs.list[i].Start < end {
		return false
	}
	fs.pending = append(fs.pending, Finding{Kind: kind, Start: start, End: end, Text: fs.text[start:end]})
	return true
}

// flush ends a scan, merging what it found into list.
func (fs *idFindings) flush() {
	if len(fs.pending) == 0 {
		return
	}
	merged := make([]Finding, 0, len(fs.list)+len(fs.pending))
	i, j := 0, 0
	for i < len(fs.list) || j < len(fs.pending) {
		if j == len(fs.pending) || i < len(fs.list) && fs.list[i].Start < fs.pending[j].Start {
			merged = append(merged, fs.list[i])
			i++
		} else {
			merged = append(merged, fs.pending[j])
			j++
		}
	}
	fs.list, fs.pending = merged, fs.pending[:0]
}

// idTry matches the anchored re against at most window bytes of text from
// start, and returns the submatch offsets in text, or nil. Trying a pattern
// only where a detail can start, on a short window, keeps FindIdentifying
// linear in the length of the text.
func idTry(re *regexp.Regexp, text string, start, window int) []int {
	m := re.FindStringSubmatchIndex(text[start:min(len(text), start+window)])
	for i := range m {
		if m[i] >= 0 {
			m[i] += start
		}
	}
	return m
}

// idNumberStarts calls try at each place a number may start (a digit, '+'
// or '(' that does not follow a digit), left to right. try returns the end
// of the detail it took there, or 0.
func idNumberStarts(text string, try func(i int) int) {
	for i := 0; i < len(text); i++ {
		c := text[i]
		if (idDigit(c) || c == '+' || c == '(') && (i == 0 || !idDigit(text[i-1])) {
			if end := try(i); end > i {
				i = end - 1
			}
		}
	}
}

// idWordStarts calls try at the start of each word that begins with an
// ASCII letter, with the word's leading run of ASCII letters, left to right.
// try returns the end of the detail it took there, or 0.
func idWordStarts(text string, try func(i int, word string) int) {
	for i := 0; i < len(text); i++ {
		if !idLetter(text[i]) || idWordRune(idBefore(text, i)) {
			continue
		}
		j := i + 1
		for j < len(text) && idLetter(text[j]) {
			j++
		}
		if end := try(i, text[i:j]); end > i {
			i = end - 1
		} else {
			i = j - 1
		}
	}
}

func idDigit(c byte) bool  { return c >= '0' && c <= '9' }
func idLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// idBefore returns the rune before text[i:], or -1 at the start.
func idBefore(text string, i int) rune {
	if i <= 0 {
		return -1
	}
	if c := text[i-1]; c < utf8.RuneSelf {
		return rune(c)
	}
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return r
}

// idAfter returns the rune at text[i:], or -1 at the end.
func idAfter(text string, i int) rune {
	if i >= len(text) {
		return -1
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	return r
}

// idWordRune reports whether r continues a word or a number.
func idWordRune(r rune) bool {
	return r >= 0 && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '_')
}

// idStandsAlone reports whether text[start:end] is not glued to a letter or
// digit on either side.
func idStandsAlone(text string, start, end int) bool {
	return !idWordRune(idBefore(text, start)) && !idWordRune(idAfter(text, end))
}

// idDigits returns the ASCII digits of s.
func idDigits(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

var idEmailRe = regexp.MustCompile(`^(?i)[a-z0-9][a-z0-9._%+\-]*@[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)*\.[a-z]{2,24}$`)

// idEmailByte reports whether c may appear in an email address.
func idEmailByte(c byte) bool {
	return idLetter(c) || idDigit(c) || strings.IndexByte("._%+-", c) >= 0
}

func idFindEmails(fs *idFindings) {
	text := fs.text
	if strings.IndexByte(text, '@') < 0 {
		return
	}
	for off := 0; off < len(text); {
		j := strings.IndexByte(text[off:], '@')
		if j < 0 {
			return
		}
		at := off + j
		start, end := at, at+1
		for start > 0 && idEmailByte(text[start-1]) {
			start--
		}
		for end < len(text) && (idEmailByte(text[end]) && text[end] != '%' && text[end] != '+' && text[end] != '_') {
			end++
		}
		off = end
		for start < at && !idLetter(text[start]) && !idDigit(text[start]) {
			start++
		}
		for end > at+1 && (text[end-1] == '.' || text[end-1] == '-') {
			end--
		}
		if idEmailRe.MatchString(text[start:end]) && !idWordRune(idAfter(text, end)) {
			fs.add(Email, start, end)
		}
	}
}

var idNHSRe = regexp.MustCompile(`^\d{3}[ \-]?\d{3}[ \-]?\d{4}`)

func idFindNHSNumbers(fs *idFindings) {
	text := fs.text
	idNumberStarts(text, func(i int) int {
		m := idTry(idNHSRe, text, i, 16)
		if m == nil || !idStandsAlone(text, m[0], m[1]) || !idValidNHS(text[m[0]:m[1]]) || !fs.add(NHSNumber, m[0], m[1]) {
			return 0
		}
		return m[1]
	})
}

// idValidNHS reports whether s, once spaces and dashes are dropped, is ten
// digits whose last is the modulus-11 check digit of the other nine. Ten
// identical digits pass the check but are never issued, so they are refused.
func idValidNHS(s string) bool {
	d := idDigits(s)
	if len(d) != 10 {
		return false
	}
	if strings.Count(d, d[:1]) == 10 {
		return false
	}
	sum := 0
	for i := 0; i < 9; i++ {
		sum += int(d[i]-'0') * (10 - i)
	}
	check := 11 - sum%11
	if check == 11 {
		check = 0
	}
	return check != 10 && check == int(d[9]-'0')
}

// idPhoneRe finds +44/0044 numbers and national numbers starting 01, 02, 03
// or 07, with single spaces, dashes or brackets between the digits. The
// digit count is checked afterwards.
var idPhoneRe = regexp.MustCompile(`^(?:(?:\+|00)[ ]?44[ \-]?(?:\(0\)[ \-]?)?[1237](?:[ \-()]{0,2}\d){8,9}|\(?0[1237](?:[ \-()]{0,2}\d){8,9})`)

func idFindPhones(fs *idFindings) {
	text := fs.text
	idNumberStarts(text, func(i int) int {
		m := idTry(idPhoneRe, text, i, 40)
		if m == nil || !idStandsAlone(text, m[0], m[1]) || idBefore(text, m[0]) == '+' {
			return 0
		}
		s := text[m[0]:m[1]]
		d := idDigits(s)
		if s[0] == '+' || strings.HasPrefix(s, "00") {
			d = strings.TrimPrefix(d, "00")
			d = "0" + strings.TrimPrefix(strings.TrimPrefix(d, "44"), "0")
		}
		switch {
		case len(d) == 11:
		case len(d) == 10 && d[1] == '1': // a few rural areas have 9-digit national numbers
		default:
			return 0
		}
		if !fs.add(Phone, m[0], m[1]) {
			return 0
		}
		return m[1]
	})
}

// idPostcodeRe matches full postcodes in the UK's postcode areas (and the
// Channel Islands and Isle of Man), so that "in 2 weeks" style text and
// made-up letter pairs are not taken for one.
var idPostcodeRe = regexp.MustCompile(`^(?i)(?:A[BL]|B[ABDFHLNRST]?|C[ABFHMORTVW]|D[ADEGHLNTY]|E[CHNX]?|F[KY]|G[LUY]?|H[ADGPRSUX]|I[GMPV]|JE|K[ATWY]|L[ADELNSU]?|M[EKL]?|N[EGNPRW]?|O[LX]|P[AEHLOR]|R[GHM]|S[AEGKLMNOPRSTWY]?|T[ADFNQRSW]|UB|W[ACDFNRSV]?|YO|ZE)\d[A-Z0-9]?[ \x{00A0}]?\d[ABD-HJLNP-UW-Z]{2}`)

func idFindPostcodes(fs *idFindings) {
	text := fs.text
	idWordStarts(text, func(i int, word string) int {
		if len(word) > 2 || i+len(word) >= len(text) || !idDigit(text[i+len(word)]) {
			return 0
		}
		m := idTry(idPostcodeRe, text, i, 12)
		if m == nil || !idStandsAlone(text, m[0], m[1]) || !fs.add(Postcode, m[0], m[1]) {
			return 0
		}
		return m[1]
	})
}

const idMonth = `(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b`

var (
	// idISODateRe is year first: 2014-03-12, 2014/03/12.
	idISODateRe = regexp.MustCompile(`^(\d{4})([/.\-])(\d{1,2})([/.\-])(\d{1,2})`)
	// idNumDateRe is day first, the year optional: 12/03/2014, 12-03-14, 12.03.
	idNumDateRe = regexp.MustCompile(`^(\d{1,2})([/.\-])(\d{1,2})(?:([/.\-])(\d{4}|\d{2}))?`)
	// idTextDateRe is "12(th) (of) March", "March (the) 12(th)" or "March",
	// each with an optional year.
	idTextDateRe = regexp.MustCompile(`^(?i)(?:(\d{1,2})(?:st|nd|rd|th)?(?:\s+of)?\s+` + idMonth +
		`|` + idMonth + `\.?\s+(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)?\b|` + idMonth + `)\.?(?:,?\s+(\d{4})\b)?`)
)

var idMonths = map[string]time.Month{
	"jan": time.January, "feb": time.February, "mar": time.March, "apr": time.April,
	"may": time.May, "jun": time.June, "jul": time.July, "aug": time.August,
	"sep": time.September, "oct": time.October, "nov": time.November, "dec": time.December,
}

// idDate is a possibly partial date; zero fields are missing.
type idDate struct {
	year  int
	month time.Month
	day   int
}

// plausible reports whether d could be a date of birth on the day now: a full
// date must exist and fall between 1900 and now; a partial one needs birth
// context and must still make sense.
func (d idDate) plausible(now time.Time, context bool) bool {
	if d.month < time.January || d.month > time.December {
		return false
	}
	if d.year != 0 && (d.year < 1900 || d.year > now.Year()) {
		return false
	}
	if d.day != 0 {
		y := d.year
		if y == 0 {
			y = 2000 // a leap year, so "born on 29 February" stands
		}
		if d.day < 1 || d.day > time.Date(y, d.month+1, 0, 0, 0, 0, 0, time.UTC).Day() {
			return false
		}
	}
	switch {
	case d.year != 0 && d.day != 0:
		ny, nm, nd := now.Date()
		return time.Date(d.year, d.month, d.day, 0, 0, 0, 0, time.UTC).
			Compare(time.Date(ny, nm, nd, 0, 0, 0, 0, time.UTC)) <= 0
	case d.year != 0:
		return context && (d.year < now.Year() || d.month <= now.Month())
	case d.day != 0:
		return context
	}
	return false
}

// idAtoi parses a short run of ASCII digits, or returns 0.
func idAtoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0
		}
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// idYear reads a two- or four-digit year; two digits are this century unless
// that would be in the future.
func idYear(s string, now time.Time) int {
	y := idAtoi(s)
	if len(s) == 2 {
		y += 2000
		if y > now.Year() {
			y -= 100
		}
	}
	return y
}

// idBirthContext reports whether one of the four words just before
// text[start:] on the same line says a birth date follows: "born on the",
// "DOB:", "D.O.B.", "date of birth", "birthday is".
func idBirthContext(text string, start int) bool {
	return idWordsBefore(text, start, 4, func(w string) bool {
		switch strings.ToLower(w) {
		case "born", "dob", "birth", "birthday", "birthdate":
			return true
		}
		return false
	})
}

// idWordsBefore reports whether ok holds for one of the n words before
// text[start:] (within 60 bytes and the same sentence). Full stops between
// single letters are dropped first, so "D.O.B." is the word "DOB".
func idWordsBefore(text string, start, n int, ok func(word string) bool) bool {
	from := max(0, start-60)
	for from > 0 && !utf8.RuneStart(text[from]) {
		from--
	}
	var buf [60]byte
	b := buf[:0]
	for i := from; i < start; i++ {
		c := text[i]
		if c == '.' && i > from && i+1 < start && idLetter(text[i-1]) && idLetter(text[i+1]) &&
			(i-2 < from || !idLetter(text[i-2])) && (i+2 >= start || !idLetter(text[i+2])) {
			continue // a dot inside D.O.B
		}
		b = append(b, c)
	}
	before := string(b)
	if i := strings.LastIndexAny(before, "!?;\n"); i >= 0 {
		before = before[i+1:]
	}
	for i := len(before) - 3; i >= 0; i-- {
		if before[i] == '.' && before[i+1] == ' ' && before[i+2] >= 'A' && before[i+2] <= 'Z' {
			before = before[i+1:] // a new sentence
			break
		}
	}
	words := strings.FieldsFunc(before, func(r rune) bool { return !unicode.IsLetter(r) })
	for i := len(words) - 1; i >= 0 && i >= len(words)-n; i-- {
		if ok(words[i]) {
			return true
		}
	}
	return false
}

// idTakeDate adds the date d found at text[start:end] if it could be a date
// of birth: a full date in the past that is not plainly the date of
// something that happened, or a partial one right after "born" or "DOB". It
// returns end if it did, else 0.
func idTakeDate(fs *idFindings, d idDate, start, end int, now time.Time) int {
	full := d.year != 0 && d.day != 0
	if !d.plausible(now, !full) {
		return 0
	}
	birth := idBirthContext(fs.text, start)
	if full && !birth && idEventContext(fs.text, start) || !full && !birth || !fs.add(DateOfBirth, start, end) {
		return 0
	}
	return end
}

// idEventCues are words that, shortly before a date, make it the date of an
// event ("referred on", "the panel met on", "since") rather than a birthday.
// Parents' issues are full of such dates, and they matter to the issue.
var idEventCues = idSet(`since until till from by before after between and to during deadline due close
closes closed closing expire expires expired dated meeting meetings meet met appointment appointments appt
review reviewed panel tribunal hearing admitted admission discharged discharge referred referral
assessed assessment seen saw received sent emailed wrote written letter happened held started start
starting ended ending finished cancelled canceled postponed rescheduled moved arrived applied
application decision decided submitted requested asked called rang phoned visited diagnosed excluded
exclusion suspended agreed promised`)

// idEventContext reports whether one of the four words before text[start:],
// in the same sentence, is an event cue.
func idEventContext(text string, start int) bool {
	return idWordsBefore(text, start, 4, func(w string) bool { return idEventCues[strings.ToLower(w)] })
}

// idNumberEdge reports whether a numeric date at text[start:end] is really
// part of something longer, like a version number, a decimal or a phone number.
func idNumberEdge(text string, start, end int) bool {
	if !idStandsAlone(text, start, end) {
		return true
	}
	if b := idBefore(text, start); b == '/' || b == '.' || b == '-' || b == ':' {
		if unicode.IsDigit(idBefore(text, start-1)) {
			return true
		}
	}
	if a := idAfter(text, end); a == '/' || a == '.' || a == '-' || a == ':' {
		if unicode.IsDigit(idAfter(text, end+1)) {
			return true
		}
	}
	return false
}

func idFindDates(fs *idFindings, now time.Time) {
	text := fs.text
	if now.IsZero() {
		return
	}
	defer fs.flush()
	idNumberStarts(text, func(i int) int {
		if !idDigit(text[i]) {
			return 0
		}
		if end := idISODate(fs, i, now); end > 0 {
			return end
		}
		if end := idNumericDate(fs, i, now); end > 0 {
			return end
		}
		if !idMonthSoon(text, i) {
			return 0
		}
		return idTextDate(fs, i, now)
	})
	fs.flush() // the next scan starts again from the left
	idWordStarts(text, func(i int, word string) int {
		if len(word) < 3 || idMonths[strings.ToLower(word[:3])] == 0 {
			return 0
		}
		return idTextDate(fs, i, now)
	})
}

// idMonthSoon reports whether a word in the 16 bytes from text[i:] starts
// with the name of a month, as "12th of March" needs.
func idMonthSoon(text string, i int) bool {
	for j := i + 1; j+3 <= len(text) && j < i+16; j++ {
		if idLetter(text[j]) && !idLetter(text[j-1]) {
			k := [3]byte{text[j] | 0x20, text[j+1] | 0x20, text[j+2] | 0x20}
			if idMonths[string(k[:])] != 0 {
				return true
			}
		}
	}
	return false
}

// idISODate takes a year-first date at text[i:], returning its end or 0.
func idISODate(fs *idFindings, i int, now time.Time) int {
	text := fs.text
	m := idTry(idISODateRe, text, i, 12)
	if m == nil || text[m[4]:m[5]] != text[m[8]:m[9]] || idNumberEdge(text, m[0], m[1]) {
		return 0
	}
	d := idDate{year: idAtoi(text[m[2]:m[3]]), month: time.Month(idAtoi(text[m[6]:m[7]])), day: idAtoi(text[m[10]:m[11]])}
	return idTakeDate(fs, d, m[0], m[1], now)
}

// idNumericDate takes a day-first (or, failing that, month-first) date at
// text[i:], returning its end or 0.
func idNumericDate(fs *idFindings, i int, now time.Time) int {
	text := fs.text
	m := idTry(idNumDateRe, text, i, 12)
	if m == nil || idNumberEdge(text, m[0], m[1]) {
		return 0
	}
	d := idDate{day: idAtoi(text[m[2]:m[3]]), month: time.Month(idAtoi(text[m[6]:m[7]]))}
	if m[8] >= 0 {
		if text[m[4]:m[5]] != text[m[8]:m[9]] {
			return 0
		}
		d.year = idYear(text[m[10]:m[11]], now)
	} else if text[m[4]:m[5]] == "." {
		return 0 // "DOB 3.5" is a decimal far more often than a date
	}
	if !d.plausible(now, true) {
		d.day, d.month = int(d.month), time.Month(d.day) // month first, as in the US
	}
	return idTakeDate(fs, d, m[0], m[1], now)
}

// idTextDate takes a date with the month in words at text[i:], returning
// its end or 0.
func idTextDate(fs *idFindings, i int, now time.Time) int {
	text := fs.text
	m := idTry(idTextDateRe, text, i, 48)
	if m == nil || !idStandsAlone(text, m[0], m[1]) {
		return 0
	}
	var d idDate
	switch {
	case m[2] >= 0: // 12 March
		d.day, d.month = idAtoi(text[m[2]:m[3]]), idMonths[strings.ToLower(text[m[4]:m[4]+3])]
	case m[6] >= 0: // March 12
		d.month, d.day = idMonths[strings.ToLower(text[m[6]:m[6]+3])], idAtoi(text[m[8]:m[9]])
	default: // March
		d.month = idMonths[strings.ToLower(text[m[10]:m[10]+3])]
	}
	if m[12] >= 0 {
		d.year = idAtoi(text[m[12]:m[13]])
	}
	end := m[1]
	if text[end-1] == '.' && m[12] < 0 {
		end-- // the full stop ends the sentence, not an abbreviation
	}
	return idTakeDate(fs, d, m[0], end, now)
}

// idNameWord is one capitalised word of a name: Jayden, Zoë, O'Brien,
// McKenzie, Amelia-Rose.
const idNameWord = `\p{Lu}(?:['’]\p{Lu})?[\p{Ll}\p{M}]+(?:\p{Lu}[\p{Ll}\p{M}]+)?(?:-\p{Lu}[\p{Ll}\p{M}]+)*`

var (
	idChildNameRe = regexp.MustCompile(`^(?i:` +
		`(?:(?:my|our)\s+(?:(?:little|eldest|oldest|youngest|younger|older|middle|twin|autistic|adopted|foster|step|baby|beautiful|lovely|\d{1,2}[\s-]*(?:yr|year)s?[\s-]*old)[\s-]+)*` +
		`|(?:eldest|oldest|youngest|younger|older|middle)\s+)` +
		`(?:son|daughter|child|boy|girl|grandson|granddaughter|grandchild|stepson|stepdaughter|step-son|step-daughter|kid|baby|twins?|nephew|niece|brother|sister|ward)` +
		`(?:(?:'s|’s)\s+name\s+is)?` +
		`|(?:his|her|their)\s+name\s+is` +
		`|(?:his|her|their)\s+(?:(?:little|big|older|younger|twin)\s+)?(?:brother|sister)` +
		`|(?:son|daughter|child|boy|girl|grandson|granddaughter)(?:'s|’s|\s+is|\s+was)?\s+(?:called|named|known\s+as)` +
		`|(?:he|she|who)(?:'s|’s|\s+is|\s+was)\s+(?:called|named|known\s+as)` +
		`)(?:[ \t\x{00A0}]+[,(:"“‘\-–—]?|[,(:"“‘])[ \t\x{00A0}]*(` + idNameWord + `)`)
	idSurnameRe     = regexp.MustCompile(`^[ \t\x{00A0}]+(` + idNameWord + `)`)
	idSecondChildRe = regexp.MustCompile(`^[ \t\x{00A0}]*,?[ \t\x{00A0}]*(?:and|&)[ \t\x{00A0}]+(` + idNameWord + `)`)
)

// idNotNames are capitalised words that follow "my son" and its kin without
// being a name.
var idNotNames = idSet(`He She They It We You I His Her Hers Their Them The A An And But Or So Nor Yet
Who Whom Whose Which What When Where Why How Is Was Has Had Have Does Did Do Also Now Then Still Just
This That These Those There Here Both Either Neither Each All Every Year Reception Nursery Mum Mom Dad
Mummy Daddy Mam Nan Nana Nanny Gran Grandma Grandad Grandpa Sir Miss Mr Mrs Ms Mx Dr Doctor Prof
After Before In On At With Without From For To Of By Because If Although Though While Since Until As
Age Aged Recently Currently Today Yesterday Tomorrow Last Next Finally Unfortunately Sadly Luckily
Thankfully Please Thank Thanks Hi Hello Dear Monday Tuesday Wednesday Thursday Friday Saturday Sunday
January February March July September October November December Christmas Easter Autism Autistic
Asperger Aspergers Down Special Primary Secondary School College Academy Being Having Going Getting
Who's He's She's It's They're English British Not No Yes Never Always Sometimes Often Again Too Very
Social Council Police Hospital Childline Out Up Off Back Over Away Needs Need Lives Loves Likes Goes
Gets Wants Attends Struggles Can Cannot Will Would Should Could Might Must Got Went Started Says Said
Became Keeps Seems Hates Refuses Finds Feels Uses Takes Turned Turns Won't Doesn't Didn't Isn't
Wasn't Hasn't Can't Infants Juniors`)

func idSet(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// idChildTriggers are the first words of idChildNameRe's phrases.
var idChildTriggers = idSet(`my our his her their eldest oldest youngest younger older middle son daughter
child boy girl grandson granddaughter he she who`)

// idChildSeconds are the words that can follow the first word of one of
// idChildNameRe's phrases ("" stands for a number, as in "my 7 year old").
var idChildSeconds = idSet(`little eldest oldest youngest younger older middle twin twins autistic adopted
foster step baby beautiful lovely son daughter child boy girl grandson granddaughter grandchild stepson
stepdaughter kid nephew niece brother sister ward name big is was s called named known`)

func idChildSecond(w string) bool { return w == "" || idChildSeconds[w] }

// idNextWord returns the lower-cased run of ASCII letters that starts the
// next word after text[:i], skipping up to four bytes of spaces and
// punctuation; for a number it returns "".
func idNextWord(text string, i int) string {
	for j := i; j < len(text) && j <= i+4; j++ {
		c := text[j]
		if idDigit(c) {
			return ""
		}
		if idLetter(c) {
			k := j
			for k < len(text) && k < j+16 && idLetter(text[k]) {
				k++
			}
			return strings.ToLower(text[j:k])
		}
	}
	return "-"
}

func idFindChildNames(fs *idFindings) {
	text := fs.text
	idWordStarts(text, func(i int, word string) int {
		if len(word) > 13 || !idChildTriggers[strings.ToLower(word)] || !idChildSecond(idNextWord(text, i+len(word))) {
			return 0
		}
		m := idTry(idChildNameRe, text, i, 160)
		if m == nil {
			return 0
		}
		start, end := m[2], m[3]
		if idWordRune(idAfter(text, end)) || idNotNames[text[start:end]] {
			return 0
		}
		// In Title Case ("Waiting List For My Son Jayden") every word is
		// capitalised, so a name must be the last capitalised word there.
		titleCase := strings.IndexFunc(text[m[0]+1:start], unicode.IsUpper) >= 0
		if titleCase {
			if idCapitalNext(text, end) {
				return 0
			}
		} else {
			for range 2 { // "Oliver Smith", "Mohammed Ali Khan"
				s := idTry(idSurnameRe, text, end, 80)
				if s == nil || idNotNames[text[s[2]:s[3]]] || idWordRune(idAfter(text, s[3])) {
					break
				}
				end = s[3]
			}
		}
		if !fs.add(ChildName, start, end) {
			return 0
		}
		// "our twins Amy and Beth"
		if s := idTry(idSecondChildRe, text, end, 80); s != nil && !idNotNames[text[s[2]:s[3]]] &&
			!idWordRune(idAfter(text, s[3])) && !(titleCase && idCapitalNext(text, s[3])) && fs.add(ChildName, s[2], s[3]) {
			end = s[3]
		}
		return end
	})
}

// idCapitalNext reports whether the next word after text[:i] on the same
// line starts with a capital letter.
func idCapitalNext(text string, i int) bool {
	for i < len(text) && (text[i] == ' ' || text[i] == '\t') {
		i++
	}
	return unicode.IsUpper(idAfter(text, i))
}

// idSchoolWords end a school's name.
var idSchoolWords = idSet(`School Academy College Primary Infants Juniors Nursery`)

var (
	idSchoolMoreRe = regexp.MustCompile(`^[ \t]+(?:School|Academy|College|Primary|Infants|Juniors|Nursery)\b`)
	idCapWordRe    = regexp.MustCompile(`^\p{Lu}[\p{L}\p{M}'’.\-]*$`)
)

// idSchoolGeneric are words that start a phrase about a school without naming one.
var idSchoolGeneric = idSet(`Special Mainstream Local Independent Residential Private State Previous
New Current Old Another Primary Secondary High Infant Junior Grammar Free Nursery Sixth Form Resource
Base Unit Catholic Church Community Faith Village Our My Your Their His Her Its The A An This That
Which Every Any Some No Day Boarding Alternative Hospital Forest Home Sunday Summer Holiday Further
Education Specialist Autism Autistic Moderate Severe Complex Learning Needs Royal`)

// idSchoolConnectors are the lower-case words a school's name may hold.
var idSchoolConnectors = idSet(`of upon on and &`)

func idFindSchools(fs *idFindings) {
	text := fs.text
	idWordStarts(text, func(i int, word string) int {
		if !idSchoolWords[word] || idWordRune(idAfter(text, i+len(word))) {
			return 0
		}
		end := i + len(word)
		for range 2 { // "Primary School", "Infants School"
			s := idTry(idSchoolMoreRe, text, end, 16)
			if s == nil {
				break
			}
			end = s[1]
		}
		// Walk back over the capitalised words before it, on the same line.
		start := i
		for range 8 {
			k := start
			for k > 0 && (text[k-1] == ' ' || text[k-1] == '\t') {
				k--
			}
			if k == start || k == 0 {
				break
			}
			j := k
			for j > 0 && !strings.ContainsRune(" \t\n\r", rune(text[j-1])) {
				j--
			}
			w := text[j:k]
			open := strings.TrimLeft(w, "(\"“‘'[")
			if open == "" || !(idCapWordRe.MatchString(open) && !idNotNames[open] || idSchoolConnectors[open]) {
				break
			}
			start = k - len(open)
			if open != w {
				break
			}
		}
		// Drop words from the front that do not name anything ("the
		// special", "CAMHS", "of") until a naming word starts the match.
		for start < i {
			w := text[start:]
			w = w[:strings.IndexAny(w, " \t")]
			upper := len(w) > 1 && strings.ToUpper(w) == w && !strings.ContainsAny(w, ".'’")
			if !idSchoolGeneric[w] && !idSchoolConnectors[w] && !upper {
				if !fs.add(SchoolName, start, end) {
					return 0
				}
				return end
			}
			start += len(w)
			for text[start] == ' ' || text[start] == '\t' {
				start++
			}
		}
		return 0
	})
}
