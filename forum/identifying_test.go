package forum

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// idNow is the day the identifying-details tests run on.
var idNow = time.Date(2026, time.March, 1, 10, 0, 0, 0, time.UTC)

// idWant is a finding as a test states it: kind and text.
type idWant struct {
	Kind IdentifyingKind
	Text string
}

func (w idWant) String() string { return fmt.Sprintf("%s %q", w.Kind, w.Text) }

// checkFindings fails t unless fs are well-formed findings for text with
// exactly the kinds and texts of want, in order.
func checkFindings(t *testing.T, text string, fs []Finding, want []idWant) {
	t.Helper()
	got := make([]idWant, len(fs))
	for i, f := range fs {
		got[i] = idWant{f.Kind, f.Text}
		if f.Start < 0 || f.End > len(text) || f.Start >= f.End || text[f.Start:f.End] != f.Text {
			t.Errorf("finding %v has offsets [%d:%d] that do not hold its text", got[i], f.Start, f.End)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("FindIdentifying(%q)\n got %v\nwant %v", text, got, want)
	}
}

func TestValidNHS(t *testing.T) {
	// The fixtures elsewhere rely on these being valid (or not) by modulus
	// 11, e.g. 9*10+4*9+3*8+4*7+7*6+6*5+5*4+9*3+1*2 = 299, 299 mod 11 = 2,
	// and 11-2 = 9, the last digit of 9434765919.
	for _, tc := range []struct {
		name   string
		number string
		valid  bool
	}{
		{"AcceptsUnspaced", "9434765919", true},
		{"AcceptsSpaced", "943 476 5919", true},
		{"AcceptsDashed", "943-476-5919", true},
		{"AcceptsAnother", "4010232137", true},
		{"AcceptsAThird", "4505577104", true},
		{"RefusesCheckDigitOffByOne", "9434765918", false},
		{"RefusesWrongCheckDigit", "4010232130", false},
		{"RefusesCheckDigitOfTen", "4000000080", false},
		{"RefusesRepeatedDigit", "1111111111", false}, // passes the sum, never issued
		{"RefusesPhoneNumber", "0116496012", false},
		{"RefusesNineDigits", "943476591", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := idValidNHS(tc.number); got != tc.valid {
				t.Errorf("idValidNHS(%q) = %v; want %v", tc.number, got, tc.valid)
			}
		})
	}
}

func TestFindIdentifying(t *testing.T) {
	for _, tc := range []struct {
		name string
		text string
		want []idWant
	}{
		{
			name: "FindsEveryKindInAParentsPost",
			text: "My son Jayden (DOB 03/04/2015) has waited since March for a DSR referral. Call me on 07700 900123 " +
				"or email jay.mum@example.com, we live at LE4 5AB. His NHS number is 943 476 5919.",
			want: []idWant{
				{ChildName, "Jayden"}, {DateOfBirth, "03/04/2015"}, {Phone, "07700 900123"},
				{Email, "jay.mum@example.com"}, {Postcode, "LE4 5AB"}, {NHSNumber, "943 476 5919"},
			},
		},

		// NHS numbers
		{name: "FindsNHSNumberWithoutSpaces", text: "NHS no: 9434765919.", want: []idWant{{NHSNumber, "9434765919"}}},
		{name: "FindsNHSNumberWithDashes", text: "nhs 401-023-2137", want: []idWant{{NHSNumber, "401-023-2137"}}},
		{name: "FindsNHSNumberAfterWords", text: "her number is 450 557 7104 on the letter", want: []idWant{{NHSNumber, "450 557 7104"}}},
		{name: "IgnoresNHSNumberWithWrongCheckDigit", text: "NHS number 943 476 5918", want: nil},
		{name: "TakesInvalidNHSNumberThatIsAPhoneForAPhone", text: "ring 0116496012 after 4", want: []idWant{{Phone, "0116496012"}}},
		{name: "IgnoresTenDigitsInsideALongerNumber", text: "order 94347659190 shipped", want: nil},

		// Phone numbers
		{name: "FindsMobile", text: "text me on 07700900123", want: []idWant{{Phone, "07700900123"}}},
		{name: "FindsMobileWithDashes", text: "07700-900-123 any time", want: []idWant{{Phone, "07700-900-123"}}},
		{name: "FindsMobileInThreeGroups", text: "mob 0770 090 0123.", want: []idWant{{Phone, "0770 090 0123"}}},
		{name: "FindsInternationalMobile", text: "call +44 7700 900123 please", want: []idWant{{Phone, "+44 7700 900123"}}},
		{name: "FindsInternationalWithTrunkZero", text: "call +44 (0)7700 900123", want: []idWant{{Phone, "+44 (0)7700 900123"}}},
		{name: "FindsDoubleZeroInternational", text: "0044 7700 900123", want: []idWant{{Phone, "0044 7700 900123"}}},
		{name: "FindsLandlineWithBrackets", text: "home (0116) 496 0123", want: []idWant{{Phone, "(0116) 496 0123"}}},
		{name: "FindsLondonLandline", text: "on 020 7946 0123 or", want: []idWant{{Phone, "020 7946 0123"}}},
		{name: "Finds03Number", text: "0300 123 4567", want: []idWant{{Phone, "0300 123 4567"}}},
		{name: "IgnoresShortMobile", text: "07700 90012 is wrong", want: nil},
		{name: "IgnoresNHSHelpline", text: "call 111 or 999", want: nil},

		// Emails
		{name: "FindsEmail", text: "email jay.mum@example.com.", want: []idWant{{Email, "jay.mum@example.com"}}},
		{name: "FindsEmailWithPlusAndSubdomain", text: "<a_b+forum@mail.example.co.uk>", want: []idWant{{Email, "a_b+forum@mail.example.co.uk"}}},
		{name: "IgnoresAtSign", text: "see you @ the meeting, @chorus", want: nil},

		// Postcodes
		{name: "FindsPostcode", text: "we're in LE1 6TP", want: []idWant{{Postcode, "LE1 6TP"}}},
		{name: "FindsLondonPostcode", text: "SW1A 1AA, and EC1A 1BB", want: []idWant{{Postcode, "SW1A 1AA"}, {Postcode, "EC1A 1BB"}}},
		{name: "FindsLowerCasePostcode", text: "near m1 1ae station", want: []idWant{{Postcode, "m1 1ae"}}},
		{name: "FindsPostcodeWithoutSpace", text: "postcode le45ab", want: []idWant{{Postcode, "le45ab"}}},
		{name: "IgnoresOutwardCodeAlone", text: "anyone else in LE4 or LE5?", want: nil},
		{name: "IgnoresPostcodeShapeOutsideAnyArea", text: "code QQ1 1AA", want: nil},

		// Dates of birth
		{name: "FindsSlashDate", text: "born 12/03/2014", want: []idWant{{DateOfBirth, "12/03/2014"}}},
		{name: "FindsTwoDigitYear", text: "dob 12-03-14", want: []idWant{{DateOfBirth, "12-03-14"}}},
		{name: "FindsDottedDate", text: "12.03.2014", want: []idWant{{DateOfBirth, "12.03.2014"}}},
		{name: "FindsDayMonthYear", text: "on 12 March 2014 he", want: []idWant{{DateOfBirth, "12 March 2014"}}},
		{name: "FindsOrdinalOfMonth", text: "born on the 12th of March, 2014.", want: []idWant{{DateOfBirth, "12th of March, 2014"}}},
		{name: "FindsMonthDayYear", text: "March 12th 2014", want: []idWant{{DateOfBirth, "March 12th 2014"}}},
		{name: "FindsAbbreviatedMonth", text: "DOB: 5 Sept 2019", want: []idWant{{DateOfBirth, "5 Sept 2019"}}},
		{name: "FindsMonthFirstNumericDate", text: "12/25/2014", want: []idWant{{DateOfBirth, "12/25/2014"}}},
		{name: "FindsISODate", text: "date of birth 2014-03-12", want: []idWant{{DateOfBirth, "2014-03-12"}}},
		{name: "FindsDayMonthAfterBorn", text: "She was born on 3rd April.", want: []idWant{{DateOfBirth, "3rd April"}}},
		{name: "FindsMonthYearAfterBorn", text: "born in March 2014", want: []idWant{{DateOfBirth, "March 2014"}}},
		{name: "FindsNumericDayMonthAfterDOB", text: "(D.O.B. 03/04)", want: []idWant{{DateOfBirth, "03/04"}}},
		{name: "FindsLeapDayBirthday", text: "his birthday is 29 February", want: []idWant{{DateOfBirth, "29 February"}}},
		{name: "FindsToday", text: "born 01/03/2026", want: []idWant{{DateOfBirth, "01/03/2026"}}},
		{name: "FindsDateBesideAName", text: "Jayden, 12/03/2014, was seen", want: []idWant{{DateOfBirth, "12/03/2014"}}},
		{name: "FindsDateAfterBornDespiteEventWords", text: "referred since he was born on 12/03/2014", want: []idWant{{DateOfBirth, "12/03/2014"}}},
		{name: "IgnoresDatesOfEvents", text: "The DSR meeting was on 14/02/2025. She was admitted to hospital on 3 January 2025. " +
			"Waiting since 01/09/2023. The CTR happened on 12.11.2024 and the ticket was closed on 2024-12-01.", want: nil},
		{name: "IgnoresFutureDate", text: "appointment on 12/03/2026", want: nil},
		{name: "IgnoresDateBefore1900", text: "founded 12/03/1850", want: nil},
		{name: "IgnoresImpossibleDate", text: "31/02/2014 and 13/13/2014", want: nil},
		{name: "IgnoresMonthYearWithoutBirth", text: "we asked in May 2019 and since March", want: nil},
		{name: "IgnoresDayMonthWithoutBirth", text: "the panel meets on 3 April", want: nil},
		{name: "IgnoresFraction", text: "24/7 care and 1/2 a day", want: nil},
		{name: "IgnoresVersionAndTime", text: "app 1.12.03.2014 at 10.30", want: nil},
		{name: "IgnoresMayAsAVerb", text: "we may 2 weeks", want: nil},

		// Children's names
		{name: "FindsNameAfterMySon", text: "my son Jayden has autism", want: []idWant{{ChildName, "Jayden"}}},
		{name: "FindsHyphenatedNameBetweenCommas", text: "my daughter, Amelia-Rose, is 9", want: []idWant{{ChildName, "Amelia-Rose"}}},
		{name: "FindsNameAfterNameIs", text: "My son's name is Tyler.", want: []idWant{{ChildName, "Tyler"}}},
		{name: "FindsNameAfterCalled", text: "a little boy called Sam", want: []idWant{{ChildName, "Sam"}}},
		{name: "FindsNameAfterIsNamed", text: "she is named Grace", want: []idWant{{ChildName, "Grace"}}},
		{name: "FindsFullName", text: "my grandson Oliver Smith, 6", want: []idWant{{ChildName, "Oliver Smith"}}},
		{name: "FindsNameAfterAge", text: "my 7 year old son Leo", want: []idWant{{ChildName, "Leo"}}},
		{name: "FindsNameInBrackets", text: "our daughter (Zoë) can't", want: []idWant{{ChildName, "Zoë"}}},
		{name: "FindsPolishName", text: "my son Łukasz", want: []idWant{{ChildName, "Łukasz"}}},
		{name: "FindsIrishName", text: "my boy O'Brien-Kelly's", want: []idWant{{ChildName, "O'Brien-Kelly"}}},
		{name: "FindsTwins", text: "our twins Amy and Beth", want: []idWant{{ChildName, "Amy"}, {ChildName, "Beth"}}},
		{name: "FindsSibling", text: "his little sister Maisie", want: []idWant{{ChildName, "Maisie"}}},
		{name: "FindsNameWithoutMy", text: "My eldest son Harry, 15, and youngest daughter Ella, 9.", want: []idWant{{ChildName, "Harry"}, {ChildName, "Ella"}}},
		{name: "FindsNameBetweenDashes", text: "My son - Kai - is 12", want: []idWant{{ChildName, "Kai"}}},
		{name: "FindsThreePartName", text: "my son Mohammed Ali Khan is 12", want: []idWant{{ChildName, "Mohammed Ali Khan"}}},
		{name: "FindsNameEndingATitle", text: "Waiting List For My Son Jayden", want: []idWant{{ChildName, "Jayden"}}},
		{name: "IgnoresWordsInATitle", text: "My Daughter Needs A Keyworker; My Son Lives In Residential; My Son Jayden Has Autism", want: nil},
		{name: "IgnoresOrdinaryWordsAfterMySon", text: "my son has autism, my son is 7, my son and I", want: nil},
		{name: "IgnoresCapitalisedWordsAfterMySon", text: "My son. He is 7. My daughter Has", want: nil},
		{name: "IgnoresMonthAfterMySon", text: "for my son January was hard", want: nil},
		{name: "IgnoresCalledAsAVerb", text: "he called CAMHS and she called Social Services", want: nil},
		{name: "IgnoresLowerCaseName", text: "my son jayden", want: nil}, // cannot tell from "my son has"
		{name: "IgnoresPossessive", text: "my son's school", want: nil},

		// Schools
		{name: "FindsSchool", text: "he goes to Oakfield Primary School now", want: []idWant{{SchoolName, "Oakfield Primary School"}}},
		{name: "FindsChurchSchool", text: "St Mary's C of E Primary School", want: []idWant{{SchoolName, "St Mary's C of E Primary School"}}},
		{name: "FindsAcademyInBrackets", text: "(Beaumont Leys Academy)", want: []idWant{{SchoolName, "Beaumont Leys Academy"}}},
		{name: "FindsSchoolInTitleCase", text: "Lack Of Support At Oakfield Academy", want: []idWant{{SchoolName, "Oakfield Academy"}}},
		{name: "IgnoresGenericSchool", text: "The Special School and a Secondary School, the SEN School, Our School", want: nil},
		{name: "IgnoresSchoolAlone", text: "School refused.", want: nil},

		// Plain numbers and amounts
		{name: "IgnoresPlainNumbers", text: "I waited 10 weeks, paid £1200 (£1,200.50), 28 days, 2019, and in 2021 we asked again", want: nil},
		{name: "IgnoresReferenceNumbers", text: "ref 12345678 and case 123456", want: nil},
		{name: "IgnoresRanges", text: "1-2 weeks, aged 10-12, Year 6", want: nil},

		{
			name: "IgnoresAnOrdinaryPost",
			text: "We were referred to CAMHS in September 2023 and it took 18 months to get an assessment. " +
				"My son is 14 and has been out of school since Easter 2024. The LA said the EHCP would be finalised in 20 weeks. " +
				"Our keyworker left in June and we have had no contact since. I called the service 6 times. " +
				"Respite has been cut from 48 nights a year to 12. We pay £35 an hour for a carer. " +
				"Transport to school was withdrawn in Year 9. My boy is 6ft tall and 15 stone, he needs 2:1 support. " +
				"Nearly 1 in 3 families said 5-10 times; 45% of respondents. The meeting is on Tuesday 10 March at 10:30. " +
				"He called the keyworker. Great Ormond Street Hospital said no. The Royal College of Psychiatrists agrees. " +
				"March was awful. May was better. My son was born premature at 28 weeks in 2012. Call 111, or 0800 1111.",
			want: nil,
		},

		// Other scripts
		{
			name: "FindsDetailsInUrduText",
			text: "میرا بیٹا سات سال کا ہے۔ میرا نمبر 07700 900123 ہے اور ای میل amina@example.org 😀",
			want: []idWant{{Phone, "07700 900123"}, {Email, "amina@example.org"}},
		},
		{
			name: "FindsDetailsInPolishText",
			text: "Mój syn ma 7 lat 📞 tel. +44 7700 900123, kod LE1 6TP. Urodzony 12.03.2014 r.",
			want: []idWant{{Phone, "+44 7700 900123"}, {Postcode, "LE1 6TP"}, {DateOfBirth, "12.03.2014"}},
		},
		{name: "IgnoresLettersGluedToDigits", text: "ب07700900123ب", want: nil},
		{name: "FindsNothingInEmptyText", text: "", want: nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkFindings(t, tc.text, FindIdentifying(tc.text, idNow), tc.want)
		})
	}
}

func TestFindIdentifyingZeroNowFindsNoDates(t *testing.T) {
	text := "DOB 03/04/2015, call 07700 900123"
	checkFindings(t, text, FindIdentifying(text, time.Time{}), []idWant{{Phone, "07700 900123"}})
}

func TestFindIdentifyingTwoDigitYearIsNeverInTheFuture(t *testing.T) {
	text := "dob 01/01/30"
	got := FindIdentifying(text, idNow)
	checkFindings(t, text, got, []idWant{{DateOfBirth, "01/01/30"}}) // 1930, not 2030
}

func TestRemoveIdentifying(t *testing.T) {
	text := "My son Jayden (DOB 03/04/2015) has waited since March for a DSR referral. Call me on 07700 900123 " +
		"or email jay.mum@example.com, we live at LE4 5AB. His NHS number is 943 476 5919."
	all := FindIdentifying(text, idNow)
	for _, tc := range []struct {
		name     string
		text     string
		findings []Finding
		want     string
	}{
		{
			name:     "RemovesEveryFinding",
			text:     text,
			findings: all,
			want: "My son [removed] (DOB [removed]) has waited since March for a DSR referral. Call me on [removed] " +
				"or email [removed], we live at [removed]. His NHS number is [removed].",
		},
		{
			name:     "RemovesOnlyTheChosenFindings",
			text:     text,
			findings: []Finding{all[0], all[5]},
			want: "My son [removed] (DOB 03/04/2015) has waited since March for a DSR referral. Call me on 07700 900123 " +
				"or email jay.mum@example.com, we live at LE4 5AB. His NHS number is [removed].",
		},
		{
			name:     "RemovesFindingsGivenOutOfOrder",
			text:     "a 07700 900123 b LE4 5AB c",
			findings: []Finding{{Postcode, 17, 24, "LE4 5AB"}, {Phone, 2, 14, "07700 900123"}},
			want:     "a [removed] b [removed] c",
		},
		{
			name:     "LeavesTextWithoutFindingsAlone",
			text:     text,
			findings: nil,
			want:     text,
		},
		{
			name: "SkipsStaleOutOfRangeAndOverlappingFindings",
			text: "call 07700 900123 now",
			findings: []Finding{
				{Phone, 5, 17, "07700 900123"},
				{Phone, 6, 17, "7700 900123"},     // overlaps the first
				{Email, 18, 21, "old"},            // the text has changed
				{Postcode, 19, 40, "ow and more"}, // out of range
				{Phone, 3, 3, ""},                 // empty
			},
			want: "call [removed] now",
		},
		{
			name:     "KeepsOtherScriptsIntact",
			text:     "میرا نمبر 07700 900123 ہے 😀",
			findings: FindIdentifying("میرا نمبر 07700 900123 ہے 😀", idNow),
			want:     "میرا نمبر [removed] ہے 😀",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := RemoveIdentifying(tc.text, tc.findings, "[removed]"); got != tc.want {
				t.Errorf("RemoveIdentifying\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// checkFindingInvariants fails t unless fs are in range, on rune
// boundaries, ordered and not overlapping, and their removal leaves valid
// UTF-8 when text was valid.
func checkFindingInvariants(t *testing.T, text string, fs []Finding) {
	t.Helper()
	valid := utf8.ValidString(text) // in invalid UTF-8, a stray byte is a character of its own
	last := 0
	for _, f := range fs {
		if f.Start < last || f.End <= f.Start || f.End > len(text) {
			t.Fatalf("FindIdentifying(%q): finding %+v out of order, empty or out of range", text, f)
		}
		if text[f.Start:f.End] != f.Text {
			t.Fatalf("FindIdentifying(%q): finding %+v does not hold its text", text, f)
		}
		if valid && (!utf8.RuneStart(text[f.Start]) || f.End < len(text) && !utf8.RuneStart(text[f.End])) {
			t.Fatalf("FindIdentifying(%q): finding %+v splits a character", text, f)
		}
		last = f.End
	}
	out := RemoveIdentifying(text, fs, "[removed]")
	if valid && !utf8.ValidString(out) {
		t.Fatalf("RemoveIdentifying(%q) = %q; not valid UTF-8", text, out)
	}
	if len(fs) > 0 && strings.Count(out, "[removed]") < len(fs) {
		t.Fatalf("RemoveIdentifying(%q) = %q; want %d placeholders", text, out, len(fs))
	}
}

func FuzzFindIdentifying(f *testing.F) {
	for _, s := range []string{
		"My son Jayden (DOB 03/04/2015) has waited since March. Call 07700 900123, jay.mum@example.com, LE4 5AB, 943 476 5919.",
		"میرا بیٹا 07700900123 😀 amina@example.org",
		"Mój syn Łukasz, ur. 12.03.2014, +44 (0)7700 900123",
		"St Mary's C of E Primary School, our twins Amy and Beth, born in March 2014",
		"2014-03-12 12/25/2014 (0116) 496 0123 0044 7700 900123 m1 1ae SW1A1AA",
		"\xff\xfe 07700\xff900123 my son \xc3",
		"0100000000\x80",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		checkFindingInvariants(t, text, FindIdentifying(text, idNow))
	})
}

func BenchmarkFindIdentifying(b *testing.B) {
	text := strings.Repeat("My son Jayden (DOB 03/04/2015) has waited since March 2024 for a DSR referral after 10 weeks. "+
		"Call me on 07700 900123 or email jay.mum@example.com, we live at LE4 5AB. His NHS number is 943 476 5919. "+
		"Oakfield Primary School said they cannot help until the EHCP is done. ", 4)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		FindIdentifying(text, idNow)
	}
}
