package blob

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
)

// Mem is a Store in memory, with the same semantics as the
// others (it passes the same contract test), for tests that need a store
// but not a disk. The zero value is not usable; call NewMem.
type Mem struct {
	mu    sync.Mutex
	blobs map[string]memBlob
}

// memBlob is one stored blob. data is never modified once stored (a Put
// replaces the whole entry), so readers can share it without the lock.
type memBlob struct {
	data    []byte
	modTime time.Time
}

// NewMem returns an empty in-memory store.
func NewMem() *Mem { return &Mem{blobs: map[string]memBlob{}} }

// Put reads r in full before taking the lock, so a slow reader does not
// block the store, and stores nothing unless r yields exactly size bytes.
func (m *Mem) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	const op = "blob.Mem.Put"
	if err := ValidKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return blobError(op, err)
	}
	var buf bytes.Buffer
	if size > 0 {
		buf.Grow(int(min(size, 64<<20)))
	}
	if _, err := copyExact(ctx, op, &buf, r, size, nil); err != nil {
		return err
	}
	// A Put cancelled after its last read must still store nothing.
	if err := ctx.Err(); err != nil {
		return blobError(op, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.blobs[key] = memBlob{data: buf.Bytes(), modTime: time.Now()}
	return nil
}

// Open returns a reader of the blob as it is now; a later Put of the same
// key does not change what it reads.
func (m *Mem) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	const op = "blob.Mem.Open"
	b, err := m.get(ctx, op, key)
	if err != nil {
		return nil, err
	}
	return io.NopCloser(bytes.NewReader(b.data)), nil
}

func (m *Mem) Stat(ctx context.Context, key string) (int64, error) {
	b, err := m.get(ctx, "blob.Mem.Stat", key)
	if err != nil {
		return 0, err
	}
	return int64(len(b.data)), nil
}

func (m *Mem) get(ctx context.Context, op, key string) (memBlob, error) {
	if err := ValidKey(key); err != nil {
		return memBlob{}, err
	}
	if err := ctx.Err(); err != nil {
		return memBlob{}, blobError(op, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.blobs[key]
	if !ok {
		return memBlob{}, notFound(op, key)
	}
	return b, nil
}

func (m *Mem) Delete(ctx context.Context, key string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return blobError("blob.Mem.Delete", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.blobs, key)
	return nil
}

// List works on a snapshot taken under the lock and calls fn without it,
// so fn may Put or Delete (the garbage collector deletes as it goes).
func (m *Mem) List(ctx context.Context, prefix string, fn func(key string, size int64, modTime time.Time) error) error {
	const op = "blob.Mem.List"
	if err := validPrefix(prefix); err != nil {
		return err
	}
	type entry struct {
		key     string
		size    int64
		modTime time.Time
	}
	var entries []entry
	m.mu.Lock()
	for k, b := range m.blobs {
		if strings.HasPrefix(k, prefix) {
			entries = append(entries, entry{k, int64(len(b.data)), b.modTime})
		}
	}
	m.mu.Unlock()
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return blobError(op, err)
		}
		if err := fn(e.key, e.size, e.modTime); err != nil {
			return err
		}
	}
	return nil
}

// Ping always succeeds: memory is always reachable.
func (m *Mem) Ping(ctx context.Context) error { return nil }
