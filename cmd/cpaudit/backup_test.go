package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/storage"
	"github.com/cpaudit/cpaudit/storage/blob/blobtest"
)

// uploadID posts a document and returns its id.
func (c apiClient) uploadID(filename string, content []byte, fields ...[2]string) (string, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("kind", "evidence")
	for _, f := range fields {
		mw.WriteField(f[0], f[1])
	}
	fw, _ := mw.CreateFormFile("file", filename)
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest("POST", c.base+"/api/v1/documents", &body)
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 201 {
		return "", fmt.Errorf("upload %s: status %d", filename, resp.StatusCode)
	}
	var created struct{ ID string }
	err = json.NewDecoder(resp.Body).Decode(&created)
	return created.ID, err
}

// content returns the SHA-256 of a document's bytes as the server serves
// them.
func (c apiClient) contentSHA(id string) string {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.base+"/api/v1/documents/"+id+"/content", nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		c.t.Fatalf("content of %s: %d", id, resp.StatusCode)
	}
	h := sha256.New()
	io.Copy(h, resp.Body)
	return hex.EncodeToString(h.Sum(nil))
}

// TestBackupRestoreWhileServing (issue 25): a backup taken while the server
// runs and uploads restores into a new directory where verify is clean and
// every document, token and search answer is as before.
func TestBackupRestoreWhileServing(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o750); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, "tenant", "create", "hebei", "--name", "河北省生态环境厅", "--data", data)
	mustCLI(t, "tenant", "create", "beijing", "--name", "北京市生态环境局", "--data", data)
	mustCLI(t, "user", "create", "--tenant", "hebei", "--email", "zhang@lvyuan.cn", "--role", "admin", "--password", "一个足够长的密码abc", "--data", data)
	mustCLI(t, "user", "create", "--tenant", "beijing", "--email", "li@bj.gov.cn", "--role", "admin", "--password", "一个足够长的密码abc", "--data", data)
	token := strings.TrimSpace(mustCLI(t, "token", "create", "--tenant", "hebei", "--email", "zhang@lvyuan.cn", "--data", data))
	bjToken := strings.TrimSpace(mustCLI(t, "token", "create", "--tenant", "beijing", "--email", "li@bj.gov.cn", "--data", data))

	base, _, _ := startServer(t, data)
	c := apiClient{t: t, base: base, token: token}
	var ent, au struct{ ID string }
	c.post("/api/v1/enterprises", map[string]string{"name": "石家庄化工有限公司", "credit_code": "91350100M000100Y43", "industry": "C2710", "region": "130100"}, &ent)
	c.post("/api/v1/audits", map[string]string{"enterprise_id": ent.ID}, &au)
	docs := map[string]string{} // id: SHA-256 of the bytes uploaded
	for i, text := range []string{"本企业全年节水量达到一万二千吨。", "余热回收发电，全年节水量一千吨。", "清洁生产审核报告：能耗下降百分之八。"} {
		content := []byte(text)
		if i == 2 { // one document large enough that copying it takes a while
			content = bytes.Repeat([]byte(text), 40000)
		}
		id, err := c.uploadID(fmt.Sprintf("证据%d.txt", i), content, [2]string{"audit_id", au.ID})
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(content)
		docs[id] = hex.EncodeToString(sum[:])
	}
	bj := apiClient{t: t, base: base, token: bjToken}
	bjDoc, err := bj.uploadID("北京.txt", []byte("北京市节水量统计"))
	if err != nil {
		t.Fatal(err)
	}
	c.waitIdle()
	before := c.total("节水量")
	if before != 2 {
		t.Fatalf("节水量 before the backup: %d, want 2", before)
	}
	hebeiDB := filepath.Join("tenants", "hebei", "tenant.db")
	logBefore := auditLogHashes(t, filepath.Join(data, hebeiDB))

	// Uploads go on while the backup runs.
	stopUploads := make(chan struct{})
	var wg sync.WaitGroup
	var uploaded int
	var uploadErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stopUploads:
				return
			default:
			}
			if _, err := c.uploadID(fmt.Sprintf("在途%d.txt", i), []byte(fmt.Sprintf("备份期间上传的第%d份材料", i))); err != nil {
				uploadErr = err
				return
			}
			uploaded++
		}
	}()
	archive := filepath.Join(dir, "backup.tar.gz")
	time.Sleep(50 * time.Millisecond)
	out, errOut, err := cli(t, nil, "backup", "--data", data, "--out", archive)
	close(stopUploads)
	wg.Wait()
	if err != nil {
		t.Fatalf("backup: %v\n%s", err, errOut)
	}
	if uploadErr != nil || uploaded == 0 {
		t.Fatalf("uploads beside the backup: %d, %v", uploaded, uploadErr)
	}
	if !strings.Contains(out, "backed up 3 databases") || !strings.Contains(errOut, "blobs") {
		t.Errorf("backup said %q, progress %q", out, errOut)
	}
	if _, err := os.Stat(archive + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("the temporary archive is left: %v", err)
	}

	restored := filepath.Join(dir, "restored")
	out, errOut, err = cli(t, nil, "restore", "--in", archive, "--data", restored)
	if err != nil || !strings.Contains(out, "restored 3 databases") {
		t.Fatalf("restore: %v\n%s\n%s", err, out, errOut)
	}
	if out := mustCLI(t, "verify", "--data", restored); !strings.Contains(out, "checked 2 tenants") || !strings.Contains(out, " 0 problems") {
		t.Fatalf("verify of the restored data: %s", out)
	}

	// The audit log: every entry written before the backup is restored, and
	// the restored log is the original's beginning (nothing altered or
	// invented), whatever the uploads beside the backup added.
	logRestored, logNow := auditLogHashes(t, filepath.Join(restored, hebeiDB)), auditLogHashes(t, filepath.Join(data, hebeiDB))
	if len(logRestored) < len(logBefore) || len(logRestored) > len(logNow) || !slices.Equal(logRestored, logNow[:len(logRestored)]) {
		t.Errorf("restored audit log: %d entries, not the first of the %d now (%d before the backup)", len(logRestored), len(logNow), len(logBefore))
	}

	base2, _, _ := startServer(t, restored)
	c2 := apiClient{t: t, base: base2, token: token}
	var me struct{ Email string }
	if status := c2.get("/api/v1/me", &me); status != 200 || me.Email != "zhang@lvyuan.cn" {
		t.Fatalf("the token after restore: %d %+v", status, me)
	}
	for id, sum := range docs {
		if got := c2.contentSHA(id); got != sum {
			t.Errorf("document %s after restore: SHA-256 %s, want %s", id, got, sum)
		}
	}
	bj2 := apiClient{t: t, base: base2, token: bjToken}
	if got, want := bj2.contentSHA(bjDoc), bj.contentSHA(bjDoc); got != want {
		t.Errorf("beijing's document after restore: %s, want %s", got, want)
	}
	c2.waitIdle()
	if n := c2.total("节水量"); n != before {
		t.Errorf("节水量 after restore: %d, want %d", n, before)
	}
	if n := c2.total("能耗下降"); n != 1 {
		t.Errorf("能耗下降 after restore: %d, want 1", n)
	}
	if n, m := bj2.total("节水量"), bj.total("节水量"); n != m || n != 1 {
		t.Errorf("beijing's 节水量 after restore: %d, before %d", n, m)
	}

	// A plain tar works too, and a second restore into the same directory
	// is refused.
	plain := filepath.Join(dir, "backup.tar")
	mustCLI(t, "backup", "--out", plain, "--data", data)
	if _, _, err := cli(t, nil, "restore", "--data", restored, "--in", plain); err == nil || !strings.Contains(err.Error(), "not empty") || strings.Contains(err.Error(), "\n") {
		t.Errorf("restore into a non-empty directory: %v", err)
	}
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o750)
	mustCLI(t, "restore", "--data", empty, "--in", plain)
	mustCLI(t, "verify", "--data", empty)
}

// TestRestoreRefusesDamage: a restore checks every file against the
// manifest; a damaged archive is refused with one line and leaves the
// target as it was.
func TestRestoreRefusesDamage(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	os.Mkdir(data, 0o750)
	mustCLI(t, "tenant", "create", "hebei", "--name", "河北省生态环境厅", "--data", data)
	s := openTestStore(t, data)
	a := cpaudit.SystemActor(mustTenant(t, s, "hebei"))
	content := "清洁生产审核：单位产品综合能耗 0.82 tce/t"
	st, err := s.Stage(strings.NewReader(content), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateDocument(t.Context(), a, cpaudit.NewDocument{Kind: cpaudit.DocEvidence, Filename: "能耗.txt"}, st); err != nil {
		t.Fatal(err)
	}
	s.Close()
	good := filepath.Join(dir, "good.tar")
	mustCLI(t, "backup", "--data", data, "--out", good)
	raw, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}

	// Each damage: the archive's bytes changed one way.
	damages := map[string]func([]byte) []byte{
		"blob byte flipped": func(b []byte) []byte {
			i := bytes.Index(b, []byte("单位产品"))
			b[i] ^= 1
			return b
		},
		"database byte flipped": func(b []byte) []byte {
			i := bytes.Index(b, []byte("SQLite format 3"))
			b[i+200] ^= 0xff
			return b
		},
		"truncated":   func(b []byte) []byte { return b[:len(b)/2] },
		"not a tar":   func(b []byte) []byte { return []byte("这不是备份文件") },
		"entry added": func(b []byte) []byte { return appendEntry(t, b, "tenants/hebei/evil.db", "x") },
		"path escape": func(b []byte) []byte { return appendEntry(t, b, "../escape", "x") },
	}
	for name, damage := range damages {
		file := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".tar")
		os.WriteFile(file, damage(bytes.Clone(raw)), 0o600)
		target := filepath.Join(dir, "into-"+strings.ReplaceAll(name, " ", "-"))
		_, _, err := cli(t, nil, "restore", "--data", target, "--in", file)
		if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "damaged") {
			t.Errorf("%s: restore answered %v, want a one-line refusal", name, err)
		}
		if _, err := os.Stat(target); !os.IsNotExist(err) {
			t.Errorf("%s: the refused restore left %s behind", name, target)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "escape")); !os.IsNotExist(err) {
		t.Errorf("an entry wrote outside the target")
	}
	// Gzip's own check catches damage too.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw)
	zw.Close()
	b := gz.Bytes()
	b[len(b)/2] ^= 0xff
	file := filepath.Join(dir, "bad.tar.gz")
	os.WriteFile(file, b, 0o600)
	target := filepath.Join(dir, "into-gz")
	os.Mkdir(target, 0o750)
	if _, _, err := cli(t, nil, "restore", "--data", target, "--in", file); err == nil {
		t.Errorf("a damaged gzip archive was restored")
	}
	if entries, _ := os.ReadDir(target); len(entries) != 0 {
		t.Errorf("a refused restore left %d entries in an empty directory", len(entries))
	}

	failures := []struct {
		args []string
		want string
	}{
		{[]string{"restore", "--data", data, "--in", good}, "not empty"},
		{[]string{"restore", "--in", good}, "usage"},
		{[]string{"restore", "--data", filepath.Join(dir, "x")}, "usage"},
		{[]string{"restore", "--data", filepath.Join(dir, "x"), "--in", filepath.Join(dir, "nothing.tar")}, "cannot read"},
		{[]string{"backup", "--data", data}, "usage"},
		{[]string{"backup", "--data", filepath.Join(dir, "missing"), "--out", filepath.Join(dir, "b.tar")}, "does not exist"},
		{[]string{"backup", "--data", data, "--out", dir}, "is a directory"},
		{[]string{"backup", "--data", data, "--out", filepath.Join(dir, "b.tar"), "extra"}, "unexpected argument"},
	}
	for _, f := range failures {
		_, _, err := cli(t, nil, f.args...)
		if err == nil || !strings.Contains(oneLine(err), f.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("cpaudit %q: %v, want one line with %q", f.args, err, f.want)
		}
	}
	// A blob damaged in the store fails the backup, which leaves no file.
	sum := sha256.Sum256([]byte(content))
	sha := hex.EncodeToString(sum[:])
	if err := os.WriteFile(filepath.Join(data, "blobs", "hebei", "sha256", sha[:2], sha), []byte("伪造的内容"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "of-damaged.tar")
	if _, _, err := cli(t, nil, "backup", "--data", data, "--out", bad); err == nil || !strings.Contains(err.Error(), "cpaudit verify") || strings.Contains(err.Error(), "\n") {
		t.Errorf("backup of a damaged blob store: %v", err)
	}
	for _, f := range []string{bad, bad + ".tmp"} {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("a failed backup left %s", f)
		}
	}
	if entries, _ := os.ReadDir(dir); slices.ContainsFunc(entries, func(e os.DirEntry) bool { return strings.HasPrefix(e.Name(), "cpaudit-backup-") }) {
		t.Errorf("a failed backup left its database copies")
	}

	if out := mustCLI(t, "help"); !strings.Contains(out, "backup --out FILE") || !strings.Contains(out, "restore --in FILE") {
		t.Errorf("the usage text does not list backup and restore:\n%s", out)
	}
}

// appendEntry adds a file entry at the end of a tar archive.
func appendEntry(t *testing.T, archive []byte, name, content string) []byte {
	t.Helper()
	var out bytes.Buffer
	tr := tar.NewReader(bytes.NewReader(archive))
	tw := tar.NewWriter(&out)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		tw.WriteHeader(hdr)
		io.Copy(tw, tr)
	}
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Size: int64(len(content)), Mode: 0o600})
	tw.Write([]byte(content))
	tw.Close()
	return out.Bytes()
}

func openTestStore(t *testing.T, data string) *storage.Store {
	t.Helper()
	var cfg Config
	cfg.DataDir = data
	s, err := cfg.openStore(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustTenant(t *testing.T, s *storage.Store, slug string) string {
	t.Helper()
	tn, err := s.TenantBySlug(t.Context(), slug)
	if err != nil {
		t.Fatal(err)
	}
	return tn.ID
}

// TestBackupS3: with blobs in S3, the backup lists them (key, size,
// SHA-256) and leaves them where they are; a restore needs the same S3
// settings, checks that each blob is there, and verify is then clean.
func TestBackupS3(t *testing.T) {
	b := blobtest.Bucket(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	os.Mkdir(data, 0o750)
	s3 := []string{"--s3-endpoint", b.Endpoint, "--s3-access-key", b.AccessKey, "--s3-secret-key", b.SecretKey,
		"--s3-bucket", b.Bucket, "--s3-prefix", b.Prefix, "--s3-secure=false"}
	mustCLI(t, append([]string{"tenant", "create", "hebei", "--name", "河北省生态环境厅", "--data", data}, s3...)...)
	var cfg Config
	fs := newFlagSet("test", &cfg, func(string) string { return "" }, io.Discard)
	if _, err := parseArgs(fs, append([]string{"--data", data}, s3...)); err != nil {
		t.Fatal(err)
	}
	s, err := cfg.openStore(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	content := "清洁生产审核：单位产品取水量 3.2 m³/t"
	st, err := s.Stage(strings.NewReader(content), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.CreateDocument(t.Context(), cpaudit.SystemActor(mustTenant(t, s, "hebei")), cpaudit.NewDocument{Kind: cpaudit.DocEvidence, Filename: "取水.txt"}, st)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	archive := filepath.Join(dir, "s3.tar")
	mustCLI(t, append([]string{"backup", "--data", data, "--out", archive}, s3...)...)
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(f)
	var m storage.BackupManifest
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if hdr.Name == storage.ManifestName {
			json.NewDecoder(tr).Decode(&m)
		}
		if strings.HasPrefix(hdr.Name, "blobs/") {
			t.Errorf("the S3 backup holds blob %s", hdr.Name)
		}
	}
	f.Close()
	if m.BlobsArchived || len(m.Blobs) != 1 || m.Blobs[0].SHA256 != d.Current.SHA256 || m.Blobs[0].Size != int64(len(content)) ||
		!strings.Contains(m.Blobs[0].Path, d.Current.SHA256) || !strings.Contains(m.BlobsLocation, b.Bucket) {
		t.Fatalf("manifest of the S3 backup: %+v", m)
	}

	// Without the S3 settings the blobs are not where the restore looks.
	_, _, err = cli(t, nil, "restore", "--data", filepath.Join(dir, "local"), "--in", archive)
	if err == nil || !strings.Contains(err.Error(), "--s3-") {
		t.Errorf("restore of an S3 backup without S3: %v", err)
	}
	restored := filepath.Join(dir, "restored")
	mustCLI(t, append([]string{"restore", "--data", restored, "--in", archive}, s3...)...)
	if out := mustCLI(t, append([]string{"verify", "--data", restored}, s3...)...); !strings.Contains(out, "1 blobs: 0 problems") {
		t.Errorf("verify after restore: %s", out)
	}
}

// auditLogHashes returns the hashes of a tenant database's audit log in
// order, read through a read-only connection of its own.
func auditLogHashes(t *testing.T, file string) []string {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+file+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT hash FROM audit_log ORDER BY seq")
	if err != nil {
		t.Fatalf("audit log of %s: %v", file, err)
	}
	defer rows.Close()
	var hashes []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, h)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return hashes
}
