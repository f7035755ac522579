package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/cpaudit/cpaudit/storage"
	"github.com/schollz/progressbar/v3"
)

// cmdVerify checks every tenant's audit log chain and re-hashes every
// blob; it exits non-zero if anything is altered or missing.
func cmdVerify(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlagSet("verify", &cfg, getenv, stderr)
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	var rep storage.VerifyReport
	err := withStore(ctx, &cfg, func(s *storage.Store) error {
		var bar *progressbar.ProgressBar
		var current string
		var err error
		rep, err = s.Verify(ctx, func(tenant string, done, total int) {
			if tenant != current {
				if bar != nil {
					bar.Finish()
				}
				current = tenant
				bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(stderr),
					progressbar.OptionSetDescription("verifying "+tenant+" blobs"),
					progressbar.OptionShowCount(), progressbar.OptionThrottle(100*time.Millisecond),
					progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }))
			}
			bar.Set(done)
		})
		if bar != nil {
			bar.Finish()
		}
		return err
	})
	if err != nil {
		return err
	}
	for _, p := range rep.Problems {
		fmt.Fprintln(stdout, "PROBLEM", p)
	}
	fmt.Fprintf(stdout, "checked %d tenants, %d log entries, %d blobs: %d problems\n", rep.Tenants, rep.LogEntries, rep.Blobs, len(rep.Problems))
	if len(rep.Problems) > 0 {
		return fmt.Errorf("verification found %d problems", len(rep.Problems))
	}
	return nil
}
