// Package httpx is what cpaudit's JSON API (handlers/api) and web UI
// (handlers/web) share, so that neither imports the other: the one table
// from error kinds to statuses and the problem+json writer, the actor in a
// request's context and authentication by bearer token, the client's
// address, the streaming multipart reader (formreader.go) and the upload
// and import readers built on it, content sniffing, stall detection,
// the login rate limiter, request metrics, security headers, path
// parameters (the one place that knows the router) and the query
// parameters both read (lists, filters, search).
//
// It holds no store: each helper that needs storage takes the small
// interface it uses, declared beside it, over root types.
package httpx
