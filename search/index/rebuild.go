package index

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/cpaudit/cpaudit"
)

// Rebuild replaces the index in dir by one that fill builds from scratch:
// fill writes into a new index beside dir, which is compacted and then
// renamed over dir, so searches never see a half-built index and a failed
// rebuild leaves the old one in place. It holds dir's lock throughout and
// fails with KindConflict if another process (a running server) has the
// index open.
func Rebuild(ctx context.Context, dir string, fill func(ix *Index) error) error {
	const op = "index.Rebuild"
	lock, err := Lock(dir)
	if err != nil {
		return err
	}
	defer lock.Close()
	building := dir + ".rebuild"
	if err := os.RemoveAll(building); err != nil { // a crashed rebuild's leftovers
		return cpaudit.Internal(op, err)
	}
	ix, err := Open(building)
	if err != nil {
		return err
	}
	err = fill(ix)
	if err == nil {
		err = ix.Compact(ctx)
	}
	if cerr := ix.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.RemoveAll(building)
		return err
	}
	old := fmt.Sprintf("%s.old-%d", dir, time.Now().UnixNano())
	if err := os.Rename(dir, old); err != nil && !os.IsNotExist(err) {
		return cpaudit.Internal(op, err)
	}
	if err := os.Rename(building, dir); err != nil {
		return cpaudit.Internal(op, err)
	}
	return cpaudit.Internal(op, os.RemoveAll(old))
}
