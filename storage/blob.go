package storage

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/cpaudit/cpaudit"
)

// BlobStore keeps immutable byte blobs under string keys
// ("tenant-slug/sha256/ab/abcdef..."). Two implementations: the local file
// system and S3; MemBlobStore is the in-memory twin for tests. All pass the
// same conformance suite.
type BlobStore interface {
	// Put stores exactly size bytes from r under key, atomically: after an
	// error the key is absent or holds its old complete content; after
	// success the bytes are durable. size < 0 means unknown. If r yields a
	// different number of bytes than size, Put fails (KindInvalid) and
	// stores nothing. KindInvalid for a bad key.
	Put(ctx context.Context, key string, r io.Reader, size int64) error
	// Open returns the blob's bytes; KindNotFound if absent.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Stat returns the blob's size; KindNotFound if absent.
	Stat(ctx context.Context, key string) (int64, error)
	// Delete removes the blob; deleting an absent key is not an error.
	Delete(ctx context.Context, key string) error
	// List calls fn for every key with the prefix, in lexical order, with
	// its size and modification time; fn's error stops the walk and is
	// returned.
	List(ctx context.Context, prefix string, fn func(key string, size int64, modTime time.Time) error) error
	// Ping checks that the store is reachable (KindUnavailable otherwise).
	Ping(ctx context.Context) error
}

// ValidKey checks a blob key: 1..512 bytes of [A-Za-z0-9._/-], no leading
// or trailing '/', no empty, "." or ".." segment. Keys become file paths,
// so this is what keeps a key inside the store's root.
func ValidKey(key string) error {
	if len(key) == 0 || len(key) > 512 {
		return cpaudit.Errorf(cpaudit.KindInvalid, "blob key must be 1-512 bytes")
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '/' || c == '-') {
			return cpaudit.Errorf(cpaudit.KindInvalid, "blob key %q has a forbidden character", key)
		}
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return cpaudit.Errorf(cpaudit.KindInvalid, "blob key %q has an empty, '.' or '..' segment", key)
		}
	}
	return nil
}
