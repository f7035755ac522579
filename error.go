package cpaudit

import (
	"context"
	"errors"
	"fmt"
)

// Kind classifies an error by what the caller can do about it. The HTTP layer
// maps each kind to one status in one table; nothing else decides statuses.
type Kind int

const (
	KindInternal        Kind = iota // a bug or an outage; details never reach the user
	KindInvalid                     // the input is malformed (400)
	KindUnprocessable               // well-formed input that breaks a rule (422)
	KindUnauthenticated             // no, bad or revoked credentials (401)
	KindNotFound                    // absent, of another tenant, or outside the caller's rights (404)
	KindConflict                    // the state forbids it, or the name is taken (409)
	KindTooLarge                    // an upload over the configured limit (413)
	KindRateLimited                 // too many attempts (429)
	KindUnavailable                 // a dependency is down (503)
)

var kindNames = map[Kind]string{
	KindInternal:        "internal",
	KindInvalid:         "invalid",
	KindUnprocessable:   "unprocessable",
	KindUnauthenticated: "unauthenticated",
	KindNotFound:        "not found",
	KindConflict:        "conflict",
	KindTooLarge:        "too large",
	KindRateLimited:     "rate limited",
	KindUnavailable:     "unavailable",
}

func (k Kind) String() string { return kindNames[k] }

// Error is the one error type of cpaudit. Message is written in English for
// the API and the logs (it is the problem's detail unless Kind is
// KindInternal); Err is the cause, for logs only. Code names the refusal
// for any reader in any language: the web UI shows the text its message
// files hold for the code, with Params put in, and never Message, so a
// rewording of Message changes no page. An error without a code has its
// kind's (DefaultCode).
type Error struct {
	Kind    Kind
	Code    Code              // see codes.go; "" means DefaultCode(Kind)
	Op      string            // the operation that failed, e.g. "storage.CreateUser"
	Message string            // English, for the API's detail and the logs
	Params  map[string]string // the values a translated message needs, by name
	Err     error
}

func (e *Error) Error() string {
	if e.Op == "" {
		switch {
		case e.Err != nil && e.Message != "":
			return e.Message + ": " + e.Err.Error()
		case e.Err != nil:
			return e.Err.Error()
		}
		return e.Message
	}
	switch {
	case e.Err != nil && e.Message != "":
		return fmt.Sprintf("%s: %s: %v", e.Op, e.Message, e.Err)
	case e.Err != nil:
		return fmt.Sprintf("%s: %v", e.Op, e.Err)
	default:
		return fmt.Sprintf("%s: %s", e.Op, e.Message)
	}
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an error of the given kind whose message is shown to API
// users. Its code is the kind's default: use Refuse for a refusal a page
// must be able to explain.
func Errorf(kind Kind, format string, args ...any) error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Refuse returns an error of the given kind and code whose English message
// is shown to API users. Add the values its translations need with With.
func Refuse(kind Kind, code Code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// With sets the parameter name to value and returns e, so that a refusal
// reads as one expression: Refuse(...).With("step", "28").
func (e *Error) With(name, value string) *Error {
	if e.Params == nil {
		e.Params = map[string]string{}
	}
	e.Params[name] = value
	return e
}

// Internal wraps an unexpected cause (a driver error, an I/O failure) for op.
// A nil err gives nil, so `return Internal(op, err)` is safe after any call.
func Internal(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err // already classified: keep its kind and message
	}
	return &Error{Kind: KindInternal, Op: op, Err: err}
}

// ErrorKind reports the kind of err; unclassified errors are internal, except
// a cancelled or timed-out context, which means the client went away or a
// dependency did not answer in time.
func ErrorKind(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return KindUnavailable
	}
	return KindInternal
}

// ErrorMessage is the text a user may see for err: its message unless the
// error is internal, in which case the caller shows a generic sentence.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Kind != KindInternal {
		return e.Message
	}
	return ""
}

// ErrorCode reports the code of err: its own, or its kind's default when it
// has none or is not a cpaudit error. An internal error always answers
// CodeInternal, whatever it carries, since nothing of it reaches the user.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) && e.Code != "" && e.Kind != KindInternal {
		return e.Code
	}
	return DefaultCode(ErrorKind(err))
}

// ErrorParams reports the parameters of err's code (nil for none, and for
// an internal error).
func ErrorParams(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) && e.Code != "" && e.Kind != KindInternal {
		return e.Params
	}
	return nil
}

// IsKind reports whether err is of kind k.
func IsKind(err error, k Kind) bool { return ErrorKind(err) == k }
