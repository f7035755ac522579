// Package web is cpaudit's server-rendered web UI, Simplified Chinese
// first and English second: the login form and sessions with their CSRF
// tokens, the documents, search, flags, dashboard, batches, audits and
// enterprises pages, their forms and .xlsx downloads, and the UI's words
// (messages/zh.json and en.json; a refusal is shown by its code's text,
// never the API's English).
//
// Every route is registered in routes.go, which reads as the web UI's URL
// map. What the pages need from storage they declare in store.go, a small
// interface per group of pages over root types. Pages are parsed once at
// start and render into a buffer before anything is written, so a failure
// half-way gives a clean error page. The web UI shares its machinery with
// the API through handlers/httpx and never imports the API
// (handlers/api): the upload script's routes use the upload handlers httpx
// holds for both.
package web
