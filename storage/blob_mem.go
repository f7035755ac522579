package storage

import (
	"bytes"
	"context"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cpaudit/cpaudit"
)

// MemBlobStore is the in-memory BlobStore, for tests.
type MemBlobStore struct {
	mu    sync.Mutex
	blobs map[string]memBlob
}

type memBlob struct {
	data    []byte
	modTime time.Time
}

// NewMemBlobStore returns an empty in-memory store.
func NewMemBlobStore() *MemBlobStore { return &MemBlobStore{blobs: map[string]memBlob{}} }

func (m *MemBlobStore) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return cpaudit.Internal("storage.MemBlobStore.Put", err)
	}
	if size >= 0 && int64(len(data)) != size {
		return cpaudit.Errorf(cpaudit.KindInvalid, "blob %s: got %d bytes, expected %d", key, len(data), size)
	}
	if err := ctx.Err(); err != nil {
		return cpaudit.Internal("storage.MemBlobStore.Put", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.blobs[key] = memBlob{data: data, modTime: time.Now()}
	return nil
}

func (m *MemBlobStore) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.blobs[key]
	if !ok {
		return nil, cpaudit.Errorf(cpaudit.KindNotFound, "no blob %s", key)
	}
	return io.NopCloser(bytes.NewReader(b.data)), nil
}

func (m *MemBlobStore) Stat(ctx context.Context, key string) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.blobs[key]
	if !ok {
		return 0, cpaudit.Errorf(cpaudit.KindNotFound, "no blob %s", key)
	}
	return int64(len(b.data)), nil
}

func (m *MemBlobStore) Delete(ctx context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.blobs, key)
	return nil
}

func (m *MemBlobStore) List(ctx context.Context, prefix string, fn func(string, int64, time.Time) error) error {
	m.mu.Lock()
	var keys []string
	for k := range m.blobs {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	snapshot := make(map[string]memBlob, len(keys))
	for _, k := range keys {
		snapshot[k] = m.blobs[k]
	}
	m.mu.Unlock()
	sort.Strings(keys)
	for _, k := range keys {
		if err := fn(k, int64(len(snapshot[k].data)), snapshot[k].modTime); err != nil {
			return err
		}
	}
	return nil
}

func (m *MemBlobStore) Ping(ctx context.Context) error { return nil }
