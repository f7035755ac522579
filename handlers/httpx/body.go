package httpx

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/cpaudit/cpaudit"
)

// LimitBody refuses a request whose declared length is over max before
// anything reads its body, so that a client that sent "Expect:
// 100-continue" gets the refusal instead of "100 Continue" and never sends
// the body; a body of unknown length is cut off at max+1 bytes
// (KindTooLarge either way). what names the body in the message.
func LimitBody(w http.ResponseWriter, r *http.Request, max int64, what string) error {
	if r.ContentLength > max {
		return cpaudit.Refuse(cpaudit.KindTooLarge, cpaudit.CodeBodyTooLarge, "%s is larger than the limit of %s", what, HumanBytes(max)).With("max", HumanBytes(max))
	}
	// The server's own writer, for MaxBytesReader tells it through an
	// unexported method that the body was cut short: it then closes the
	// connection gently after the answer (see lingerAfterReply), which it
	// cannot do behind our wrappers.
	r.Body = http.MaxBytesReader(serverWriter(w), r.Body, max)
	return nil
}

// serverWriter unwraps w to the writer net/http gave the handler.
func serverWriter(w http.ResponseWriter) http.ResponseWriter {
	for {
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return w
		}
		w = u.Unwrap()
	}
}

// lingerAfterReply makes the server, once the answer is written, close its
// side of the connection and wait half a second before closing the rest,
// instead of closing at once. It is for a request answered before the end
// of a body that the client is still sending: closing a socket with
// unread data sends a reset, and on many systems a reset makes the client
// drop the answer it has not read yet, so that it sees a broken
// connection instead of, say, the 400 for an oversized form field.
//
// net/http lingers so on its own when a handler leaves a body unread,
// except when the client sent "Expect: 100-continue" and got its 100
// Continue (issue 24): then it closes at once. The one way to ask it to
// linger is the unexported signal MaxBytesReader gives when a body runs
// over its limit, so a limit of 0 is run over here, on a reader that is
// not the body (nothing more is read from the connection).
func lingerAfterReply(w http.ResponseWriter) {
	http.MaxBytesReader(serverWriter(w), io.NopCloser(strings.NewReader("x")), 0).Read(make([]byte, 1))
}

// HumanBytes writes a size as people read it: 1.5 MiB.
func HumanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
