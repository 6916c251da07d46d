package forum

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
)

// simForum is a forum's open issues, as families write them.
var simForum = []Candidate{
	{ID: "dsr-months", Title: "Dynamic Support Register referrals take months",
		Text: "We asked for our son to go on the DSR in January. Nobody has told us whether the referral was even received, and the keyworker service says it cannot start until he is on it."},
	{ID: "dsr-times", Title: "DSR referral waiting times",
		Text: "How long is everyone waiting after a referral to the Dynamic Support Register? We have heard nothing for 14 weeks."},
	{ID: "parking", Title: "Parking at the clinic is impossible",
		Text: "The car park at the child development centre is always full and we miss appointments driving round. Blue badge spaces are taken by staff."},
	{ID: "camhs-wait", Title: "CAMHS waiting list over two years",
		Text: "My daughter was referred to Child and Adolescent Mental Health Services in 2023 and is still on the waiting list for an assessment."},
	{ID: "ehcp-late", Title: "EHCP not finalised in 20 weeks",
		Text: "The local authority missed the legal deadline for the Education, Health and Care Plan. The school cannot get funding for a one to one."},
	{ID: "respite", Title: "Respite nights cut without warning",
		Text: "Short breaks have gone from 48 nights a year to 12 and nobody asked families first."},
	{ID: "keyworker-left", Title: "Keyworker left and no replacement",
		Text: "Our keyworker moved on in June. We have had no contact since and do not know who to call in a crisis."},
	{ID: "transport", Title: "School transport withdrawn at 16",
		Text: "Home to school transport stopped when he turned 16 and the college is 12 miles away."},
	{ID: "ctr-actions", Title: "Actions from Care and Treatment Reviews never happen",
		Text: "Every CTR agrees actions but at the next review nothing has been done."},
	{ID: "dentist", Title: "No dentist will see autistic children",
		Text: "We have waited over a year for a dentist who can manage sensory needs."},
	{ID: "crisis-line", Title: "Crisis line does not understand autism",
		Text: "When we rang the crisis line they told us to calm him down and hung up."},
	{ID: "urdu-wait", Title: "انتظار کی فہرست بہت لمبی ہے",
		Text: "میرے بیٹے کا ریفرل دو سال سے انتظار میں ہے۔"},
	{ID: "urdu-school", Title: "اسکول بس نہیں آتی",
		Text: "اسکول کی بس پچھلے مہینے سے بند ہے۔"},
}

// simIDs returns the IDs of ms, in order.
func simIDs(ms []Match) []string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return ids
}

func TestSimilar(t *testing.T) {
	for _, tc := range []struct {
		name        string
		title, text string
		want        []string // the matches, most similar first
	}{
		{
			name:  "MatchesDSRReferralIssues",
			title: "Waiting list for DSR referral",
			want:  []string{"dsr-times", "dsr-months"},
		},
		{
			name:  "MatchesAcronymToItsLongName",
			title: "Dynamic support register",
			text:  "Is anyone else stuck?",
			want:  []string{"dsr-months", "dsr-times"},
		},
		{
			name:  "MatchesDespiteMarkdownAndCapitals",
			title: "**CAMHS** waiting-list",
			text:  "_Two years_ on the **waiting list** for an ASSESSMENT.",
			want:  []string{"camhs-wait"},
		},
		{
			name:  "MatchesLongNameToItsAcronym",
			title: "Education health and care plan deadline missed",
			want:  []string{"ehcp-late"},
		},
		{
			name:  "MatchesInflectedWords",
			title: "Respite night cuts",
			text:  "They are cutting respite.",
			want:  []string{"respite"},
		},
		{
			name:  "MatchesIdenticalUrduWords",
			title: "انتظار کی فہرست",
			text:  "ریفرل ابھی تک انتظار میں",
			want:  []string{"urdu-wait"},
		},
		{
			name:  "MatchesUrduTypedWithArabicLetters",
			title: "اسكول بس", // Arabic kaf, as some keyboards type it
			want:  []string{"urdu-school"},
		},
		{
			name:  "LeavesOutIssuesSharingOneCommonWord",
			title: "Waiting for a wheelchair assessment",
			text:  "Wheelchair services say 40 weeks.",
			want:  nil,
		},
		{
			name:  "MatchesOnOneTellingWord",
			title: "Parking at the hospital",
			text:  "Nowhere to park when visiting the ward.",
			want:  []string{"parking"},
		},
		{
			name:  "LeavesOutIssuesSharingOnlyAutism",
			title: "Crisis team don't get autism",
			text:  "Calling the crisis number was useless",
			want:  []string{"crisis-line"},
		},
		{
			name:  "LeavesOutIssuesSharingOnlyWaiting",
			title: "Long wait for everything",
			text:  "We wait months for every appointment and every assessment.",
			want:  nil,
		},
		{
			name:  "FindsNothingForANewTopic",
			title: "Hydrotherapy pool closed",
			text:  "The pool at the special school has shut for good.",
			want:  nil,
		},
		{
			name:  "FindsNothingForStopwordsAlone",
			title: "My son and my daughter",
			text:  "It is what it is, and we are still here.",
			want:  nil,
		},
		{
			name: "FindsNothingForAnEmptyDraft",
			want: nil,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Similar(tc.title, tc.text, simForum, 5)
			if !slices.Equal(simIDs(got), tc.want) {
				t.Errorf("Similar(%q, %q) = %v; want %v", tc.title, tc.text, got, tc.want)
			}
			for _, m := range got {
				if m.Score < SimilarThreshold || m.Score > 1 {
					t.Errorf("Similar(%q): score %v of %s is outside [%v, 1]", tc.title, m.Score, m.ID, SimilarThreshold)
				}
			}
		})
	}
}

func TestSimilarComparesWordsInAnyScript(t *testing.T) {
	cands := []Candidate{
		{ID: "polish", Title: "Brak opieki wytchnieniowej w Łodzi"},
		{ID: "composed", Title: "Sensory café closed"},
		{ID: "urdu", Title: "اسکول بس نہیں آتی"},
		{ID: "parking", Title: "Parking at the clinic is impossible"},
	}
	for _, tc := range []struct {
		name, title string
		want        []string
	}{
		{"MatchesPolishInCapitals", "OPIEKI WYTCHNIENIOWEJ ŁODZI", []string{"polish"}},
		{"MatchesDecomposedAccents", "sensory café", []string{"composed"}},
		{"MatchesUrduWithDiacritics", "اسکُول بَس", []string{"urdu"}}, // with pesh and zabar
		{"MatchesNothingInEmoji", "😀😀 🙏", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Similar(tc.title, "", cands, 5); !slices.Equal(simIDs(got), tc.want) {
				t.Errorf("Similar(%q) = %v; want %v", tc.title, got, tc.want)
			}
		})
	}
}

func TestSimilarDoesNotMatchParkingForDSR(t *testing.T) {
	for _, m := range Similar("Waiting list for DSR referral", "", simForum, 100) {
		if m.ID == "parking" {
			t.Fatalf("Similar matched %q (score %v); want it left out", m.ID, m.Score)
		}
	}
}

func TestSimilarScoresAnIdenticalIssueOne(t *testing.T) {
	c := simForum[0]
	got := Similar(c.Title, c.Text, simForum, 1)
	if len(got) != 1 || got[0].ID != c.ID || got[0].Score < 0.999 || got[0].Score > 1 {
		t.Fatalf("Similar(an existing issue) = %v; want it first with score 1", got)
	}
}

func TestSimilarLimit(t *testing.T) {
	for _, tc := range []struct {
		name  string
		limit int
		want  int
	}{
		{"ReturnsNoneForZero", 0, 0},
		{"ReturnsNoneForNegative", -1, 0},
		{"ReturnsUpToLimit", 1, 1},
		{"ReturnsAllAboveThreshold", 10, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Similar("DSR referral waiting", "", simForum, tc.limit); len(got) != tc.want {
				t.Fatalf("Similar(limit %d) = %v; want %d matches", tc.limit, got, tc.want)
			}
		})
	}
}

func TestSimilarBreaksTiesByID(t *testing.T) {
	cands := []Candidate{
		{ID: "c", Title: "Respite nights cut"},
		{ID: "a", Title: "Respite nights cut"},
		{ID: "b", Title: "Respite nights cut"},
		{ID: "z", Title: "Parking at the clinic"},
	}
	got := Similar("Respite nights cut", "", cands, 10)
	if want := []string{"a", "b", "c"}; !slices.Equal(simIDs(got), want) {
		t.Fatalf("Similar = %v; want %v", got, want)
	}
}

func TestSimilarIgnoresCandidateOrder(t *testing.T) {
	want := Similar("Waiting list for DSR referral", "Months on the register waiting list", simForum, 10)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 20 {
		cands := slices.Clone(simForum)
		r.Shuffle(len(cands), func(i, j int) { cands[i], cands[j] = cands[j], cands[i] })
		if got := Similar("Waiting list for DSR referral", "Months on the register waiting list", cands, 10); !slices.Equal(got, want) {
			t.Fatalf("shuffle %d: Similar = %v; want %v", i, got, want)
		}
	}
}

func TestSimilarConcurrently(t *testing.T) {
	want := Similar("Waiting list for DSR referral", "", simForum, 5)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 50 {
				// Interleave drafts, so that a reused corpus that kept
				// anything from another call would show.
				Similar(fmt.Sprintf("Respite nights %d", i), "", simForum, 5)
				if got := Similar("Waiting list for DSR referral", "", simForum, 5); !slices.Equal(got, want) {
					t.Errorf("Similar = %v; want %v", got, want)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestSimilarWithNoCandidates(t *testing.T) {
	if got := Similar("DSR referral", "", nil, 5); got != nil {
		t.Fatalf("Similar(no candidates) = %v; want nil", got)
	}
}

func TestSimStem(t *testing.T) {
	for _, tc := range []struct{ word, want string }{
		{"referrals", "referral"},
		{"referral", "referral"},
		{"waiting", "wait"},
		{"waited", "wait"},
		{"waits", "wait"},
		{"families", "famili"},
		{"family", "famili"},
		{"services", "service"},
		{"caring", "care"},
		{"cared", "care"},
		{"hopping", "hop"},
		{"hoping", "hope"},
		{"agreed", "agree"},
		{"need", "need"},
		{"needed", "need"},
		{"classes", "class"},
		{"diagnosis", "diagnosis"},
		{"bus", "bus"},
		{"parking", "park"},
		{"rated", "rate"},
		{"filling", "fill"},
		{"dsr", "dsr"},
		{"day", "dai"},
		{"days", "dai"},
		{"delayed", "delai"},
		{"delays", "delai"},
		{"timing", "time"},
		{"times", "time"},
		{"being", "be"},
		{"thing", "thing"},
		{"ریفرل", "ریفرل"},
	} {
		if got := simStem(tc.word); got != tc.want {
			t.Errorf("simStem(%q) = %q; want %q", tc.word, got, tc.want)
		}
	}
}

// simBenchForum makes n realistic open issues from parts families use.
func simBenchForum(n int) []Candidate {
	subjects := []string{"DSR referral", "CAMHS assessment", "EHCP annual review", "keyworker", "respite",
		"short breaks", "school transport", "speech and language therapy", "occupational therapy",
		"autism diagnosis", "ADHD medication", "crisis support", "Care and Treatment Review", "dentist",
		"sleep clinic", "wheelchair service", "direct payments", "personal budget", "social worker",
		"hospital admission", "inpatient unit", "community nursing", "transition to adult services",
		"sensory processing", "home education", "school exclusion", "part-time timetable", "SENCO",
		"educational psychologist", "parking at the clinic", "blue badge", "carer's assessment"}
	problems := []string{"waiting list over a year", "nobody replies", "cancelled again", "cut without warning",
		"not happening", "delayed for months", "refused", "lost our paperwork", "no one in charge",
		"too far away", "staff do not understand autism", "no contact since June"}
	sentences := []string{
		"We were referred in the spring and have heard nothing since.",
		"Every time I ring I am told to wait for a letter that never comes.",
		"My son is 14 and has been out of school for most of this year.",
		"The local authority says it is the NHS and the NHS says it is the local authority.",
		"Other families at the support group have the same problem.",
		"We have had three different social workers in twelve months.",
		"The appointment was 40 miles away and we had to take two buses.",
		"Nobody explained what happens next or who we should contact.",
		"She cannot cope with the noise in the waiting room.",
		"The plan was agreed at the meeting but none of the actions have been done.",
		"We need someone who will listen to what our daughter is telling us.",
		"I have written to the complaints team and to our councillor.",
	}
	r := rand.New(rand.NewPCG(7, 11))
	cands := make([]Candidate, n)
	for i := range cands {
		var text strings.Builder
		for range 3 + r.IntN(5) {
			text.WriteString(sentences[r.IntN(len(sentences))])
			text.WriteByte(' ')
		}
		cands[i] = Candidate{
			ID:    fmt.Sprintf("issue-%04d", i),
			Title: subjects[r.IntN(len(subjects))] + " " + problems[r.IntN(len(problems))],
			Text:  text.String(),
		}
	}
	return cands
}

func BenchmarkSimilar(b *testing.B) {
	cands := simBenchForum(1000)
	var size int
	for _, c := range cands {
		size += len(c.Title) + len(c.Text)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		Similar("Waiting list for DSR referral", "We have been waiting months to hear if our son is on the Dynamic Support Register.", cands, 5)
	}
}

func FuzzSimilar(f *testing.F) {
	f.Add("Waiting list for DSR referral", "Months on the register")
	f.Add("انتظار کی فہرست", "ریفرل\u064e\u0640")
	f.Add("\xff\xfeCAMHS", "care and treatment review review review")
	f.Fuzz(func(t *testing.T, title, text string) {
		got := Similar(title, text, simForum, 3)
		if len(got) > 3 {
			t.Fatalf("Similar = %v; want at most 3", got)
		}
		for i, m := range got {
			if m.Score < SimilarThreshold || m.Score > 1 || i > 0 && m.Score > got[i-1].Score {
				t.Fatalf("Similar = %v; scores out of range or order", got)
			}
		}
	})
}
