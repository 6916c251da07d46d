package server

import (
	"bytes"
	"html/template"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// markdown turns what families write (a little Markdown: paragraphs, lists,
// bold, links) into HTML. goldmark never passes raw HTML through; the narrow
// policy then keeps only those elements, links only to http, https and
// mailto, and makes every link safe to follow.
var (
	markdown = goldmark.New(goldmark.WithExtensions(extension.Linkify))
	policy   = func() *bluemonday.Policy {
		p := bluemonday.NewPolicy()
		p.AllowElements("p", "br", "ul", "ol", "li", "strong", "em", "b", "i", "blockquote")
		p.AllowAttrs("href").OnElements("a")
		p.AllowURLSchemes("http", "https", "mailto")
		p.RequireParseableURLs(true)
		p.RequireNoFollowOnLinks(true)
		p.RequireNoReferrerOnLinks(true)
		p.AddTargetBlankToFullyQualifiedLinks(false)
		return p
	}()
)

// renderMarkdown returns safe HTML for a person's text.
func renderMarkdown(src string) template.HTML {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(src), &buf); err != nil {
		return template.HTML(template.HTMLEscapeString(src)) // goldmark does not fail on text; escape just in case
	}
	return template.HTML(policy.SanitizeBytes(buf.Bytes())) // #nosec: sanitised by the policy above
}
