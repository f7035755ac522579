// Package handlers owns cpaudit's HTTP surface: the JSON API of
// docs/api-contract.md, the server-rendered web UI (Simplified Chinese first,
// English second), health and metrics endpoints.
//
// It is the only package that imports net/http, gorilla/mux and
// html/template. Handlers return errors; one function (writeError) turns an
// error kind into a status, logs server errors only, and never shows an
// internal error's text to a user. Pages render into a buffer before
// anything is written, so a failure half-way gives a clean error page.
package handlers
