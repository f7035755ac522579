package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/cpaudit/cpaudit"
)

// statusByKind is the one table from error kinds to HTTP statuses.
var statusByKind = map[cpaudit.Kind]int{
	cpaudit.KindInternal:        http.StatusInternalServerError,
	cpaudit.KindInvalid:         http.StatusBadRequest,
	cpaudit.KindUnprocessable:   http.StatusUnprocessableEntity,
	cpaudit.KindUnauthenticated: http.StatusUnauthorized,
	cpaudit.KindNotFound:        http.StatusNotFound,
	cpaudit.KindConflict:        http.StatusConflict,
	cpaudit.KindTooLarge:        http.StatusRequestEntityTooLarge,
	cpaudit.KindRateLimited:     http.StatusTooManyRequests,
	cpaudit.KindUnavailable:     http.StatusServiceUnavailable,
}

// RetryAfterUnavailable is the Retry-After, in seconds, of a 503: a
// dependency (the object store, a busy database) that does not answer now
// is usually back, or reported by /readyz, within this time.
const RetryAfterUnavailable = 10

// SetRetryAfter tells the client of a 503 when to try again, unless the
// handler already said so.
func SetRetryAfter(w http.ResponseWriter, status int) {
	if status == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", strconv.Itoa(RetryAfterUnavailable))
	}
}

// ErrorStatus returns the status for err and the message a user may see.
// Request bodies over http.MaxBytesReader's limit count as too large.
func ErrorStatus(err error) (int, string) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge, "the request is larger than the upload limit"
	}
	kind := cpaudit.ErrorKind(err)
	status, ok := statusByKind[kind]
	if !ok {
		status = http.StatusInternalServerError
	}
	msg := cpaudit.ErrorMessage(err)
	if msg == "" {
		switch status {
		case http.StatusServiceUnavailable:
			msg = "a service cpaudit depends on is unavailable; please try again shortly"
		case http.StatusNotFound:
			msg = "not found"
		default:
			msg = "something went wrong on our side; it has been logged"
		}
	}
	return status, msg
}

// ErrorCode returns the code of err and its parameters, as the API answers
// them and the web UI translates them. Request bodies over
// http.MaxBytesReader's limit are too large.
func ErrorCode(err error) (cpaudit.Code, map[string]string) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return cpaudit.CodeBodyTooLarge, map[string]string{"max": HumanBytes(mbe.Limit)}
	}
	return cpaudit.ErrorCode(err), cpaudit.ErrorParams(err)
}

// LogError logs server-side failures only; client errors are the
// client's business and would drown the log.
func (k *Kit) LogError(r *http.Request, status int, err error) {
	if status >= 500 {
		k.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
}

// problem is an RFC 9457 problem document.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Code   string `json:"code"` // cpaudit.Code: stable, for clients to act on and translate
}

// WriteProblem answers an API request that failed.
func (k *Kit) WriteProblem(w http.ResponseWriter, r *http.Request, err error) {
	k.WriteProblemDetail(w, r, err, "")
}

// WriteProblemDetail answers a failed request with a problem whose detail
// is detail, or the error's English message when detail is "".
func (k *Kit) WriteProblemDetail(w http.ResponseWriter, r *http.Request, err error, detail string) {
	status, msg := ErrorStatus(err)
	if detail != "" {
		msg = detail
	}
	code, _ := ErrorCode(err)
	k.LogError(r, status, err)
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="cpaudit"`)
	}
	SetRetryAfter(w, status)
	body, _ := json.Marshal(problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: msg, Code: string(code)})
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(body)
}

// WriteJSON renders v to a buffer first, so an encoding failure still gives
// a clean error.
func (k *Kit) WriteJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		k.WriteProblem(w, r, cpaudit.Internal("httpx.WriteJSON", err))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// APIFunc is an API handler: it writes its answer or returns an error.
type APIFunc func(w http.ResponseWriter, r *http.Request) error

// API adapts an API handler: an error it returns becomes problem+json.
func (k *Kit) API(h APIFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			k.WriteProblem(w, r, err)
		}
	})
}
