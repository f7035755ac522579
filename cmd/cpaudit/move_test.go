package main

import (
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit/storage/blob/blobtest"
)

// TestTenantMovesAsOneDirectory (issue 25, scale-out): with blobs in a
// shared MinIO, a tenant moves from one node's data directory to another's
// as its directory (database and search index together) plus its row of
// the platform database, following docs/operations.md "Moving a tenant to
// another node" step by step: on the new node its token, documents, search
// answers (from the moved index, nothing to rebuild) and verify are as
// before, and the old node serves its other tenant alone.
func TestTenantMovesAsOneDirectory(t *testing.T) {
	b := blobtest.Bucket(t)
	s3 := []string{"--s3-endpoint", b.Endpoint, "--s3-access-key", b.AccessKey, "--s3-secret-key", b.SecretKey,
		"--s3-bucket", b.Bucket, "--s3-prefix", b.Prefix + "blobs", "--s3-secure=false"}
	cliS3 := func(args ...string) string { t.Helper(); return mustCLI(t, append(args, s3...)...) }
	dir := t.TempDir()
	nodeA, nodeB := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	for _, d := range []string{nodeA, nodeB} {
		if err := os.Mkdir(d, 0o750); err != nil {
			t.Fatal(err)
		}
	}
	cliS3("tenant", "create", "hebei", "--name", "河北省生态环境厅", "--data", nodeA)
	cliS3("tenant", "create", "beijing", "--name", "北京市生态环境局", "--data", nodeA)
	cliS3("tenant", "create", "tianjin", "--name", "天津市生态环境局", "--data", nodeB)
	cliS3("user", "create", "--tenant", "hebei", "--email", "zhang@lvyuan.cn", "--role", "admin", "--password", "一个足够长的密码abc", "--data", nodeA)
	token := strings.TrimSpace(cliS3("token", "create", "--tenant", "hebei", "--email", "zhang@lvyuan.cn", "--data", nodeA))

	baseA, stopA, doneA := startServer(t, nodeA, s3...)
	c := apiClient{t: t, base: baseA, token: token}
	docs := map[string]string{}
	for i, text := range []string{"本企业全年节水量达到一万二千吨。", "余热回收发电，全年节水量一千吨。", "清洁生产审核报告：能耗下降百分之八。"} {
		id, err := c.uploadID("证据"+string(rune('甲'+i))+".txt", []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		docs[id] = c.contentSHA(id)
	}
	c.waitIdle()
	before := c.total("节水量")

	// 1. Stop the tenant's writes: here node A stops (SIGTERM).
	stopA()
	if err := <-doneA; err != nil {
		t.Fatalf("node A's server: %v", err)
	}
	doneA <- nil // startServer's clean-up waits on it
	// 2. Copy the tenant's directory: database with its -wal, and index.
	src, dst := filepath.Join(nodeA, "tenants", "hebei"), filepath.Join(nodeB, "tenants", "hebei")
	if out, err := exec.Command("cp", "-a", src, dst).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	// 3. Copy its row of the platform database (the same id: tokens carry it).
	moveTenantRow(t, filepath.Join(nodeA, "platform.db"), filepath.Join(nodeB, "platform.db"), "hebei")
	// 4. Remove it from node A, row and directory, before node B takes
	// writes: A's garbage collection must not judge B's new blobs.
	execSQL(t, filepath.Join(nodeA, "platform.db"), "DELETE FROM tenants WHERE slug = ?", "hebei")
	if err := os.RemoveAll(src); err != nil {
		t.Fatal(err)
	}

	if out := cliS3("verify", "--data", nodeB); !strings.Contains(out, "checked 2 tenants") || !strings.Contains(out, " 0 problems") {
		t.Fatalf("verify on node B: %s", out)
	}
	if out := cliS3("verify", "--data", nodeA); !strings.Contains(out, "checked 1 tenants") || !strings.Contains(out, " 0 problems") {
		t.Fatalf("verify on node A: %s", out)
	}
	baseB, _, _ := startServer(t, nodeB, s3...)
	cb := apiClient{t: t, base: baseB, token: token}
	var me struct{ Email string }
	if status := cb.get("/api/v1/me", &me); status != 200 || me.Email != "zhang@lvyuan.cn" {
		t.Fatalf("the token on node B: %d %+v", status, me)
	}
	var st struct {
		IndexPending int `json:"index_pending"`
	}
	if cb.get("/api/v1/status", &st); st.IndexPending != 0 {
		t.Errorf("node B re-indexes the moved tenant: index_pending %d", st.IndexPending)
	}
	if n := cb.total("节水量"); n != before {
		t.Errorf("节水量 on node B: %d, want %d", n, before)
	}
	for id, sum := range docs {
		if got := cb.contentSHA(id); got != sum {
			t.Errorf("document %s on node B: %s, want %s", id, got, sum)
		}
	}
	if _, err := cb.uploadID("迁移后.txt", []byte("迁移后上传的材料")); err != nil {
		t.Fatalf("upload on node B: %v", err)
	}
	baseA2, _, _ := startServer(t, nodeA, s3...)
	if status := (apiClient{t: t, base: baseA2, token: token}).get("/api/v1/me", &me); status != 401 {
		t.Errorf("the moved tenant's token on node A: %d, want 401", status)
	}
}

// moveTenantRow copies one tenant's row between platform databases, as
// the documented sqlite3 commands do.
func moveTenantRow(t *testing.T, from, to, slug string) {
	t.Helper()
	src, err := sql.Open("sqlite3", "file:"+from+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var id, name string
	var created, library int64
	if err := src.QueryRow("SELECT id, name, created_at, library FROM tenants WHERE slug = ?", slug).Scan(&id, &name, &created, &library); err != nil {
		t.Fatal(err)
	}
	execSQL(t, to, "INSERT INTO tenants (id, slug, name, created_at, library) VALUES (?, ?, ?, ?, ?)", id, slug, name, created, library)
}

func execSQL(t *testing.T, file, query string, args ...any) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+file+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}
