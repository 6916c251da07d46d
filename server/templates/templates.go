// Package templates holds the server's HTML templates, embedded in the binary.
package templates

import "embed"

// Files are the page templates; layouts/ holds the base layout.
//
//go:embed *.html layouts/*.html
var Files embed.FS
