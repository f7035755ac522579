// Package handlers composes cpaudit's HTTP surface into one handler (New):
// health and metrics, the static files, the JSON API of
// docs/api-contract.md (handlers/api) and the server-rendered web UI
// (handlers/web), on one gorilla/mux router with instrumentation,
// security headers and stall detection in front of every route.
//
// The packages below it are split by concern, as miniflux splits api and
// ui: api and web never import each other, and what both use — the one
// table from error kinds to statuses, authentication, the form and upload
// readers, stall detection, sniffing, the login throttle, metrics — is in
// handlers/httpx. Each declares the small store interfaces it needs over
// root types; none imports storage, which cmd/cpaudit wires in. The
// handlers tree is the only importer of net/http, gorilla/mux and
// html/template. Handlers return errors; one function
// (httpx.Kit.WriteProblem for the API, the web UI's error page for pages)
// turns an error kind into a status, logs server errors only, and never
// shows an internal error's text to a user.
//
// The tests that need the whole router — tenant isolation and garbage on
// every route, escaping on every page, CSRF on every form, the OpenAPI
// check of every API answer, the browser tests — live here.
package handlers
