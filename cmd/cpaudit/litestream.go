package main

import (
	"context"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cpaudit/cpaudit/storage"
)

// cmdLitestreamConfig prints a Litestream configuration (litestream.yml)
// that replicates the platform database and every tenant's database of
// --data to S3, one replica path per database mirroring the data
// directory's layout. Credentials are not written: Litestream reads them
// from LITESTREAM_ACCESS_KEY_ID and LITESTREAM_SECRET_ACCESS_KEY. Rerun it
// (and restart Litestream) after creating a tenant. docs/operations.md,
// "Continuous replication", says how to use it.
func cmdLitestreamConfig(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg Config
	var endpoint, bucket, prefix, region, syncInterval string
	fs := newFlagSet("litestream-config", &cfg, getenv, stderr)
	fs.StringVar(&endpoint, "replica-endpoint", "", "S3 endpoint URL of the replicas, e.g. https://minio.internal:9000 (default: --s3-endpoint, with --s3-secure's scheme)")
	fs.StringVar(&bucket, "replica-bucket", "", "bucket of the replicas (default: --s3-bucket)")
	fs.StringVar(&prefix, "replica-path", "", "path of the replicas inside the bucket (default: --s3-prefix followed by litestream)")
	fs.StringVar(&region, "replica-region", "", "S3 region of the replicas (default: --s3-region, else us-east-1)")
	fs.StringVar(&syncInterval, "sync-interval", "1s", "how often Litestream ships new WAL frames (the most a crash of the disk can lose)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageError{"usage: cpaudit litestream-config --data DIR [--s3-* flags] [--replica-endpoint URL] [--replica-bucket B] [--replica-path P]"}
	}
	if endpoint == "" && cfg.S3.Endpoint != "" {
		endpoint = "http://" + cfg.S3.Endpoint
		if cfg.S3.Secure {
			endpoint = "https://" + cfg.S3.Endpoint
		}
	}
	if endpoint == "" {
		return usageError{"litestream-config needs --replica-endpoint or --s3-endpoint: where the replicas go"}
	}
	if bucket == "" {
		bucket = cfg.S3.Bucket
	}
	if prefix == "" {
		prefix = path.Join(cfg.S3.Prefix, "litestream")
	}
	if region == "" {
		region = cfg.S3.Region
	}
	if region == "" {
		region = "us-east-1"
	}
	data, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return err
	}
	var slugs []string
	err = withStore(ctx, &cfg, func(s *storage.Store) error {
		tenants, err := s.Tenants(ctx)
		for _, t := range tenants {
			slugs = append(slugs, t.Slug)
		}
		return err
	})
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by cpaudit litestream-config for %s: the platform database and %d tenants.\n", data, len(slugs))
	b.WriteString("# Credentials come from LITESTREAM_ACCESS_KEY_ID and LITESTREAM_SECRET_ACCESS_KEY.\n")
	b.WriteString("# Run it again, and restart Litestream, after creating a tenant.\n")
	b.WriteString("dbs:\n")
	dbs := []string{"platform.db"}
	for _, slug := range slugs {
		dbs = append(dbs, path.Join("tenants", slug, "tenant.db"))
	}
	for _, rel := range dbs {
		fmt.Fprintf(&b, "  - path: %s\n", yamlQuote(filepath.Join(data, filepath.FromSlash(rel))))
		b.WriteString("    replica:\n")
		b.WriteString("      type: s3\n")
		fmt.Fprintf(&b, "      endpoint: %s\n", yamlQuote(endpoint))
		fmt.Fprintf(&b, "      bucket: %s\n", yamlQuote(bucket))
		fmt.Fprintf(&b, "      path: %s\n", yamlQuote(path.Join(prefix, rel)))
		fmt.Fprintf(&b, "      region: %s\n", yamlQuote(region))
		b.WriteString("      force-path-style: true\n")
		fmt.Fprintf(&b, "      sync-interval: %s\n", yamlQuote(syncInterval))
	}
	_, err = io.WriteString(stdout, b.String())
	return err
}

// yamlQuote writes s as a double-quoted YAML scalar, whose escapes are
// those of a Go string for every character a path or URL may hold.
func yamlQuote(s string) string {
	return strconv.Quote(s)
}
