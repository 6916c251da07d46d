package server

import (
	"strings"
	"testing"
)

func TestRenderMarkdown(t *testing.T) {
	for _, tc := range []struct {
		name, in      string
		want, wantNot []string
	}{
		{"Paragraphs", "one\n\ntwo", []string{"<p>one</p>", "<p>two</p>"}, nil},
		{"ListsAndBold", "- **a**\n- b", []string{"<ul>", "<li><strong>a</strong></li>"}, nil},
		{"Link", "[NHS](https://www.nhs.uk)", []string{`<a href="https://www.nhs.uk" rel="nofollow noreferrer">NHS</a>`}, nil},
		{"ErrScript", "<script>alert(1)</script>", nil, []string{"<script", "alert(1)</script>"}},
		{"ErrJavascriptLink", "[x](javascript:alert(1))", nil, []string{"javascript:"}},
		{"ErrEventHandler", `<img src=x onerror=alert(1)>`, nil, []string{"onerror", "<img"}},
		{"ErrDataURL", "[x](data:text/html;base64,PHNjcmlwdD4=)", nil, []string{"data:"}},
		{"ErrStyle", `<p style="background:url(x)">hi</p>`, nil, []string{"style="}},
		{"ErrImage", "![x](https://tracker.example/p.gif)", nil, []string{"<img", "tracker"}},
		{"Urdu", "میرا بیٹا", []string{"<p>میرا بیٹا</p>"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := string(renderMarkdown(tc.in))
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("render(%q) = %q; want it to contain %q", tc.in, got, w)
				}
			}
			for _, w := range tc.wantNot {
				if strings.Contains(got, w) {
					t.Errorf("render(%q) = %q; must not contain %q", tc.in, got, w)
				}
			}
		})
	}
}

// FuzzRenderMarkdown: whatever is written, no script or event handler survives.
func FuzzRenderMarkdown(f *testing.F) {
	for _, s := range []string{"<script>x</script>", "[a](javascript:x)", "<a href=x onclick=y>z</a>", "**b**", "<svg onload=alert(1)>", "<iframe src=x>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := strings.ToLower(string(renderMarkdown(in)))
		for _, bad := range []string{"<script", "<iframe", "<svg", "<img", "<style", " on", "javascript:"} {
			if bad == " on" {
				if strings.Contains(got, "<") && containsHandler(got) {
					t.Fatalf("render(%q) kept an event handler: %q", in, got)
				}
				continue
			}
			if strings.Contains(got, bad) {
				t.Fatalf("render(%q) = %q contains %q", in, got, bad)
			}
		}
	})
}

// containsHandler looks for an on...= attribute inside a tag.
func containsHandler(html string) bool {
	inTag := false
	for i := 0; i < len(html); i++ {
		switch html[i] {
		case '<':
			inTag = true
		case '>':
			inTag = false
		case 'o':
			if inTag && i > 0 && (html[i-1] == ' ' || html[i-1] == '/') && i+2 < len(html) && html[i+1] == 'n' {
				j := i + 2
				for j < len(html) && html[j] >= 'a' && html[j] <= 'z' {
					j++
				}
				if j < len(html) && html[j] == '=' {
					return true
				}
			}
		}
	}
	return false
}
