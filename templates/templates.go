// Package templates holds the web UI's pages (html/template files rendered
// inside layout.html), its static assets (self-hosted: deployments run on
// intranets without internet access) and, later, the Word templates of
// generated documents. It only embeds files; handlers parses them.
package templates

import "embed"

// FS is every template and static file.
//
//go:embed *.html static
var FS embed.FS
