package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/cpaudit/cpaudit/storage"
)

// cmdBackup writes a consistent backup of a data directory, while a server
// may run on it, to one tar file (gzipped when FILE ends in .gz or .tgz):
// written to FILE.tmp, fsynced, then renamed to FILE.
func cmdBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg Config
	var out string
	fs := newFlagSet("backup", &cfg, getenv, stderr)
	fs.StringVar(&out, "out", "", "the archive to write (.tar, or .tar.gz / .tgz to compress it)")
	if pos, err := parseArgs(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", pos[0])}
	}
	if out == "" {
		return usageError{"usage: cpaudit backup --data DIR --out FILE"}
	}
	if fi, err := os.Stat(out); err == nil && fi.IsDir() {
		return fmt.Errorf("--out %s is a directory; name the archive file to write", out)
	}
	return withStore(ctx, &cfg, func(s *storage.Store) error {
		start := time.Now()
		tmp := out + ".tmp"
		f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return fmt.Errorf("cannot write the backup: %w", err)
		}
		ok := false
		defer func() {
			if !ok {
				f.Close()
				os.Remove(tmp)
			}
		}()
		bw := bufio.NewWriterSize(f, 1<<20)
		var w io.Writer = bw
		var zw *gzip.Writer
		if strings.HasSuffix(out, ".gz") || strings.HasSuffix(out, ".tgz") {
			zw = gzip.NewWriter(bw)
			w = zw
		}
		progress, finish := progressBars(stderr)
		location := "the archive (local blob store)"
		if cfg.S3.Endpoint != "" {
			location = "s3://" + cfg.S3.Endpoint + "/" + cfg.S3.Bucket + "/" + cfg.S3.Prefix
		}
		m, err := s.Backup(ctx, w, storage.BackupOptions{
			CopyBlobs:     cfg.S3.Endpoint == "",
			BlobsLocation: location,
			TempDir:       filepath.Dir(out),
			Progress:      progress,
		})
		finish()
		if err != nil {
			return err
		}
		if zw != nil {
			if err := zw.Close(); err != nil {
				return err
			}
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		if err := f.Sync(); err != nil {
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		if err := os.Rename(tmp, out); err != nil {
			return err
		}
		ok = true
		if err := syncDir(filepath.Dir(out)); err != nil {
			return err
		}
		var bytes int64
		for _, b := range m.Blobs {
			bytes += b.Size
		}
		blobs := "listed (they stay in " + location + ")"
		if m.BlobsArchived {
			blobs = "copied"
		}
		fmt.Fprintf(stdout, "backed up %d databases and %d blobs of %d bytes, %s, to %s in %s; search indexes are rebuilt after a restore\n",
			len(m.Databases), len(m.Blobs), bytes, blobs, out, time.Since(start).Round(time.Millisecond))
		return nil
	})
}

// cmdRestore restores a backup into an empty or missing data directory,
// checking every file against the archive's manifest. On failure the
// directory is left as it was found (missing, or empty).
func cmdRestore(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg Config
	var in string
	fs := newFlagSet("restore", &cfg, getenv, stderr)
	fs.StringVar(&in, "in", "", "the archive cpaudit backup wrote")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	} else if len(pos) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", pos[0])}
	}
	// The data directory is named, not taken by default: a restore
	// creates it.
	dataGiven := getenv("CPAUDIT_DATA") != ""
	fs.Visit(func(f *flag.Flag) { dataGiven = dataGiven || f.Name == "data" })
	if in == "" || !dataGiven {
		return usageError{"usage: cpaudit restore --data EMPTYDIR --in FILE"}
	}
	dir := cfg.DataDir
	created := false
	switch entries, err := os.ReadDir(dir); {
	case errors.Is(err, os.ErrNotExist):
		created = true
	case err != nil:
		return fmt.Errorf("cannot restore into %s: %v", dir, err)
	case len(entries) > 0:
		return fmt.Errorf("%s is not empty (%d entries): restore only into an empty or missing directory", dir, len(entries))
	}
	src, err := os.Open(in)
	if err != nil {
		return fmt.Errorf("cannot read the backup: %w", err)
	}
	defer src.Close()
	br := bufio.NewReaderSize(src, 1<<20)
	var r io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("%s: %w: %v", in, storage.ErrCorruptBackup, err)
		}
		r = zr
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	ok := false
	defer func() {
		if ok {
			return
		}
		if created {
			os.RemoveAll(dir)
			return
		}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}()
	blobs, err := cfg.openBlobs(ctx)
	if err != nil {
		return err
	}
	progress, finish := progressBars(stderr)
	m, err := storage.Restore(ctx, r, dir, storage.RestoreOptions{Blobs: blobs, Progress: progress})
	finish()
	if err != nil {
		return fmt.Errorf("%s: %s", in, describe(err))
	}
	ok = true
	fmt.Fprintf(stdout, "restored %d databases and %d blobs (backup of %s) into %s; the server rebuilds the search indexes when it starts\n",
		len(m.Databases), len(m.Blobs), m.CreatedAt.Format(time.RFC3339), dir)
	return nil
}

// progressBars shows a backup's or restore's steps on stderr, one bar
// per step; finish ends the last one.
func progressBars(stderr io.Writer) (storage.BackupProgress, func()) {
	var bar *progressbar.ProgressBar
	current := ""
	finish := func() {
		if bar != nil {
			bar.Finish()
			bar = nil
		}
	}
	return func(step, unit string, done, total int64) {
		if step != current {
			finish()
			current = step
			opts := []progressbar.Option{progressbar.OptionSetWriter(stderr),
				progressbar.OptionSetDescription(step), progressbar.OptionShowCount(),
				progressbar.OptionThrottle(100 * time.Millisecond),
				progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) })}
			if unit == "bytes" {
				opts = append(opts, progressbar.OptionShowBytes(true))
			}
			bar = progressbar.NewOptions64(total, opts...)
		}
		bar.Set64(done)
	}, finish
}

// syncDir fsyncs a directory, so a file renamed into it stays there.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
