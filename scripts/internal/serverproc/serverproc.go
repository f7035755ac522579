// Package serverproc owns what the benchmark and test programs under
// scripts/ do with a `cpaudit serve` child process: wait for it to be
// ready, and stop it the way a supervisor would.
package serverproc

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"time"
)

// WaitReady polls base's /readyz until it answers 200, for at most within.
func WaitReady(base string, within time.Duration) error {
	deadline := time.Now().Add(within)
	c := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := c.Get(base + "/readyz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server at %s not ready after %v", base, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop interrupts cmd and waits for it to exit, killing it after two
// minutes (the server itself waits up to five for requests in flight).
func Stop(cmd *exec.Cmd) {
	cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		<-done
	}
}
