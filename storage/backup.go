package storage

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/storage/blob"
)

// A backup is one tar stream: first the manifest (ManifestName), which
// lists every file that follows with its size and SHA-256, then the
// databases (platform.db, tenants/SLUG/tenant.db) and, when the blobs are
// copied, each blob under blobs/KEY. The search indexes are not in it: a
// server that finds a tenant's index missing creates it empty and queues
// every document again (search/index Set.Fresh), and cpaudit reindex
// rebuilds one with the server stopped.
const (
	ManifestName  = "cpaudit-backup.json"
	backupFormat  = "cpaudit-backup/1"
	blobPrefix    = "blobs/"
	platformDB    = "platform.db"
	tenantDBName  = "tenant.db"
	tenantsPrefix = "tenants/"
)

// BackupManifest describes a backup; it is the archive's first entry.
type BackupManifest struct {
	Format    string    `json:"format"`
	CreatedAt time.Time `json:"created_at"`
	// Databases are the SQLite files, each a consistent copy.
	Databases []BackupFile `json:"databases"`
	// BlobsArchived says whether the blobs are in the archive (a local
	// blob store) or only listed (S3: they stay where they are).
	BlobsArchived bool `json:"blobs_archived"`
	// BlobsLocation says where the blobs were (for the operator).
	BlobsLocation string `json:"blobs_location,omitempty"`
	// Blobs lists every blob a document version references, by key.
	Blobs []BackupFile `json:"blobs"`
	// SearchIndex says what becomes of the full-text indexes.
	SearchIndex string `json:"search_index"`
}

// BackupFile is one database (Path, relative to the data directory) or
// one blob (Path is its key) of a backup.
type BackupFile struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// BackupProgress is told how far a backup or restore is: done of total
// units (files or bytes, as unit says) of step ("databases", "blobs"...).
type BackupProgress func(step, unit string, done, total int64)

// BackupOptions say how Backup treats the blobs.
type BackupOptions struct {
	// CopyBlobs copies every referenced blob into the archive (a local
	// blob store); otherwise each is checked present with its size and
	// only listed (S3).
	CopyBlobs bool
	// BlobsLocation is recorded in the manifest, for the operator.
	BlobsLocation string
	// TempDir receives the database copies before they are archived; it
	// must exist. The copies are removed when Backup returns.
	TempDir  string
	Progress BackupProgress
}

// Backup writes a consistent backup of the store, as a tar stream, to w;
// it works while a server runs on the same data. Each database is copied
// with VACUUM INTO, which reads one snapshot of it while writers go on:
// the platform database first, then every tenant it lists. The blobs
// backed up are those the copied databases reference; blobs are immutable
// and never deleted while referenced, so every one of them is there. A
// blob missing or not matching its SHA-256 fails the backup (cpaudit
// verify names them).
func (s *Store) Backup(ctx context.Context, w io.Writer, opt BackupOptions) (BackupManifest, error) {
	progress := opt.Progress
	if progress == nil {
		progress = func(string, string, int64, int64) {}
	}
	m := BackupManifest{
		Format:        backupFormat,
		CreatedAt:     s.clock(),
		BlobsArchived: opt.CopyBlobs,
		BlobsLocation: opt.BlobsLocation,
		SearchIndex:   "not included: the server rebuilds a missing index at start (or run cpaudit reindex)",
		Blobs:         []BackupFile{},
	}
	work, err := os.MkdirTemp(opt.TempDir, "cpaudit-backup-*")
	if err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(work)

	// The databases, platform first: the tenants are those its copy lists.
	copyDB := func(db *sqlDB, rel string) error {
		file := filepath.Join(work, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(file), 0o750); err != nil {
			return err
		}
		if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, file); err != nil {
			return fmt.Errorf("copy %s: %w", rel, err)
		}
		sum, size, err := hashFile(file)
		if err != nil {
			return err
		}
		m.Databases = append(m.Databases, BackupFile{Path: rel, Size: size, SHA256: sum})
		return nil
	}
	if err := copyDB(s.platform, platformDB); err != nil {
		return m, err
	}
	slugs, err := readSnapshot(ctx, filepath.Join(work, platformDB), `SELECT slug FROM tenants ORDER BY slug`, func(rows *sql.Rows) (string, error) {
		var slug string
		return slug, rows.Scan(&slug)
	})
	if err != nil {
		return m, err
	}
	progress("databases", "files", 1, int64(len(slugs)+1))
	for i, slug := range slugs {
		t, err := s.TenantBySlug(ctx, slug)
		if err != nil {
			return m, fmt.Errorf("tenant %s: %w", slug, err)
		}
		h, err := s.tenant(ctx, t.ID)
		if err != nil {
			return m, err
		}
		rel := tenantsPrefix + slug + "/" + tenantDBName
		if err := copyDB(h.db, rel); err != nil {
			return m, err
		}
		blobs, err := readSnapshot(ctx, filepath.Join(work, filepath.FromSlash(rel)),
			`SELECT sha256, min(size) FROM document_versions GROUP BY sha256 ORDER BY sha256`, func(rows *sql.Rows) (BackupFile, error) {
				var f BackupFile
				err := rows.Scan(&f.SHA256, &f.Size)
				f.Path = blobKey(slug, f.SHA256)
				return f, err
			})
		if err != nil {
			return m, fmt.Errorf("tenant %s: %w", slug, err)
		}
		m.Blobs = append(m.Blobs, blobs...)
		progress("databases", "files", int64(i+2), int64(len(slugs)+1))
	}

	var blobBytes int64
	for _, b := range m.Blobs {
		blobBytes += b.Size
	}
	if !opt.CopyBlobs {
		// The blobs stay in S3: check that each is there, whole.
		for i, b := range m.Blobs {
			size, err := s.blobs.Stat(ctx, b.Path)
			if cpaudit.IsKind(err, cpaudit.KindNotFound) {
				return m, fmt.Errorf("blob %s is missing from the blob store (cpaudit verify lists the damage)", b.Path)
			} else if err != nil {
				return m, err
			}
			if size != b.Size {
				return m, fmt.Errorf("blob %s has %d bytes, its documents say %d (cpaudit verify lists the damage)", b.Path, size, b.Size)
			}
			progress("blobs", "blobs checked", int64(i+1), int64(len(m.Blobs)))
		}
	}

	tw := tar.NewWriter(w)
	manifest, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return m, err
	}
	if err := writeEntry(tw, ManifestName, int64(len(manifest)), m.CreatedAt, strings.NewReader(string(manifest))); err != nil {
		return m, err
	}
	for _, d := range m.Databases {
		f, err := os.Open(filepath.Join(work, filepath.FromSlash(d.Path)))
		if err != nil {
			return m, err
		}
		err = writeEntry(tw, d.Path, d.Size, m.CreatedAt, f)
		f.Close()
		if err != nil {
			return m, fmt.Errorf("archive %s: %w", d.Path, err)
		}
	}
	if opt.CopyBlobs {
		var done int64
		for _, b := range m.Blobs {
			if err := s.archiveBlob(ctx, tw, b, m.CreatedAt); err != nil {
				return m, err
			}
			done += b.Size
			progress("blobs", "bytes", done, blobBytes)
		}
	}
	return m, tw.Close()
}

// archiveBlob copies one blob into the archive, checking its bytes
// against their address on the way.
func (s *Store) archiveBlob(ctx context.Context, tw *tar.Writer, b BackupFile, mod time.Time) error {
	rc, err := s.blobs.Open(ctx, b.Path)
	if cpaudit.IsKind(err, cpaudit.KindNotFound) {
		return fmt.Errorf("blob %s is missing from the blob store (cpaudit verify lists the damage)", b.Path)
	} else if err != nil {
		return err
	}
	defer rc.Close()
	h := sha256.New()
	if err := writeEntry(tw, blobPrefix+b.Path, b.Size, mod, io.TeeReader(rc, h)); err != nil {
		return fmt.Errorf("blob %s: %w (cpaudit verify lists the damage)", b.Path, err)
	}
	// A longer blob leaves bytes unread: read one more to know.
	if n, _ := rc.Read(make([]byte, 1)); n > 0 || hex.EncodeToString(h.Sum(nil)) != b.SHA256 {
		return fmt.Errorf("blob %s does not match its SHA-256 (cpaudit verify lists the damage)", b.Path)
	}
	return nil
}

// writeEntry writes one regular file of exactly size bytes from r.
func writeEntry(tw *tar.Writer, name string, size int64, mod time.Time, r io.Reader) error {
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: 0o640, ModTime: mod, Format: tar.FormatPAX}); err != nil {
		return err
	}
	n, err := io.Copy(tw, io.LimitReader(r, size))
	if err != nil {
		return err
	}
	if n != size {
		return fmt.Errorf("%d bytes where %d were expected", n, size)
	}
	return nil
}

// readSnapshot runs q on a database copy, read-only, collecting a value
// per row.
func readSnapshot[T any](ctx context.Context, file, q string, scan func(*sql.Rows) (T, error)) ([]T, error) {
	db, err := sql.Open("sqlite3", "file:"+file+"?"+url.Values{"mode": {"ro"}}.Encode())
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var out []T
	err = scanRows(ctx, db, q, nil, func(rows *sql.Rows) error {
		v, err := scan(rows)
		out = append(out, v)
		return err
	})
	return out, err
}

func hashFile(file string) (string, int64, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	return hex.EncodeToString(h.Sum(nil)), n, err
}

// RestoreOptions say where a restore puts the blobs.
type RestoreOptions struct {
	// Blobs receives the archived blobs; for a backup whose blobs were
	// only listed (S3), every listed blob must already be in it.
	Blobs    blob.Store
	Progress BackupProgress
}

// Restore reads a backup (the tar stream Backup writes) into dir, which
// the caller has found empty or missing, checking every file against the
// manifest's size and SHA-256; it fails at the first file that does not
// match, at an entry the manifest does not list, and when a listed file
// is absent. A blob listed but not archived must be in opt.Blobs with its
// size. On failure dir holds a partial restore, for the caller to remove.
func Restore(ctx context.Context, r io.Reader, dir string, opt RestoreOptions) (BackupManifest, error) {
	progress := opt.Progress
	if progress == nil {
		progress = func(string, string, int64, int64) {}
	}
	var m BackupManifest
	tr := tar.NewReader(r)
	hdr, err := tr.Next()
	if err != nil {
		return m, corrupt("no manifest: %v", err)
	}
	if hdr.Name != ManifestName || hdr.Size > 1<<30 {
		return m, corrupt("its first entry is %q, not the manifest %s", hdr.Name, ManifestName)
	}
	if err := json.NewDecoder(tr).Decode(&m); err != nil {
		return m, corrupt("the manifest does not parse: %v", err)
	}
	if m.Format != backupFormat {
		return m, corrupt("format %q, this cpaudit reads %q", m.Format, backupFormat)
	}
	want := map[string]BackupFile{}
	var total int64
	for _, d := range m.Databases {
		if !validDBPath(d.Path) {
			return m, corrupt("the manifest lists a database at %q", d.Path)
		}
		want[d.Path] = d
		total += d.Size
	}
	if _, ok := want[platformDB]; !ok {
		return m, corrupt("it has no %s", platformDB)
	}
	for _, b := range m.Blobs {
		if err := blob.ValidKey(b.Path); err != nil || len(b.SHA256) != 64 {
			return m, corrupt("the manifest lists a blob %q", b.Path)
		}
		if m.BlobsArchived {
			want[blobPrefix+b.Path] = b
			total += b.Size
		}
	}
	if !m.BlobsArchived {
		// The blobs stay where they were: they must be where this restore
		// points.
		for i, b := range m.Blobs {
			size, err := opt.Blobs.Stat(ctx, b.Path)
			if cpaudit.IsKind(err, cpaudit.KindNotFound) {
				return m, fmt.Errorf("blob %s is not in the blob store: this backup left its blobs in %s; restore with the same --s3-* settings", b.Path, m.BlobsLocation)
			} else if err != nil {
				return m, err
			}
			if size != b.Size {
				return m, fmt.Errorf("blob %s has %d bytes in the blob store, the backup says %d", b.Path, size, b.Size)
			}
			progress("blobs", "blobs checked", int64(i+1), int64(len(m.Blobs)))
		}
	}
	var done int64
	seen := map[string]bool{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return m, corrupt("%v", err)
		}
		f, ok := want[hdr.Name]
		if !ok || seen[hdr.Name] || hdr.Typeflag != tar.TypeReg {
			return m, corrupt("entry %q is not in its manifest", hdr.Name)
		}
		if hdr.Size != f.Size {
			return m, corrupt("%s has %d bytes, its manifest says %d", hdr.Name, hdr.Size, f.Size)
		}
		seen[hdr.Name] = true
		h := sha256.New()
		src := io.TeeReader(tr, h)
		if key, ok := strings.CutPrefix(hdr.Name, blobPrefix); ok {
			err = putBlob(ctx, opt.Blobs, key, src, f, h)
		} else {
			err = writeFileSynced(filepath.Join(dir, filepath.FromSlash(hdr.Name)), src, f, h)
		}
		if err != nil {
			return m, err
		}
		done += f.Size
		progress("files", "bytes", done, total)
	}
	for name := range want {
		if !seen[name] {
			return m, corrupt("%s, listed in its manifest, is not in it", name)
		}
	}
	return m, syncDirs(dir)
}

// validDBPath accepts platform.db and tenants/SLUG/tenant.db only, so an
// archive cannot write anywhere else.
func validDBPath(p string) bool {
	if p == platformDB {
		return true
	}
	rest, ok := strings.CutPrefix(p, tenantsPrefix)
	slug, name, ok2 := strings.Cut(rest, "/")
	return ok && ok2 && name == tenantDBName && cpaudit.ValidateSlug(slug) == nil && path.Clean(p) == p
}

func putBlob(ctx context.Context, blobs blob.Store, key string, r io.Reader, f BackupFile, h hash.Hash) error {
	if err := blobs.Put(ctx, key, r, f.Size); err != nil {
		return fmt.Errorf("blob %s: %w", key, err)
	}
	if hex.EncodeToString(h.Sum(nil)) != f.SHA256 {
		blobs.Delete(ctx, key)
		return corrupt("blob %s does not match its SHA-256", key)
	}
	return nil
}

func writeFileSynced(file string, r io.Reader, f BackupFile, h hash.Hash) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o750); err != nil {
		return err
	}
	out, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, r)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return corrupt("%s: %v", f.Path, err)
	}
	if hex.EncodeToString(h.Sum(nil)) != f.SHA256 {
		return corrupt("%s does not match its SHA-256", f.Path)
	}
	return nil
}

// syncDirs fsyncs dir and every directory below it, so the restored
// files' names are on disk too.
func syncDirs(dir string) error {
	return filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		return f.Sync()
	})
}

// ErrCorruptBackup is wrapped by every error Restore gives for an archive
// that is damaged or not a backup.
var ErrCorruptBackup = errors.New("the backup is damaged or not a cpaudit backup")

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorruptBackup, fmt.Sprintf(format, args...))
}
