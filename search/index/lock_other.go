//go:build !unix

package index

import (
	"os"

	"github.com/cpaudit/cpaudit"
)

// Lock creates the lock file of the index in dir. Without flock there is
// no protection against a second process; run cpaudit reindex only while
// no server is running.
func Lock(dir string) (*os.File, error) {
	f, err := os.OpenFile(dir+".lock", os.O_CREATE|os.O_RDWR, 0o640)
	return f, cpaudit.Internal("index.Lock", err)
}
