// Package static holds the stylesheets, scripts and icons served to browsers,
// embedded in the binary.
package static

import "embed"

// Files are the static assets.
//
//go:embed *.css *.js *.svg
var Files embed.FS
