package web

import "embed"

// staticFS holds the status page: static/index.html is served at "/" and
// every other file of static/ at "/static/NAME". It is compiled into the
// binary (no build step, no CDN).
//
//go:embed static
var staticFS embed.FS
