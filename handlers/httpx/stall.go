package httpx

import (
	"io"
	"net/http"
	"strings"
	"time"
)

// The server has no ReadTimeout or WriteTimeout, since a 512 MiB upload or
// download over a slow intranet link may take many minutes. So that a
// client that stops sending its body, or stops reading a download, does
// not hold a goroutine, a staging file, a blob and their buffers until the
// process ends (or a graceful shutdown waits out its deadline), each read
// of a request body and each write of a download must make progress
// within the stall timeout: the connection's deadline is pushed forward
// as bytes move, and a stalled request fails (an upload with 400, a
// download cut off).

// DefaultStallTimeout is how long a body may send nothing, or a download
// take nothing, by default: far longer than any retransmission on a
// working link.
const DefaultStallTimeout = time.Minute

// DropStalled gives every request body a read deadline that moves with
// the bytes it delivers. A request answered in the middle of a body sent
// after "100 Continue" has its connection closed gently (lingerAfterReply),
// so the client gets the answer.
func (k *Kit) DropStalled(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		body := &stallBody{body: r.Body, deadline: movingDeadline{stall: k.stall, set: http.NewResponseController(w).SetReadDeadline}}
		r.Body = body
		next.ServeHTTP(w, r)
		if body.started && !body.ended && strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
			lingerAfterReply(w)
		}
	})
}

// movingDeadline is a connection deadline kept stall ahead of the last
// progress. Setting a deadline costs a timer update; pushing it once per
// quarter of the timeout is enough.
type movingDeadline struct {
	stall time.Duration
	until time.Time // the deadline set last
	set   func(time.Time) error
}

func (d *movingDeadline) push() {
	if now := time.Now(); d.until.Sub(now) < d.stall*3/4 {
		d.until = now.Add(d.stall)
		d.set(d.until) // not every writer supports it (tests' recorders); then there is none
	}
}

// stallBody is a request body whose every Read must return within stall.
type stallBody struct {
	body     io.ReadCloser
	deadline movingDeadline
	started  bool // read from: a client that asked got its 100 Continue
	ended    bool // read to its end, or broken
}

func (b *stallBody) Read(p []byte) (int, error) {
	if b.ended {
		return b.body.Read(p)
	}
	b.started = true
	b.deadline.push()
	n, err := b.body.Read(p)
	if err != nil {
		// Past the body's end the server reads the connection itself, to
		// see whether the client goes away while the handler works, and
		// clears the deadline for that. A deadline set by a later Read
		// would cancel the request's context when it ran out, say in the
		// middle of a long import.
		b.ended = true
	}
	return n, err
}

func (b *stallBody) Close() error { return b.body.Close() }

// stallWriter is a download's writer whose every Write must complete
// within stall. (The server clears the deadline once the response is
// finished, before the connection serves another request.)
type stallWriter struct {
	w        io.Writer
	deadline movingDeadline
}

// NewStallWriter wraps a download's writer so that a client that takes
// nothing for the stall timeout is cut off.
func (k *Kit) NewStallWriter(w http.ResponseWriter) io.Writer {
	return &stallWriter{w: w, deadline: movingDeadline{stall: k.stall, set: http.NewResponseController(w).SetWriteDeadline}}
}

func (sw *stallWriter) Write(p []byte) (int, error) {
	sw.deadline.push()
	return sw.w.Write(p)
}
