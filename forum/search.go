package forum

import "strings"

// MatchesQuery reports whether every word of a search query appears in an
// issue's title or text, ignoring case (Unicode case folding, so Polish or
// Turkish capitals match too). Both storage adapters filter with it, so a
// search finds the same issues on either.
func MatchesQuery(title, body, query string) bool {
	words := strings.Fields(strings.ToLower(query))
	if len(words) == 0 {
		return true
	}
	t, b := strings.ToLower(title), strings.ToLower(body)
	for _, w := range words {
		if !strings.Contains(t, w) && !strings.Contains(b, w) {
			return false
		}
	}
	return true
}
