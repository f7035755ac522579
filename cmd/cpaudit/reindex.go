package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/cpaudit/cpaudit/search/pipeline"
	"github.com/cpaudit/cpaudit/storage"
)

// cmdReindex rebuilds one tenant's full-text index from the stored texts.
// The server must not be running on the same data directory: the index is
// locked while open, and reindex says so rather than wait.
func cmdReindex(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg Config
	var slug string
	fs := newFlagSet("reindex", &cfg, getenv, stderr)
	fs.StringVar(&slug, "tenant", "", "tenant slug")
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	if slug == "" {
		return usageError{"usage: cpaudit reindex --tenant SLUG --data DIR"}
	}
	return withStore(ctx, &cfg, func(s *storage.Store) error {
		t, err := s.TenantBySlug(ctx, slug)
		if err != nil {
			return err
		}
		start := time.Now()
		var bar *progressbar.ProgressBar
		n, err := pipeline.Rebuild(ctx, s, t.ID, s.IndexDir(t.Slug), func(done, total int) {
			if bar == nil {
				bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(stderr),
					progressbar.OptionSetDescription("indexing "+t.Slug),
					progressbar.OptionShowCount(), progressbar.OptionThrottle(100*time.Millisecond),
					progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }))
			}
			bar.Set(done)
		})
		if bar != nil {
			bar.Finish()
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "rebuilt the search index of %s: %d documents with text, in %s\n", t.Slug, n, time.Since(start).Round(time.Millisecond))
		return nil
	})
}
