package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/cpaudit/cpaudit/scripts/internal/serverproc"
)

// server is a cpaudit process on a fixed address, killed and started
// again on the same data directory and address, so that clients retry
// against the same URL as they would against a restarted service.
type server struct {
	bin, addr string
	environ   []string
	log       *os.File // the server's stderr, every run appended

	mu   sync.Mutex
	cmd  *exec.Cmd
	runs int
}

func newServer(bin, logPath string, environ []string) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	return &server{bin: bin, addr: addr, environ: environ, log: log}, nil
}

func (s *server) base() string { return "http://" + s.addr }

// start starts a server process and waits until /readyz says ready.
func (s *server) start() error {
	s.mu.Lock()
	s.runs++
	fmt.Fprintf(s.log, "\n=== crashtest: run %d of the server, %s\n", s.runs, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(s.bin, "serve", "--addr", s.addr)
	cmd.Env = s.environ
	cmd.Stdout, cmd.Stderr = s.log, s.log
	err := cmd.Start()
	if err == nil {
		s.cmd = cmd
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	if err := serverproc.WaitReady(s.base(), 60*time.Second); err != nil {
		return fmt.Errorf("server run %d: %w (see %s)", s.runs, err, s.log.Name())
	}
	return nil
}

// kill ends the server with SIGKILL: no shutdown, no flush, as a power
// cut of the process alone (the kernel keeps what was written).
func (s *server) kill() error {
	s.mu.Lock()
	cmd := s.cmd
	s.mu.Unlock()
	if err := cmd.Process.Kill(); err != nil {
		return err
	}
	cmd.Wait()
	fmt.Fprintf(s.log, "=== crashtest: SIGKILL, %s\n", time.Now().Format(time.RFC3339Nano))
	return nil
}

// stop ends the server cleanly (SIGTERM), as before `cpaudit verify`.
func (s *server) stop() error {
	s.mu.Lock()
	cmd := s.cmd
	s.mu.Unlock()
	cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		<-done
		return fmt.Errorf("server did not stop within 2 minutes of SIGINT")
	}
}

// cli runs a cpaudit administration command and returns its stdout.
func cli(bin string, environ []string, args ...string) (string, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = environ
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("cpaudit %s: %v: %s%s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return strings.TrimSpace(out.String()), nil
}

// api is a client of the API with one token.
type api struct {
	base, token string
	client      *http.Client
}

// call sends a JSON request and decodes a JSON answer of status want.
func (a api) call(method, path string, in, out any, want int) error {
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}
