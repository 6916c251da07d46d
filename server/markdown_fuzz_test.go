package server

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// FuzzMarkdownSanitised: whatever a person writes, the rendered HTML holds
// no element that runs or loads anything (script, iframe, style, object,
// embed, img, svg, form...), no event handler or style attribute, and no
// link but http, https, mailto or one on this site; and rendering never
// panics. The output is read as a browser would (an HTML tokenizer), so
// that "javascript:" or "style=" written as text, escaped, is not taken for
// markup.
func FuzzMarkdownSanitised(f *testing.F) {
	for _, s := range []string{
		"", "plain words", "**b** _i_ [NHS](https://www.nhs.uk) <me@example.org> https://example.org/x?y=1",
		"<script>alert(1)</script>", "<SCRIPT SRC=//x.example/x.js></SCRIPT>", "<iframe src=javascript:alert(1)>",
		"[x](javascript:alert(1))", "[x](JaVaScRiPt:alert(1))", "[x](java\tscript:alert(1))", "[x](&#106;avascript:alert(1))",
		"[x](data:text/html;base64,PHNjcmlwdD4=)", "[x](vbscript:msgbox(1))", "<a href=\"javascript:x\">y</a>",
		`<img src=x onerror=alert(1)>`, `<svg/onload=alert(1)>`, `<p style="background:url(javascript:x)">hi</p>`,
		`<div onclick="x">y</div>`, "<style>*{}</style>", "<object data=x></object><embed src=x>",
		"<form action=x><input name=y><button formaction=javascript:x>", "<math><mi xlink:href=javascript:x>",
		"![x](https://tracker.example/p.gif)", "[a][r]\n\n[r]: javascript:alert(1)", "<javascript:alert(1)>",
		"``<script>``", "    <script>code block</script>", "> <b onmouseover=x>quote</b>",
		"jaVasCript:/*-/*`/*\\`/*'/*\"/**/(/* */oNcliCk=alert() )//%0D%0A%0d%0a//</stYle/</titLe/</teXtarEa/</scRipt/--!>\\x3csVg/<sVg/oNloAd=alert()//>\\x3e",
		"<a href=\"https://example.org\" style=\"x\" onclick=\"y\">z</a>", "<base href=//x.example/>", "<meta http-equiv=refresh content=0;url=x>",
		"<!--<script>-->", "<![CDATA[<script>]]>", "<<script>script>", "<scr<script>ipt>", "\x00<script>", "میرا بیٹا <b>میرا</b>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := string(renderMarkdown(in))
		if bad := unsafeHTML(out); bad != "" {
			t.Fatalf("renderMarkdown(%q) = %q: %s", in, out, bad)
		}
	})
}

// allowedElements are the only elements the Markdown policy may produce.
var allowedElements = map[string]bool{"p": true, "br": true, "ul": true, "ol": true, "li": true, "strong": true,
	"em": true, "b": true, "i": true, "blockquote": true, "a": true}

// unsafeHTML tokenizes out as a browser would and says what in it is
// unsafe, or "" when nothing is.
func unsafeHTML(out string) string {
	lower := strings.ToLower(out)
	for _, s := range []string{"<script", "<iframe", "<style", "<svg", "<img", "<object", "<embed", "<form"} {
		if strings.Contains(lower, s) {
			return "contains " + s
		}
	}
	z := html.NewTokenizer(strings.NewReader(out))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			tok := z.Token()
			if !allowedElements[tok.Data] {
				return "element <" + tok.Data + ">"
			}
			for _, a := range tok.Attr {
				key := strings.ToLower(a.Key)
				switch {
				case strings.HasPrefix(key, "on"):
					return "event handler " + a.Key
				case key == "style", key == "src", key == "srcdoc", key == "formaction", key == "action", key == "xlink:href":
					return "attribute " + a.Key
				case key == "href" && !safeHref(a.Val):
					return "link " + a.Val
				case key != "href" && key != "rel":
					return "unexpected attribute " + a.Key
				}
			}
		}
	}
}

// safeHref reports whether a link (as a browser reads it: tabs and newlines
// removed, leading spaces and controls trimmed, any case) is http, https,
// mailto, or has no scheme at all.
func safeHref(v string) bool {
	v = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, v)
	v = strings.ToLower(strings.TrimLeft(v, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f "))
	colon := strings.IndexByte(v, ':')
	if colon < 0 || strings.ContainsAny(v[:colon], "/?#") {
		return true // relative: no scheme
	}
	switch v[:colon] {
	case "http", "https", "mailto":
		return true
	}
	return false
}
