//go:build unix

package index

import (
	"errors"
	"os"
	"syscall"

	"github.com/cpaudit/cpaudit"
)

// Lock takes the lock of the index in dir — a file beside it, so it
// survives the directory being replaced — and returns it; closing the
// file releases it. A KindConflict error means another process holds it.
func Lock(dir string) (*os.File, error) {
	const op = "index.Lock"
	f, err := os.OpenFile(dir+".lock", os.O_CREATE|os.O_RDWR, 0o640)
	if err != nil {
		return nil, cpaudit.Internal(op, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &cpaudit.Error{Kind: cpaudit.KindConflict, Op: op,
				Message: "the search index " + dir + " is in use by another cpaudit process (a running server?)"}
		}
		return nil, cpaudit.Internal(op, err)
	}
	return f, nil
}
