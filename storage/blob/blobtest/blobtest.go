// Package blobtest gives tests of any package a bucket of their own on the
// MinIO that scripts/test starts, removed when the test ends. It does not
// import package blob, so blob's own tests can use it.
package blobtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit/internal/testenv"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Settings are where a test's bucket is: the S3 settings of package blob.
type Settings struct {
	Endpoint, AccessKey, SecretKey, Bucket, Prefix string
}

// Bucket returns the settings of the MinIO that scripts/test starts
// (CPAUDIT_TEST_S3_*), with a bucket name no other run uses and a prefix.
// Without them the test fails in CI and is skipped elsewhere (testenv.S3
// decides). The bucket, if the test creates it, is emptied and removed when
// the test ends.
func Bucket(t *testing.T) Settings {
	t.Helper()
	endpoint, accessKey, secretKey := testenv.S3(t)
	b := make([]byte, 8)
	rand.Read(b)
	cfg := Settings{
		Endpoint:  endpoint,
		AccessKey: accessKey,
		SecretKey: secretKey,
		Bucket:    "cpaudit-test-" + hex.EncodeToString(b),
		Prefix:    "cpaudit-test/",
	}
	t.Cleanup(func() { removeTestBucket(t, cfg) })
	return cfg
}

// removeTestBucket empties and removes cfg's bucket, if it exists: every
// object, whatever its prefix, and every unfinished multipart upload (a
// failed large Put leaves one if it cannot abort it).
func removeTestBucket(t *testing.T, cfg Settings) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client, err := minio.New(cfg.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""), Secure: false})
	if err != nil {
		t.Errorf("cleaning up bucket %s: %v", cfg.Bucket, err)
		return
	}
	if ok, err := client.BucketExists(ctx, cfg.Bucket); err != nil || !ok {
		if err != nil {
			t.Errorf("cleaning up bucket %s: %v", cfg.Bucket, err)
		}
		return
	}
	for obj := range client.ListObjectsIter(ctx, cfg.Bucket, minio.ListObjectsOptions{Recursive: true}) {
		if obj.Err == nil {
			obj.Err = client.RemoveObject(ctx, cfg.Bucket, obj.Key, minio.RemoveObjectOptions{})
		}
		if obj.Err != nil {
			t.Errorf("cleaning up bucket %s: %v", cfg.Bucket, obj.Err)
			return
		}
	}
	for up := range client.ListIncompleteUploads(ctx, cfg.Bucket, "", true) {
		if up.Err == nil {
			up.Err = client.RemoveIncompleteUpload(ctx, cfg.Bucket, up.Key)
		}
		if up.Err != nil {
			t.Errorf("cleaning up bucket %s: %v", cfg.Bucket, up.Err)
			return
		}
	}
	if err := client.RemoveBucket(ctx, cfg.Bucket); err != nil {
		t.Errorf("removing bucket %s: %v", cfg.Bucket, err)
	}
}
