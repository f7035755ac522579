package pipeline

import (
	"testing"

	"golang.org/x/sys/unix"
)

// TestLowPriority checks that extraction runs at a lower priority than
// the server, and that no other goroutine inherits it.
func TestLowPriority(t *testing.T) {
	prio := func() int {
		// getpriority returns 20 - nice for threads (the raw syscall).
		p, err := unix.Getpriority(unix.PRIO_PROCESS, unix.Gettid())
		if err != nil {
			t.Fatal(err)
		}
		return 20 - p
	}
	before := prio()
	var inside int
	lowPriority(func() { inside = prio() })
	if inside != min(before+niceness, 19) && inside != niceness {
		t.Errorf("extraction ran at nice %d, want %d", inside, niceness)
	}
	// Goroutines started afterwards run at the server's priority.
	for range 20 {
		got := make(chan int)
		go func() { got <- prio() }()
		if p := <-got; p != before {
			t.Fatalf("a goroutine after extraction ran at nice %d, want %d", p, before)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("a panic in extraction was lost")
		}
	}()
	lowPriority(func() { panic("boom") })
}
