package blob

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/cpaudit/cpaudit/storage/blob/blobtest"
)

// TestS3ErasureCoded (issue 25, scale-out) runs the store contract against
// a MinIO of the test's own in erasure-coded mode over 4 drives on one
// machine, the layout of a distributed deployment (docs/operations.md,
// "Scaling out"): the same S3 API, with every object split into data and
// parity shards. It then removes one drive's copy of the bucket and reads
// every blob back whole, as a node losing a disk would.
func TestS3ErasureCoded(t *testing.T) {
	srv := blobtest.StartErasureServer(t, 4)
	ctx := context.Background()
	cfg := S3Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
		Bucket: "cpaudit-erasure", Prefix: "cpaudit/"}
	if _, err := NewS3(ctx, cfg); err != nil {
		t.Fatalf("creating the bucket: %v", err)
	}
	testStore(t, func(t *testing.T) Store {
		c := cfg
		c.Prefix = cfg.Prefix + randomHex(4)
		s, err := NewS3(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})

	s, err := NewS3(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	blobs := map[string][]byte{}
	for _, size := range []int{1, 100 << 10, 20 << 20} { // one PUT and a multipart upload
		data := randomBlob(size)
		key := fmt.Sprintf("t/sha256/ab/erasure-%d", size)
		putBlob(t, s, key, data)
		blobs[key] = data
	}
	// Every drive holds a part of the bucket: the objects really are spread.
	for i := 1; i <= 4; i++ {
		if _, err := os.Stat(filepath.Join(srv.Drive(i), cfg.Bucket)); err != nil {
			t.Fatalf("drive %d holds no part of the bucket: %v", i, err)
		}
	}
	if err := os.RemoveAll(filepath.Join(srv.Drive(2), cfg.Bucket)); err != nil {
		t.Fatal(err)
	}
	for key, data := range blobs {
		if got := readBlob(t, s, key); !bytes.Equal(got, data) {
			t.Errorf("%s after losing a drive: %d bytes, want %d", key, len(got), len(data))
		}
	}
}
