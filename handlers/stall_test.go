package handlers_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers"
)

const testStall = 300 * time.Millisecond

// stallWorld is a tenant with a consultant, on a server that drops a
// request after testStall without progress.
func stallWorld(t *testing.T) (*testEnv, string) {
	e := newTestEnv(t, func(c *handlers.Config) { c.StallTimeout = testStall })
	a := e.tenant("hebei")
	cons := e.org(a, cpaudit.OrgConsultancy, "绿源环保咨询", "91110000600037341")
	return e, e.user(a, "zhang@lvyuan.cn", cpaudit.RoleConsultant, cons.ID)
}

// rawUpload opens a connection and sends an upload's headers, announcing
// body, and returns the connection and the body to send.
func rawUpload(t *testing.T, e *testEnv, token string, content []byte) (net.Conn, []byte) {
	t.Helper()
	body, ct := multipartBody(t, [][2]string{{"kind", "evidence"}}, "现场照片.txt", content)
	b, _ := io.ReadAll(body)
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "POST /api/v1/documents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", token, ct, len(b))
	return conn, b
}

// TestStalledUploadIsDropped: an upload that stops sending is answered 400
// after the stall timeout, and leaves no document and no staged file.
func TestStalledUploadIsDropped(t *testing.T) {
	e, token := stallWorld(t)
	conn, body := rawUpload(t, e, token, bytes.Repeat([]byte("清洁生产"), 100_000))
	conn.Write(body[:len(body)/3])
	start := time.Now()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled upload: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || time.Since(start) < testStall {
		t.Errorf("stalled upload: %d after %v", resp.StatusCode, time.Since(start))
	}
	var list struct{ Total int }
	if e.getJSON("/api/v1/documents", token, &list); list.Total != 0 {
		t.Errorf("%d documents after a stalled upload", list.Total)
	}
	if left, _ := os.ReadDir(filepath.Join(e.dir, "tmp")); len(left) != 0 {
		t.Errorf("staged files left: %v", left)
	}
}

// TestSlowUploadIsKept: an upload that keeps sending, however slowly,
// takes as long as it needs, well beyond the stall timeout.
func TestSlowUploadIsKept(t *testing.T) {
	e, token := stallWorld(t)
	conn, body := rawUpload(t, e, token, bytes.Repeat([]byte("节能降耗"), 50_000))
	start := time.Now()
	for chunk := range slicesChunk(body, len(body)/8+1) {
		time.Sleep(testStall / 3)
		if _, err := conn.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || time.Since(start) < 2*testStall {
		t.Errorf("slow upload: %d after %v", resp.StatusCode, time.Since(start))
	}
}

func slicesChunk(b []byte, n int) func(func([]byte) bool) {
	return func(yield func([]byte) bool) {
		for len(b) > 0 {
			k := min(n, len(b))
			if !yield(b[:k]) {
				return
			}
			b = b[k:]
		}
	}
}

// TestStalledDownloadIsCut: a client that stops reading a download is cut
// off after the stall timeout instead of holding the blob open.
func TestStalledDownloadIsCut(t *testing.T) {
	e, token := stallWorld(t)
	const size = 48 << 20 // well beyond what socket buffers hold
	id := e.apiUpload(token, "evidence", "大文件", "大文件.bin", bytes.Repeat([]byte{0xab}, size))
	conn, err := net.DialTCP("tcp", nil, e.srv.Listener.Addr().(*net.TCPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetReadBuffer(256 << 10) // not much smaller: the window would open again too slowly once reading resumes
	fmt.Fprintf(conn, "GET /api/v1/documents/%s/content HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n", id, token)
	time.Sleep(4 * testStall)
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	got, err := io.Copy(io.Discard, conn)
	if got >= size {
		t.Errorf("the stalled download went on: %d bytes", got)
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Errorf("the server kept the stalled download's connection open (%d bytes read)", got)
	}
}

// TestKeepAliveAfterStallDeadlines: the deadlines a request set do not
// outlive it: the next request on the same connection, after longer than
// the stall timeout, is served.
func TestKeepAliveAfterStallDeadlines(t *testing.T) {
	e, token := stallWorld(t)
	id := e.apiUpload(token, "evidence", "小文件", "小文件.txt", []byte("清洁生产审核"))
	conn, body := rawUpload(t, e, token, []byte("第二个文件"))
	conn.Write(body)
	r := bufio.NewReader(conn)
	for i, req := range []string{
		"", // the upload's answer
		fmt.Sprintf("GET /api/v1/documents/%s/content HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n", id, token),
		fmt.Sprintf("GET /api/v1/documents/%s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n", id, token),
	} {
		if req != "" {
			time.Sleep(2 * testStall)
			if _, err := io.WriteString(conn, req); err != nil {
				t.Fatalf("request %d: %v", i, err)
			}
		}
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatalf("answer %d: %v", i, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			t.Errorf("answer %d: %d", i, resp.StatusCode)
		}
	}
}
