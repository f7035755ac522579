package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cpaudit/cpaudit"
)

// tmpDirName is the directory, under the root, where Put writes before it
// renames into place. It sits on the same file system as the blobs, so the
// rename is atomic; keys may not start with it (see checkKey).
const tmpDirName = ".tmp"

// copyBufferSize is the Put copy buffer: large enough that a big upload
// takes few system calls.
const copyBufferSize = 1 << 20

// Local keeps blobs as files under a root directory, a key's
// slashes becoming directories. A Put writes a temporary file in root/.tmp,
// fsyncs it, renames it into place and fsyncs the directory, so a blob is
// either absent or whole and durable, even across a crash; a crash can
// only leave temporary files, which CleanTemp removes.
type Local struct {
	root string
	tmp  string
	// bufs recycles the 1 MiB copy buffers of concurrent Puts.
	bufs sync.Pool
}

// NewLocal opens the store rooted at root, creating root and
// root/.tmp if needed. KindInternal if they cannot be created.
func NewLocal(root string) (*Local, error) {
	const op = "blob.NewLocal"
	if root == "" {
		return nil, &cpaudit.Error{Kind: cpaudit.KindInvalid, Op: op, Message: "the blob directory is not set"}
	}
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, cpaudit.Internal(op, err)
	}
	s := &Local{root: root, tmp: filepath.Join(root, tmpDirName)}
	s.bufs.New = func() any { b := make([]byte, copyBufferSize); return &b }
	if err := os.MkdirAll(s.tmp, 0o750); err != nil {
		return nil, cpaudit.Internal(op, err)
	}
	return s, nil
}

// checkKey is ValidKey plus the local store's one reservation: the
// temporary directory is not a key space.
func checkKey(key string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	if key == tmpDirName || strings.HasPrefix(key, tmpDirName+"/") {
		return invalidKey(fmt.Sprintf("blob key %q is in the reserved %s directory", key, tmpDirName))
	}
	return nil
}

// path is the file of a key (or the directory of a key prefix); "" is the
// root. Keys are checked first, so the path cannot leave the root.
func (s *Local) path(key string) string {
	return filepath.Join(s.root, filepath.FromSlash(key))
}

// Put writes to a temporary file and renames it over the key's file, so a
// reader sees the old content or the new, never a mix, and a failed Put
// leaves the old content and no temporary file.
func (s *Local) Put(ctx context.Context, key string, r io.Reader, size int64) (err error) {
	const op = "blob.Local.Put"
	if err := checkKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return blobError(op, err)
	}
	f, err := s.createTemp("put-*")
	if err != nil {
		return cpaudit.Internal(op, err)
	}
	tmp := f.Name()
	closed := false
	defer func() {
		if err != nil {
			if !closed {
				f.Close()
			}
			os.Remove(tmp)
		}
	}()

	buf := s.bufs.Get().(*[]byte)
	_, err = copyExact(ctx, op, f, r, size, *buf)
	s.bufs.Put(buf)
	if err != nil {
		return err
	}
	// The data must be on disk before the rename makes it visible: after
	// a crash the name could otherwise point at a truncated file.
	if err := f.Sync(); err != nil {
		return cpaudit.Internal(op, err)
	}
	closed = true
	if err := f.Close(); err != nil {
		return cpaudit.Internal(op, err)
	}
	dst := s.path(key)
	if err := s.mkdirAll(filepath.Dir(dst)); err != nil {
		return cpaudit.Internal(op, err)
	}
	// The last moment to give up without touching the key.
	if err := ctx.Err(); err != nil {
		return blobError(op, err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return cpaudit.Internal(op, err)
	}
	// The rename is durable only once the directory entry is. If that
	// fails the new content is in place but may not survive a crash; the
	// caller must not rely on it, and at worst it is an orphan for garbage
	// collection.
	if err := syncDir(filepath.Dir(dst)); err != nil {
		return cpaudit.Internal(op, fmt.Errorf("blob %q stored but not known to be durable: %w", key, err))
	}
	return nil
}

// createTemp creates a file in the temporary directory, making the
// directory again if someone removed it. It does not make the root: a
// missing root may be an unmounted volume, to report, not to paper over
// with an empty directory on another file system.
func (s *Local) createTemp(pattern string) (*os.File, error) {
	f, err := os.CreateTemp(s.tmp, pattern)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.Mkdir(s.tmp, 0o750); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		f, err = os.CreateTemp(s.tmp, pattern)
	}
	return f, err
}

// mkdirAll creates dir and its missing parents under the root, fsyncing
// the parent of each directory it creates, so that a blob renamed into a
// new directory survives a crash along with the directory.
func (s *Local) mkdirAll(dir string) error {
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		return nil // the common case: the directory exists
	}
	rel, err := filepath.Rel(s.root, dir)
	if err != nil {
		return err
	}
	parent := s.root
	for name := range strings.SplitSeq(rel, string(filepath.Separator)) {
		d := filepath.Join(parent, name)
		switch err := os.Mkdir(d, 0o750); {
		case err == nil:
			if err := syncDir(parent); err != nil {
				return err
			}
		case errors.Is(err, fs.ErrExist):
			// Made by a concurrent Put, or there already; a file in the
			// way shows up as an error at the rename.
		default:
			return err
		}
		parent = d
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// notExist reports whether a file system error means the key is absent:
// ENOTDIR when a path component is a file (key "a/b" with a blob "a").
func notExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// Open returns the blob's *os.File.
func (s *Local) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	const op = "blob.Local.Open"
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, blobError(op, err)
	}
	f, err := os.Open(s.path(key))
	if notExist(err) {
		return nil, notFound(op, key)
	}
	if err != nil {
		return nil, cpaudit.Internal(op, err)
	}
	// A directory (the parent of other keys) opens too, but is no blob.
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, cpaudit.Internal(op, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, notFound(op, key)
	}
	return f, nil
}

func (s *Local) Stat(ctx context.Context, key string) (int64, error) {
	const op = "blob.Local.Stat"
	if err := checkKey(key); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, blobError(op, err)
	}
	fi, err := os.Stat(s.path(key))
	if notExist(err) {
		return 0, notFound(op, key)
	}
	if err != nil {
		return 0, cpaudit.Internal(op, err)
	}
	if !fi.Mode().IsRegular() {
		return 0, notFound(op, key)
	}
	return fi.Size(), nil
}

// Delete removes the blob's file. It leaves empty directories behind:
// removing them would race with a Put that has just created one, and a
// tenant has at most 256 of them (sha256/00 to sha256/ff). The directory
// is not fsynced: a deletion lost in a crash only brings back an orphan,
// which garbage collection removes again.
func (s *Local) Delete(ctx context.Context, key string) error {
	const op = "blob.Local.Delete"
	if err := checkKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return blobError(op, err)
	}
	p := s.path(key)
	fi, err := os.Lstat(p)
	if notExist(err) {
		return nil
	}
	if err != nil {
		return cpaudit.Internal(op, err)
	}
	if fi.IsDir() {
		return nil // a parent of other keys, not a blob: nothing to delete
	}
	if err := os.Remove(p); err != nil && !notExist(err) {
		return cpaudit.Internal(op, err)
	}
	return nil
}

// List walks the directories under the prefix. filepath.WalkDir is not
// used because its order (each directory's names sorted) is not the keys'
// lexical order: it lists "a/b" before "a-c", although '-' sorts before
// '/'. Sorting each directory's entries by the key text they stand for
// (name + "/" for a directory) gives lexical order while still streaming.
func (s *Local) List(ctx context.Context, prefix string, fn func(key string, size int64, modTime time.Time) error) error {
	const op = "blob.Local.List"
	if err := validPrefix(prefix); err != nil {
		return err
	}
	// Start in the deepest directory the prefix names entirely ("t/sha256/a"
	// starts in t/sha256), so listing one tenant reads no other.
	dir := ""
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		dir = prefix[:i]
	}
	err := s.walk(ctx, dir, prefix, fn)
	var ferr fnError
	if errors.As(err, &ferr) {
		return ferr.err
	}
	return blobError(op, err)
}

// fnError carries List's callback error up through the walk, so that List
// returns it unchanged rather than as a storage failure.
type fnError struct{ err error }

func (e fnError) Error() string { return e.err.Error() }

// walk lists the keys with prefix under directory dir ("" for the root, or
// a key prefix without its trailing slash).
func (s *Local) walk(ctx context.Context, dir, prefix string, fn func(string, int64, time.Time) error) error {
	entries, err := os.ReadDir(s.path(dir))
	if notExist(err) {
		return nil // nothing under this prefix, or removed during the walk
	}
	if err != nil {
		return err
	}
	type item struct {
		key   string // the key, or the directory's key prefix ending in '/'
		entry fs.DirEntry
	}
	items := make([]item, 0, len(entries))
	for _, e := range entries {
		key := e.Name()
		if dir != "" {
			key = dir + "/" + key
		}
		switch {
		case e.IsDir():
			if dir == "" && e.Name() == tmpDirName {
				continue
			}
			// Descend only where keys with the prefix can be.
			if strings.HasPrefix(key+"/", prefix) || strings.HasPrefix(prefix, key+"/") {
				items = append(items, item{key + "/", e})
			}
		case e.Type().IsRegular():
			// Files that are no valid key (dropped in by hand) are not
			// listed: callers could not Open or Delete them.
			if strings.HasPrefix(key, prefix) && checkKey(key) == nil {
				items = append(items, item{key, e})
			}
		}
	}
	slices.SortFunc(items, func(a, b item) int { return strings.Compare(a.key, b.key) })
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return err
		}
		if it.entry.IsDir() {
			if err := s.walk(ctx, strings.TrimSuffix(it.key, "/"), prefix, fn); err != nil {
				return err
			}
			continue
		}
		fi, err := it.entry.Info()
		if notExist(err) {
			continue // deleted since the directory was read
		}
		if err != nil {
			return err
		}
		if err := fn(it.key, fi.Size(), fi.ModTime()); err != nil {
			return fnError{err}
		}
	}
	return nil
}

// Ping checks that the store can still write: it creates and removes a
// temporary file, which catches a missing, read-only or full volume.
func (s *Local) Ping(ctx context.Context) error {
	const op = "blob.Local.Ping"
	if err := ctx.Err(); err != nil {
		return blobError(op, err)
	}
	f, err := s.createTemp("ping-*")
	if err != nil {
		return &cpaudit.Error{Kind: cpaudit.KindUnavailable, Op: op, Message: "the blob directory is unavailable", Err: err}
	}
	f.Close()
	if err := os.Remove(f.Name()); err != nil {
		return &cpaudit.Error{Kind: cpaudit.KindUnavailable, Op: op, Message: "the blob directory is unavailable", Err: err}
	}
	return nil
}

// CleanTemp removes temporary files older than olderThan, left by a crash
// in the middle of a Put (a Put that fails removes its own). A Put in
// progress rewrites its file's modification time with every write, so any
// olderThan longer than the longest stall of an upload is safe; an hour is
// plenty. Run it at start-up or periodically.
func (s *Local) CleanTemp(olderThan time.Duration) error {
	const op = "blob.Local.CleanTemp"
	entries, err := os.ReadDir(s.tmp)
	if err != nil {
		return cpaudit.Internal(op, err)
	}
	cutoff := time.Now().Add(-olderThan)
	var errs []error
	for _, e := range entries {
		fi, err := e.Info()
		if notExist(err) {
			continue // a Put finished or failed meanwhile
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !fi.ModTime().Before(cutoff) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(s.tmp, e.Name())); err != nil {
			errs = append(errs, err)
		}
	}
	return cpaudit.Internal(op, errors.Join(errs...))
}

// ErrCrossDevice means Adopt could not rename across file systems; the
// caller copies with Put instead.
var ErrCrossDevice = errors.New("staged file is on another file system")

// Adopt moves a complete file the caller already has on disk (an upload,
// staged while it was hashed) into the store under key, without writing
// the bytes a second time. When it returns nil the blob is durable: the
// file and its directory entry are fsynced. f must hold exactly size
// bytes; it is left open for the caller to close. ErrCrossDevice if f is
// on another file system.
//
// Unlike Put, Adopt may make a new key visible before its bytes are
// durable: when nothing is stored under the key yet, it renames first and
// fsyncs after, so that on ext4 and other journalling file systems the
// file's fsync commits the rename in the same journal transaction and the
// directory's fsync finds nothing left to do (one journal commit per
// upload instead of two). That is safe for the content-addressed keys of
// uploads, which is what Adopt is for: nothing refers to such a key until
// the caller commits its row, after Adopt returns; a crash in between can
// leave a partial file under a key that no row names, which the next
// Adopt of the same key replaces and garbage collection removes. A key
// that exists is replaced the careful way, fsync before rename, so that
// whatever another upload's committed row names is always durable.
func (s *Local) Adopt(ctx context.Context, key string, f *os.File, size int64) error {
	const op = "blob.Local.Adopt"
	if err := checkKey(key); err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		return cpaudit.Internal(op, err)
	}
	if fi.Size() != size {
		return sizeMismatch(op, size)
	}
	dst := s.path(key)
	if err := s.mkdirAll(filepath.Dir(dst)); err != nil {
		return cpaudit.Internal(op, err)
	}
	if err := ctx.Err(); err != nil {
		return blobError(op, err)
	}
	placed := false
	switch err := renameNoReplace(f.Name(), dst); {
	case err == nil:
		placed = true
	case errors.Is(err, fs.ErrExist), errors.Is(err, errors.ErrUnsupported):
		// Replace below, durable before it is renamed into place.
	case errors.Is(err, syscall.EXDEV):
		return ErrCrossDevice
	default:
		return cpaudit.Internal(op, err)
	}
	if err := f.Sync(); err != nil {
		return cpaudit.Internal(op, err)
	}
	if !placed {
		if err := os.Rename(f.Name(), dst); err != nil {
			if errors.Is(err, syscall.EXDEV) {
				return ErrCrossDevice
			}
			return cpaudit.Internal(op, err)
		}
	}
	if err := syncDir(filepath.Dir(dst)); err != nil {
		return cpaudit.Internal(op, fmt.Errorf("blob %q stored but not known to be durable: %w", key, err))
	}
	return nil
}
