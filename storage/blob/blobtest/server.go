package blobtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit/internal/testenv"
)

// Server is a MinIO server process of the test's own, on a free local port
// with its data in a temporary directory, which the test may stop and start
// again (on the same port and directory) to play an outage. The shared
// MinIO of scripts/test cannot be stopped without harming other tests.
type Server struct {
	Settings // its address and root credentials; Bucket is empty
	bin, dir string
	drives   int // 1: one directory; more: erasure-coded over that many
	t        *testing.T
	cmd      *exec.Cmd
	exited   chan struct{}
	exitErr  error // how it exited, once exited is closed
}

// StartServer starts a MinIO of the test's own (testenv.MinIOBin finds the
// program, failing in CI and skipping elsewhere without it) and waits until
// it serves requests. It is stopped when the test ends.
func StartServer(t *testing.T) *Server {
	t.Helper()
	return StartErasureServer(t, 1)
}

// StartErasureServer starts, like StartServer, a MinIO of the test's own,
// but over drives directories (d1 … dN, MinIO's own "{1...N}" notation):
// with 4 or more it runs in erasure-coded mode, the layout of a distributed
// deployment on one machine, parity and healing included.
func StartErasureServer(t *testing.T, drives int) *Server {
	t.Helper()
	bin := testenv.MinIOBin(t)
	key := make([]byte, 28)
	rand.Read(key)
	s := &Server{bin: bin, dir: t.TempDir(), drives: drives, t: t}
	s.AccessKey, s.SecretKey = hex.EncodeToString(key[:8]), hex.EncodeToString(key[8:])
	t.Cleanup(s.Stop)
	// A port found free may be taken before MinIO binds it: try thrice.
	var err error
	for range 3 {
		s.Endpoint = "127.0.0.1:" + strconv.Itoa(freePort(t))
		if err = s.start(); err == nil {
			return s
		}
	}
	t.Fatalf("starting MinIO: %v", err)
	return nil
}

// Start starts the server again after Stop, on the same port and data
// directory, and waits until it serves requests.
func (s *Server) Start() {
	s.t.Helper()
	// The port may linger a moment after the kill: try thrice.
	var err error
	for range 3 {
		if err = s.start(); err == nil {
			return
		}
		time.Sleep(time.Second)
	}
	s.t.Fatalf("restarting MinIO: %v", err)
}

// Stop kills the server at once (SIGKILL: an outage, not a maintenance
// window) and waits for it to exit. Stopping a stopped server does nothing.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Kill()
	s.cmd.Process.Signal(syscall.SIGCONT) // a frozen process dies only once resumed
	<-s.exited
	s.cmd = nil
}

// Freeze suspends the server (SIGSTOP): connections open and requests
// are accepted by the kernel, but nothing answers, as with a hung service
// or a network that drops packets. Thaw resumes it.
func (s *Server) Freeze() { s.signal(syscall.SIGSTOP) }

// Thaw resumes a frozen server.
func (s *Server) Thaw() { s.signal(syscall.SIGCONT) }

func (s *Server) signal(sig syscall.Signal) {
	s.t.Helper()
	if s.cmd == nil {
		s.t.Fatal("MinIO is not running")
	}
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatalf("signalling MinIO: %v", err)
	}
}

func (s *Server) start() error {
	console := freePort(s.t)
	data := filepath.Join(s.dir, "data")
	if s.drives > 1 {
		data = filepath.Join(s.dir, "d{1..."+strconv.Itoa(s.drives)+"}")
	}
	cmd := exec.Command(s.bin, "server", "--address", s.Endpoint,
		"--console-address", "127.0.0.1:"+strconv.Itoa(console),
		"--certs-dir", filepath.Join(s.dir, "certs"), data)
	cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+s.AccessKey, "MINIO_ROOT_PASSWORD="+s.SecretKey,
		"MINIO_UPDATE=off", "MINIO_CI_CD=1")
	logFile, err := os.OpenFile(filepath.Join(s.dir, "minio.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { s.exitErr = cmd.Wait(); close(exited) }()
	s.cmd, s.exited = cmd, exited
	if err := s.wait(30 * time.Second); err != nil {
		s.Stop()
		log, _ := os.ReadFile(filepath.Join(s.dir, "minio.log"))
		return fmt.Errorf("%w; its log:\n%s", err, log)
	}
	return nil
}

// wait polls MinIO's health endpoints until it is live with its storage
// and users loaded (the cluster check), as scripts/lib/minio.sh does.
func (s *Server) wait(limit time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	ok := func(path string) bool {
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+s.Endpoint+path, nil)
		resp, err := client.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
	for {
		select {
		case <-s.exited:
			return fmt.Errorf("MinIO exited on start-up: %v", s.exitErr)
		default:
		}
		if ok("/minio/health/live") && ok("/minio/health/cluster") {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("MinIO did not answer on %s within %s", s.Endpoint, limit)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// freePort returns a local TCP port nothing listens on now.
func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Drive returns the directory of drive i (1 … drives) of a server started
// by StartErasureServer, so a test can damage it.
func (s *Server) Drive(i int) string {
	return filepath.Join(s.dir, "d"+strconv.Itoa(i))
}
