package storage

import (
	"os"

	"golang.org/x/sys/unix"
)

// startWriteback asks the kernel to begin writing a file's range [off,
// off+n) to disk now, without waiting. Staging an upload calls it as the
// bytes arrive, so the disk works while the network and the hash do, and
// the fsync before the blob is acknowledged only waits for the tail.
// Errors are ignored: this is a hint, the fsync is the guarantee.
func startWriteback(f *os.File, off, n int64) {
	unix.SyncFileRange(int(f.Fd()), off, n, unix.SYNC_FILE_RANGE_WRITE)
}
