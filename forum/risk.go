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
