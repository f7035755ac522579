// Package api is cpaudit's JSON API under /api/v1, the contract of
// docs/api-contract.md and openapi.yaml: bearer tokens, JSON bodies, and
// every error as application/problem+json with a stable code.
//
// Every route is registered in routes.go, which reads as the API's URL
// map. What the API needs from storage it declares in store.go, a small
// interface per handler group over root types. It shares its machinery
// with the web UI through handlers/httpx and never imports the web UI
// (handlers/web), nor the web UI it.
package api
