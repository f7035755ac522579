// Package storage owns everything cpaudit keeps: the platform database that
// lists tenants, one SQLite database per tenant (people, organisations,
// audits, documents, the hash-chained audit log), and the blobs behind
// documents, in a blob.Store (the local file system or S3).
//
// It is the only package that imports the SQLite driver and minio-go. It
// translates their errors into cpaudit error kinds (no rows → KindNotFound,
// UNIQUE → KindConflict, NoSuchKey → KindNotFound) and never returns a nil
// value with a nil error.
//
// Layout under the data directory:
//
//	platform.db                 tenants
//	tenants/SLUG/tenant.db      the tenant's database
//	tenants/SLUG/index/         the tenant's search index (package search)
//	tmp/                        upload spool files
//	blobs/                      blobs, when stored on the local file system
//
// Blob keys are SLUG/sha256/AB/ABCDEF…: content-addressed, one prefix per tenant.
package storage
