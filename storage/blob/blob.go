// Package blob owns where document bytes live: a narrow Store interface
// over immutable, content-addressed blobs, with three implementations that
// pass one contract test (testStore in conformance_test.go): Local (the
// file system, fsynced and renamed into place), S3 (MinIO or any S3
// service, through minio-go) and Mem (memory, for fast tests).
//
// It knows nothing of tenants or documents: package storage names the keys
// (SLUG/sha256/AB/ABCDEF…) and decides when a blob may be deleted.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cpaudit/cpaudit"
)

// Store keeps immutable byte blobs under string keys
// ("tenant-slug/sha256/ab/abcdef..."). It is declared here, next to its
// implementations, because storage.Store is its only consumer and every
// implementation must pass the same contract test (testStore): Local (the
// file system), S3 (any S3 service) and Mem (memory, for fast tests).
//
// Every method returns KindInvalid for a key that fails ValidKey, and
// KindUnavailable when the backing service does not answer (including a
// context deadline); other failures are KindInternal. A cancelled context
// gives an error that wraps context.Canceled.
type Store interface {
	// Put stores exactly size bytes from r under key, atomically: after an
	// error the key is absent or holds its old complete content; after
	// success the bytes are durable (fsynced, or acknowledged by S3).
	// size < 0 means unknown. If r yields a different number of bytes than
	// size, Put fails with KindInvalid and stores nothing. An error from r
	// is returned wrapped (errors.Is finds it), keeping its kind if it has
	// one. Put never closes r.
	Put(ctx context.Context, key string, r io.Reader, size int64) error
	// Open returns the blob's bytes, which the caller must close;
	// KindNotFound if absent.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Stat returns the blob's size; KindNotFound if absent.
	Stat(ctx context.Context, key string) (int64, error)
	// Delete removes the blob; deleting an absent key is not an error.
	Delete(ctx context.Context, key string) error
	// List calls fn for every key with the prefix, in lexical (byte)
	// order, with its size and modification time; fn's error stops the
	// walk and is returned unchanged. The prefix is "" (everything) or a
	// valid key, optionally followed by '/'; KindInvalid otherwise. fn may
	// call the store (List holds no lock while it runs), but keys put or
	// deleted during the walk may or may not be listed.
	List(ctx context.Context, prefix string, fn func(key string, size int64, modTime time.Time) error) error
	// Ping checks that the store is reachable and usable; KindUnavailable
	// otherwise.
	Ping(ctx context.Context) error
}

// maxKeyLen leaves room under S3's 1024-byte object name limit for a
// bucket-sharing prefix (see S3Config.Prefix).
const maxKeyLen = 512

// ValidKey checks a blob key: 1..512 bytes of [A-Za-z0-9._/-], no leading
// or trailing '/', no empty, "." or ".." segment (KindInvalid otherwise).
// Keys become file paths, so this is what keeps a key inside the store's
// root; every implementation calls it, so that a key accepted by one store
// is accepted by all.
func ValidKey(key string) error {
	if len(key) == 0 || len(key) > maxKeyLen {
		return invalidKey(fmt.Sprintf("a blob key must be 1 to %d bytes long, not %d", maxKeyLen, len(key)))
	}
	for i := 0; i < len(key); i++ {
		if !keyByte(key[i]) {
			return invalidKey(fmt.Sprintf("blob key %q has a character other than A-Z, a-z, 0-9, '.', '_', '-' and '/'", key))
		}
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return invalidKey(fmt.Sprintf("blob key %q has an empty, '.' or '..' segment", key))
		}
	}
	return nil
}

func keyByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-' || c == '/'
}

func invalidKey(msg string) error {
	return &cpaudit.Error{Kind: cpaudit.KindInvalid, Op: "blob.ValidKey", Message: msg}
}

// validPrefix checks a List prefix: "" or a valid key, optionally followed
// by '/'. The local store turns the prefix into a directory to start from,
// so a prefix, like a key, must not be able to leave the root.
func validPrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	return ValidKey(strings.TrimSuffix(prefix, "/"))
}

// blobError classifies an unexpected error of op: a context deadline means
// the store did not answer in time (KindUnavailable); anything else,
// including a cancelled context, is internal. Errors already classified,
// like a KindTooLarge from a limiting reader, keep their kind.
func blobError(op string, err error) error {
	var e *cpaudit.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &e):
		return err
	case errors.Is(err, context.DeadlineExceeded):
		return &cpaudit.Error{Kind: cpaudit.KindUnavailable, Op: op, Message: "the blob store did not answer in time", Err: err}
	default:
		return cpaudit.Internal(op, err)
	}
}

// sizeMismatch is the error of a Put whose reader did not yield the
// announced number of bytes: a truncated upload or a caller's bug.
func sizeMismatch(op string, size int64) error {
	return &cpaudit.Error{Kind: cpaudit.KindInvalid, Op: op, Message: fmt.Sprintf("the content is not the %d bytes announced", size)}
}

// notFound is the error for an absent key. The key goes to Err, for logs:
// the message may reach a user, who has no use for storage keys.
func notFound(op, key string) error {
	return &cpaudit.Error{Kind: cpaudit.KindNotFound, Code: cpaudit.CodeContentNotFound, Op: op, Message: "the stored content was not found", Err: fmt.Errorf("no blob %q", key)}
}

// copyExact copies r to w with buf (nil: io.CopyBuffer allocates one),
// stopping when ctx is done, and fails with sizeMismatch unless r yields
// exactly size bytes (any number if size < 0). It reads at most size+1
// bytes, so an overlong source cannot fill the disk or the memory.
func copyExact(ctx context.Context, op string, w io.Writer, r io.Reader, size int64, buf []byte) (int64, error) {
	var src io.Reader = ctxReader{ctx, r}
	if size >= 0 {
		src = io.LimitReader(src, size+1)
	}
	// Hiding w's ReadFrom (os.File and bytes.Buffer have one) makes
	// CopyBuffer use buf instead of a 32 KiB buffer of its own.
	n, err := io.CopyBuffer(struct{ io.Writer }{w}, src, buf)
	if err != nil {
		return n, blobError(op, err)
	}
	if size >= 0 && n != size {
		return n, sizeMismatch(op, size)
	}
	return n, nil
}

// ctxReader ends a copy once the context is done, so that a Put from a
// slow client stops when the request is abandoned.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
