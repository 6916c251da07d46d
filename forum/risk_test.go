package forum

import "testing"

func TestRiskMatch(t *testing.T) {
	f := &Forum{RiskTerms: []string{"ran away", "  "}}
	cases := []struct {
		text string
		want bool
	}{
		{"My son talks about self-harm at night", true},
		{"SELF–HARM!", true}, // an en dash and capitals
		{"she has been abused at school", true},
		{"He said he wants to die", true},
		{"وہ خودکشی کی بات کرتا ہے", true},
		{"Our daughter ran away twice", true}, // the forum's own term
		{"Syn mówi o samobójstwie", true},     // Polish, inflected: the stem meets it
		{"Fiul meu vorbește despre sinucidere", true},
		{"ਉਹ ਖੁਦਕੁਸ਼ੀ ਦੀ ਗੱਲ ਕਰਦਾ ਹੈ", true},
		{"সে আত্মহত্যার কথা বলে", true},
		{"તે આત્મહત્યાની વાત કરે છે", true},
		{"ابني يتحدث عن الانتحار", true},
		{"Wiilkaygu wuxuu ka hadlaa is dil", true},
		{"Czekamy na ocenę od dwóch lat", false},
		{"Așteptăm evaluarea de doi ani", false},
		{"We collect prescriptions at the pharmacy", false},
		{"Please do not disabuse them", false}, // a term matches at a word's start only
		{"The wait for an assessment is two years", false},
		{"", false},
	}
	for _, c := range cases {
		if got := RiskMatch(f, c.text); got != c.want {
			t.Errorf("RiskMatch(%q) = %v; want %v", c.text, got, c.want)
		}
	}
}

func TestActionName(t *testing.T) {
	if got := actionName(Moderation{Held: HoldSafeguarding}, "approve"); got != "safeguarding.approve" {
		t.Errorf("decision on a safeguarding hold recorded as %q", got)
	}
	if got := actionName(Moderation{Held: HoldReports}, "hide"); got != "moderation.hide" {
		t.Errorf("decision on a reported post recorded as %q", got)
	}
	if got := actionName(Moderation{}, "escalate"); got != "safeguarding.escalate" {
		t.Errorf("escalation recorded as %q", got)
	}
}
