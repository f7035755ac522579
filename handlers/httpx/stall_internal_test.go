package httpx

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestStallDeadlineEndsWithBody: once the body is read to its end, the
// handler may read it again and work for longer than the stall timeout
// without its request's context being cancelled.
func TestStallDeadlineEndsWithBody(t *testing.T) {
	k := &Kit{stall: 200 * time.Millisecond}
	srv := httptest.NewServer(k.DropStalled(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		time.Sleep(k.stall / 2)
		r.Body.Read(make([]byte, 1)) // as a parser may, to be sure of the end
		time.Sleep(3 * k.stall)      // a long import, after reading the sheet
		if r.Context().Err() != nil {
			http.Error(w, "the request's context was cancelled", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})))
	defer srv.Close()
	resp, err := http.Post(srv.URL, "text/plain; charset=utf-8", strings.NewReader("企业名单"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("status %d", resp.StatusCode)
	}
}
