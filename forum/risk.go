package forum

import (
	"strings"
	"unicode"
)

// riskTerms are the built-in words and phrases, per language, that suggest
// someone may be at risk: self-harm, a child at risk, abuse. A post that
// contains one is held for the forum's safeguarding lead before anyone else
// sees it. The list errs on the side of holding: a held post costs a
// facilitator a minute; a missed one can cost far more. Forums add their own
// terms (Forum.RiskTerms) in any language; every list is checked whatever the
// language of the page, because families often write in more than one.
var riskTerms = map[string][]string{
	"en": {
		"suicide", "suicidal", "kill myself", "kill himself", "kill herself", "end my life", "end it all",
		"want to die", "wants to die", "self harm", "self-harm", "selfharm", "harming himself", "harming herself",
		"hurting himself", "hurting herself", "hurt myself", "cutting himself", "cutting herself", "overdose",
		"abuse", "abused", "abusing", "hits me", "hits him", "hits her", "beaten", "not safe at home",
		"scared to go home", "afraid to go home", "locked in", "restrained", "sexual", "grooming", "groomed",
		"neglect", "neglected", "no food", "threatened", "threatening to",
	},
	"ur": {
		"خودکشی", "اپنی جان", "خود کو نقصان", "خود کو زخمی", "مرنا چاہتا", "مرنا چاہتی", "زیادتی", "تشدد",
		"مارتا ہے", "مارتی ہے", "گھر میں محفوظ نہیں", "جنسی", "نظرانداز", "دھمکی",
	},
	// The lists below are drafts, like the translations they sit beside
	// (locales/README.md): stems, so that "samobójstwo" and "samobójcze"
	// both meet "samobój". A native speaker with safeguarding training
	// should review each before a forum relies on it alone; forums add
	// their own terms meanwhile.
	"pl": {
		"samobój", "zabić się", "zabije się", "odebrać sobie życie", "chcę umrzeć", "chce umrzeć", "samookalecz",
		"tnie się", "przedawkow", "przemoc", "molest", "znęca", "bije mnie", "bije go", "bije ją", "nie jest bezpieczn",
		"boi się wrócić do domu", "seksualn", "zaniedb", "grozi",
	},
	"ro": {
		"sinucid", "să mă omor", "să se omoare", "vreau să mor", "vrea să moară", "autovătăm", "se taie", "supradoz",
		"abuz", "violen", "mă bate", "îl bate", "o bate", "bătut", "nu e în siguranță acasă", "nu este în siguranță acasă",
		"sexual", "neglij", "amenin",
	},
	"pa": {
		"ਖੁਦਕੁਸ਼ੀ", "ਆਤਮਹੱਤਿਆ", "ਆਪਣੇ ਆਪ ਨੂੰ ਨੁਕਸਾਨ", "ਮਰਨਾ ਚਾਹੁੰਦ", "ਸ਼ੋਸ਼ਣ", "ਹਿੰਸਾ", "ਕੁੱਟਦ", "ਮਾਰਦਾ ਹੈ", "ਮਾਰਦੀ ਹੈ",
		"ਜਿਨਸੀ", "ਅਣਗਹਿਲੀ", "ਧਮਕੀ", "ਘਰ ਵਿੱਚ ਸੁਰੱਖਿਅਤ ਨਹੀਂ",
	},
	"bn": {
		"আত্মহত্যা", "নিজের ক্ষতি", "নিজেকে আঘাত", "মরতে চাই", "মরতে চায়", "নির্যাতন", "সহিংসতা", "মারধর", "যৌন", "অবহেলা",
		"হুমকি", "বাড়িতে নিরাপদ নয়",
	},
	"gu": {
		"આત્મહત્યા", "પોતાને નુકસાન", "મરવા માંગ", "શોષણ", "હિંસા", "મારપીટ", "મારે છે", "જાતીય", "ઉપેક્ષા", "ધમકી",
		"ઘરમાં સુરક્ષિત નથી",
	},
	"ar": {
		"انتحار", "الانتحار", "أقتل نفسي", "يقتل نفسه", "تقتل نفسها", "أريد أن أموت", "يريد أن يموت", "تريد أن تموت",
		"إيذاء النفس", "يؤذي نفسه", "تؤذي نفسها", "جرعة زائدة", "إساءة", "الإساءة", "عنف", "العنف", "يضرب", "تضرب",
		"ليس آمنا في البيت", "غير آمن في المنزل", "جنسي", "الجنسي", "إهمال", "الإهمال", "تهديد", "يهدد",
	},
	"so": {
		"is dil", "isdil", "inaan dhinto", "inuu dhinto", "is dhaawac", "xadgudub", "tacaddi", "rabshad", "garaac",
		"kufsi", "galmo", "dayac", "hanjabaad",
	},
}

// normalise lowercases text and turns every run of punctuation or space into
// one space, so that "Self–harm!" and "self harm" meet.
func normalise(s string) string {
	var b strings.Builder
	space := true
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) {
			b.WriteRune(r)
			space = false
		} else if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	return " " + strings.TrimSpace(b.String()) + " "
}

// RiskMatch reports whether text contains one of the forum's or the built-in
// risk terms. Terms match whole words at their start ("abuse" matches
// "abused" too; "harm" does not match "pharmacy").
func RiskMatch(f *Forum, text string) bool {
	t := normalise(text)
	check := func(term string) bool {
		n := strings.TrimSpace(normalise(term))
		return n != "" && strings.Contains(t, " "+n)
	}
	for _, terms := range riskTerms {
		for _, term := range terms {
			if check(term) {
				return true
			}
		}
	}
	for _, term := range f.RiskTerms {
		if check(term) {
			return true
		}
	}
	return false
}
