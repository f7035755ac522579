package pipeline

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// niceness is the scheduling priority extraction runs at: below the HTTP
// server's (0), so that a file that takes a core for its whole budget (a
// compression bomb, a PDF of thousands of pages) leaves the core to the
// requests whenever they want it.
const niceness = 10

// lowPriority runs fn on an OS thread of its own at a lower priority, and
// waits for it. The goroutine stays locked to the thread until it ends,
// so the thread ends with it and no other goroutine ever runs there.
func lowPriority(fn func()) {
	done := make(chan any, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread exits with the goroutine
		defer func() { done <- recover() }()
		_ = unix.Setpriority(unix.PRIO_PROCESS, unix.Gettid(), niceness) // best effort
		fn()
	}()
	if p := <-done; p != nil {
		panic(p) // in the caller's goroutine, where the worker recovers it
	}
}
