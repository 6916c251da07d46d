package forum

import (
	"math"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Candidate is an existing issue to compare against.
type Candidate struct{ ID, Title, Text string }

// Match is a candidate that resembles the draft, with a score in (0,1].
type Match struct {
	ID    string
	Score float64
}

// SimilarThreshold is the lowest score Similar reports. Scores are the cosine
// of TF-IDF vectors: sharing a common word or two ("waiting list",
// "autism") with an issue about something else stays below it, while
// sharing the words that name the subject ("DSR referral", "respite") clears
// it.
const SimilarThreshold = 0.25

// simTextLimit is how much of a text Similar reads, in bytes. The opening of
// an issue says what it is about; the cap keeps a forum of long issues as
// quick to compare as one of short ones.
const simTextLimit = 3000

// simTitleWeight is how much more a word counts in a title than in the text:
// a title says what an issue is about, the text says a lot else besides.
const simTitleWeight = 3

// Similar returns up to limit candidates resembling a draft's title and text,
// most similar first (ties by ID), leaving out those scoring below
// SimilarThreshold. A score is the cosine similarity of the TF-IDF vectors
// of the draft and a candidate, with document frequencies taken over the
// candidates; title words count three times, and words of grievance common
// to every service ("waiting", "months") half. Words are compared
// lower-cased, without common English words, and with plural, -ing and -ed
// endings removed, so "referrals" meets "referral" and "waiting" meets
// "wait"; a few long names meet their acronyms ("Dynamic Support Register"
// and "DSR"). Words in any script count; Urdu and Arabic spellings that
// differ only in the code points used for the same letter are one word.
// Only the first 3,000 bytes of each text are read. It is safe for
// concurrent use.
func Similar(title, text string, candidates []Candidate, limit int) []Match {
	if limit <= 0 || len(candidates) == 0 {
		return nil
	}
	c := simCorpora.Get().(*simCorpus)
	defer c.release()
	c.bag(title, text, false)
	if len(c.flat) == 0 {
		return nil // nothing but common words, or nothing at all
	}
	// Every candidate's terms, one after another: candidate i's are
	// c.flat[ends[i]:ends[i+1]].
	ends := make([]int, len(candidates)+1)
	ends[0] = len(c.flat)
	for i, cand := range candidates {
		c.bag(cand.Title, cand.Text, true)
		ends[i+1] = len(c.flat)
	}
	query := c.flat[:ends[0]]

	// Smoothed IDF (never zero), so that with only a handful of candidates
	// shared words still count.
	n := float64(len(candidates) + 1)
	idf := make([]float64, len(c.df))
	for id, df := range c.df {
		idf[id] = math.Log(n/float64(df+1)) + 1
	}
	qw := make([]float64, len(c.df))
	var qn float64
	for _, t := range query {
		w := t.w * idf[t.id]
		qw[t.id] = w
		qn += w * w
	}
	qn = math.Sqrt(qn)

	var out []Match
	for i := range candidates {
		var dot, dn float64
		for _, t := range c.flat[ends[i]:ends[i+1]] {
			w := t.w * idf[t.id]
			dot += w * qw[t.id]
			dn += w * w
		}
		if dot == 0 {
			continue
		}
		score := min(dot/(qn*math.Sqrt(dn)), 1)
		if score >= SimilarThreshold {
			out = append(out, Match{ID: candidates[i].ID, Score: score})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].ID < out[j].ID
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// simTerm is one term of a bag of words and its weight there.
type simTerm struct {
	id int32
	w  float64
}

// simCorpus numbers the terms met in one call of Similar and counts the
// candidates each appears in.
type simCorpus struct {
	words simWordTable     // a word as typed, lower-cased, to its term; -1 if ignored
	terms map[string]int32 // a stemmed term to its number
	flat  []simTerm        // the bags made so far, one after another
	df    []int32          // by term, how many candidates hold it
	scale []float64        // by term, simWeakWeight for weak words, else 1
	// phrases hold the term numbers of simPhrases' words and acronyms.
	phrases []simPhraseIDs
	// Scratch for bag.
	buf     []byte
	counts  []float64
	touched []int32
	recent  []int32
}

type simPhraseIDs struct {
	words   []int32
	acronym int32
}

// simCorpora keeps corpora between calls of Similar: their tables, once
// grown to a forum's vocabulary, are cleared rather than rebuilt.
var simCorpora = sync.Pool{New: func() any { return newSimCorpus() }}

func newSimCorpus() *simCorpus {
	c := &simCorpus{terms: make(map[string]int32, 512)}
	c.start()
	return c
}

// start numbers the words of simPhrases' names and acronyms first.
func (c *simCorpus) start() {
	c.phrases = c.phrases[:0]
	for _, p := range simPhraseTerms {
		ids := simPhraseIDs{acronym: c.term(p.acronym)}
		for _, w := range p.words {
			ids.words = append(ids.words, c.term(w))
		}
		c.phrases = append(c.phrases, ids)
	}
}

// release empties c, keeping its memory, and puts it back in simCorpora.
func (c *simCorpus) release() {
	c.words.reset()
	clear(c.terms)
	c.flat, c.df, c.scale = c.flat[:0], c.df[:0], c.scale[:0]
	c.start()
	simCorpora.Put(c)
}

// term returns the number of a stemmed term, adding it if new.
func (c *simCorpus) term(t string) int32 {
	if id, ok := c.terms[t]; ok {
		return id
	}
	id := int32(len(c.df))
	c.terms[t] = id
	c.df = append(c.df, 0)
	scale := 1.0
	if simWeakWords[t] {
		scale = simWeakWeight
	}
	c.scale = append(c.scale, scale)
	return id
}

// bag appends the weighted terms of a title and text to c.flat. Weights are
// 1+ln(count), with title words counted simTitleWeight times. When
// counted, each term's candidate count goes up by one.
func (c *simCorpus) bag(title, text string, counted bool) {
	c.touched = c.touched[:0]
	c.scan(title, simTitleWeight)
	if len(text) > simTextLimit {
		cut := simTextLimit
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	c.scan(text, 1)
	for _, id := range c.touched {
		c.flat = append(c.flat, simTerm{id: id, w: (1 + math.Log(c.counts[id])) * c.scale[id]})
		c.counts[id] = 0
		if counted {
			c.df[id]++
		}
	}
}

// add counts term id with weight w in the bag being built.
func (c *simCorpus) add(id int32, w float64) {
	for int(id) >= len(c.counts) {
		c.counts = append(c.counts, 0)
	}
	if c.counts[id] == 0 {
		c.touched = append(c.touched, id)
	}
	c.counts[id] += w
}

// scan splits s into words (runs of letters, marks and digits), and adds each
// word's term to the bag.
func (c *simCorpus) scan(s string, w float64) {
	c.recent = c.recent[:0]
	buf, h, ascii := c.buf[:0], uint64(simHashStart), true
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			i++
			if l := simASCII[b]; l != 0 {
				buf = append(buf, l)
				h = (h ^ uint64(l)) * simHashPrime
				continue
			}
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			i += size
			if simIgnorable(r) {
				continue // inside a word, but says nothing about it
			}
			if unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r) {
				n := len(buf)
				buf = utf8.AppendRune(buf, simFold(unicode.ToLower(r)))
				for _, x := range buf[n:] {
					h = (h ^ uint64(x)) * simHashPrime
				}
				ascii = false
				continue
			}
		}
		if len(buf) > 0 {
			c.word(buf, h, ascii, w)
		}
		buf, h, ascii = buf[:0], simHashStart, true
	}
	if len(buf) > 0 {
		c.word(buf, h, ascii, w)
	}
	c.buf = buf[:0]
}

// simASCII maps ASCII letters and digits to their lower case, anything else
// to 0.
var simASCII = func() (t [utf8.RuneSelf]byte) {
	for c := byte('0'); c <= '9'; c++ {
		t[c] = c
	}
	for c := byte('a'); c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = c, c
	}
	return t
}()

// word adds a lower-cased word's term to the bag, then the acronym of any
// phrase it completes. h is the word's simHash; ascii says whether it is all
// ASCII, and so certainly in Unicode normal form C.
func (c *simCorpus) word(b []byte, h uint64, ascii bool, w float64) {
	if !ascii && !norm.NFC.IsNormal(b) {
		b = norm.NFC.Append(nil, b...)
		h = simHash(b)
	}
	id, ok := c.words.get(h, b)
	if !ok {
		id = -1
		if t, keep := simNormalize(string(b)); keep {
			id = c.term(t)
		}
		c.words.put(h, b, id)
	}
	if id < 0 {
		return
	}
	c.add(id, w)
	c.recent = append(c.recent, id)
	for _, p := range c.phrases {
		n := len(p.words)
		if id == p.words[n-1] && len(c.recent) >= n && simEqual(c.recent[len(c.recent)-n:], p.words) {
			c.add(p.acronym, w)
		}
	}
	if len(c.recent) > 8 {
		c.recent = append(c.recent[:0], c.recent[len(c.recent)-4:]...)
	}
}

// simWordTable maps words to terms. Similar looks up every word of every
// candidate in it, and an open-addressing table over one byte arena does
// that several times faster than a map[string]int32 that allocates each key.
type simWordTable struct {
	slots []simSlot // a power of two long, at most half full
	n     int
	arena []byte
}

type simSlot struct {
	hash     uint64
	off, len int32
	id       int32
	used     bool
}

// simHash is FNV-1a, which scan also computes as it reads each word.
func simHash(b []byte) uint64 {
	h := uint64(simHashStart)
	for _, c := range b {
		h = (h ^ uint64(c)) * simHashPrime
	}
	return h
}

const (
	simHashStart = 14695981039346656037
	simHashPrime = 1099511628211
)

func (t *simWordTable) reset() {
	clear(t.slots)
	t.n, t.arena = 0, t.arena[:0]
}

func (t *simWordTable) get(h uint64, b []byte) (int32, bool) {
	if len(t.slots) == 0 {
		return 0, false
	}
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if !s.used {
			return 0, false
		}
		if s.hash == h && string(t.arena[s.off:s.off+s.len]) == string(b) {
			return s.id, true
		}
	}
}

func (t *simWordTable) put(h uint64, b []byte, id int32) {
	if 2*(t.n+1) > len(t.slots) {
		old := t.slots
		t.slots = make([]simSlot, max(1024, 2*len(old)))
		for _, s := range old {
			if s.used {
				t.insert(s)
			}
		}
	}
	t.insert(simSlot{hash: h, off: int32(len(t.arena)), len: int32(len(b)), id: id, used: true})
	t.arena = append(t.arena, b...)
	t.n++
}

func (t *simWordTable) insert(s simSlot) {
	mask := uint64(len(t.slots) - 1)
	i := s.hash & mask
	for t.slots[i].used {
		i = (i + 1) & mask
	}
	t.slots[i] = s
}

func simEqual(a, b []int32) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// simNormalize turns a lower-cased word into its term, or reports that the
// word says nothing about what an issue is about.
func simNormalize(w string) (string, bool) {
	if simStopwords[w] {
		return "", false
	}
	if len(w) == 1 { // a lone Latin letter or digit
		return "", false
	}
	allDigits := true
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			allDigits = false
			break
		}
	}
	if allDigits {
		return "", false // years and counts join unrelated issues
	}
	if a, ok := simAliases[w]; ok {
		return a, true
	}
	return simStem(w), true
}

// simIgnorable reports whether r is a mark or filler that spellings of the
// same word in Arabic script use or leave out at will: tatweel, harakat,
// superscript alef, and invisible joiners.
func simIgnorable(r rune) bool {
	return r == 0x0640 || r >= 0x064B && r <= 0x065F || r == 0x0670 || r == 0x200C || r == 0x200D || r == 0xFEFF
}

// simFold maps Arabic letters to the Urdu (and Persian) forms of the same
// letter, which keyboards mix: Arabic yeh and alef maksura to Farsi yeh,
// Arabic kaf to keheh.
func simFold(r rune) rune {
	switch r {
	case 'ي', 'ى':
		return 'ی'
	case 'ك':
		return 'ک'
	}
	return r
}

// simStem removes English inflections from an ASCII word, following steps
// 1a to 1c of Porter's stemmer: plural -s and -es, -ed and -ing (restoring an
// -e or undoubling a consonant where needed), final -y to -i. It keeps
// "waiting" and "wait", "referrals" and "referral", "families" and "family"
// together; other words in the family ("refer") stay apart. Other scripts
// are left alone.
func simStem(w string) string {
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return w
		}
	}
	// 1a, sparing short words ("bus", "has")
	switch {
	case len(w) <= 3:
	case strings.HasSuffix(w, "sses"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "ies"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "ss"), strings.HasSuffix(w, "us"), strings.HasSuffix(w, "is"):
	case strings.HasSuffix(w, "s"):
		w = w[:len(w)-1]
	}
	// 1b
	step1b := false
	switch {
	case strings.HasSuffix(w, "eed"):
		if simMeasure(w[:len(w)-3]) > 0 {
			w = w[:len(w)-1]
		}
	case strings.HasSuffix(w, "ed") && simHasVowel(w[:len(w)-2]):
		w, step1b = w[:len(w)-2], true
	case strings.HasSuffix(w, "ing") && simHasVowel(w[:len(w)-3]):
		w, step1b = w[:len(w)-3], true
	}
	if step1b {
		n := len(w)
		switch {
		case strings.HasSuffix(w, "at"), strings.HasSuffix(w, "bl"), strings.HasSuffix(w, "iz"):
			w += "e"
		case n >= 2 && w[n-1] == w[n-2] && simConsonant(w, n-1) && !strings.ContainsRune("lsz", rune(w[n-1])):
			w = w[:n-1]
		case simMeasure(w) == 1 && simCVC(w):
			w += "e"
		}
	}
	// 1c
	if strings.HasSuffix(w, "y") && simHasVowel(w[:len(w)-1]) {
		w = w[:len(w)-1] + "i"
	}
	return w
}

// simConsonant reports whether w[i] is a consonant in Porter's sense (y is
// one after a vowel or at the start).
func simConsonant(w string, i int) bool {
	switch w[i] {
	case 'a', 'e', 'i', 'o', 'u':
		return false
	case 'y':
		return i == 0 || !simConsonant(w, i-1)
	}
	return true
}

func simHasVowel(w string) bool {
	for i := range len(w) {
		if !simConsonant(w, i) {
			return true
		}
	}
	return false
}

// simMeasure counts the vowel-consonant sequences in w: Porter's m.
func simMeasure(w string) int {
	m, vowel := 0, false
	for i := range len(w) {
		if simConsonant(w, i) {
			if vowel {
				m++
			}
			vowel = false
		} else {
			vowel = true
		}
	}
	return m
}

// simCVC reports whether w ends consonant-vowel-consonant, the last not w, x
// or y ("hop" from "hoping", not "wait" from "waiting").
func simCVC(w string) bool {
	n := len(w)
	return n >= 3 && simConsonant(w, n-3) && !simConsonant(w, n-2) && simConsonant(w, n-1) &&
		!strings.ContainsRune("wxy", rune(w[n-1]))
}

// simStopwords are words too common to say what an issue is about: English
// function words, and the family words nearly every issue uses.
var simStopwords = simSet(`a about above after again against all almost also although always am among an and
any are aren as at be because been before being below between both but by can cannot could couldn did
didn do does doesn doing don done down during each either else even ever every few for from further
get gets getting got had hadn has hasn have haven having he her here hers herself him himself his how
however i if im in into is isn it its itself ive just let ll me might more most much must my myself
neither no nor not now of off on once only or other otherwise our ours ourselves out over own per
please quite rather re really same shall she should shouldn since so some still such than thank
thanks that the their theirs them themselves then there these they this those though through thus to
too under until up upon us ve very was wasn we were weren what whatever when where whether which
while who whom whose why will with within without won would wouldn yet you your yours yourself
yourselves hi hello dear regards etc http https www com
son sons daughter daughters child children childs kid kids boy boys girl girls mum mums mom dad dads
parent parents family families issue issues problem problems say says said tell told ask asked
know knew go goes going gone went take takes took taken make made come came give gave think feel
want like even nobody anyone everyone someone anything nothing something`)

// simWeakWords are the words of grievance that nearly every issue in a
// forum like this uses, whatever service it is about; they count for
// simWeakWeight of other words, so that two issues about different services
// do not meet on "waiting list" alone.
var simWeakWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`wait list delay month week year day time long never help service
		assessment appointment`) {
		if t, ok := simNormalize(w); ok {
			m[t] = true
		}
	}
	return m
}()

const simWeakWeight = 0.5

func simSet(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// simAliases spell some words and acronyms as another.
var simAliases = map[string]string{
	"cetr": "ctr", "cetrs": "ctr", "ctrs": "ctr",
	"sendco": "senco", "sencos": "senco",
	"ehcps": "ehcp", "ehcs": "ehcp", "ehc": "ehcp",
	"autistic": "autism",
	"dsrs":     "dsr",
}

// simPhrases are names that families also write as acronyms.
var simPhrases = []struct{ phrase, acronym string }{
	{"dynamic support register", "dsr"},
	{"education health and care plan", "ehcp"},
	{"child and adolescent mental health services", "camhs"},
	{"care education and treatment review", "ctr"},
	{"care and treatment review", "ctr"},
	{"attention deficit hyperactivity disorder", "adhd"},
	{"special educational needs coordinator", "senco"},
	{"special educational needs co-ordinator", "senco"},
}

// simPhraseTerms are simPhrases as the terms Similar compares.
var simPhraseTerms = func() []struct {
	words   []string
	acronym string
} {
	var out []struct {
		words   []string
		acronym string
	}
	for _, p := range simPhrases {
		var words []string
		for _, f := range strings.FieldsFunc(p.phrase, func(r rune) bool { return r == ' ' || r == '-' }) {
			if t, ok := simNormalize(f); ok {
				words = append(words, t)
			}
		}
		out = append(out, struct {
			words   []string
			acronym string
		}{words, p.acronym})
	}
	return out
}()
