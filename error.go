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

// Error is the one error type of cpaudit. Message is written for the person
// using cpaudit (it is shown to them unless Kind is KindInternal); Err is the
// cause, for logs only.
type Error struct {
	Kind    Kind
	Op      string // the operation that failed, e.g. "storage.CreateUser"
	Message string
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

// Errorf returns an error of the given kind whose message is shown to users.
func Errorf(kind Kind, format string, args ...any) error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
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

// IsKind reports whether err is of kind k.
func IsKind(err error, k Kind) bool { return ErrorKind(err) == k }
