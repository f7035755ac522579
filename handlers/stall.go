package handlers

import (
	"io"
	"net/http"
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

// defaultStallTimeout is how long a body may send nothing, or a download
// take nothing, by default: far longer than any retransmission on a
// working link.
const defaultStallTimeout = time.Minute

// dropStalled gives every request body a read deadline that moves with
// the bytes it delivers.
func (s *Server) dropStalled(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = &stallBody{body: r.Body, rc: http.NewResponseController(w), stall: s.stall}
		}
		next.ServeHTTP(w, r)
	})
}

// stallBody is a request body whose every Read must return within stall.
type stallBody struct {
	body  io.ReadCloser
	rc    *http.ResponseController
	stall time.Duration
	until time.Time // the deadline set last
	ended bool
}

func (b *stallBody) Read(p []byte) (int, error) {
	if b.ended {
		return b.body.Read(p)
	}
	// Setting a deadline costs a timer update; once per quarter of the
	// timeout is enough.
	if now := time.Now(); b.until.Sub(now) < b.stall*3/4 {
		b.until = now.Add(b.stall)
		b.rc.SetReadDeadline(b.until) // not every writer supports it (tests' recorders); then there is none
	}
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
	w     io.Writer
	rc    *http.ResponseController
	stall time.Duration
	until time.Time
}

func (s *Server) newStallWriter(w http.ResponseWriter) *stallWriter {
	return &stallWriter{w: w, rc: http.NewResponseController(w), stall: s.stall}
}

func (sw *stallWriter) Write(p []byte) (int, error) {
	if now := time.Now(); sw.until.Sub(now) < sw.stall*3/4 {
		sw.until = now.Add(sw.stall)
		sw.rc.SetWriteDeadline(sw.until)
	}
	return sw.w.Write(p)
}
