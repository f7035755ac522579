package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit/internal/testenv"
	"github.com/cpaudit/cpaudit/storage/blob/blobtest"
)

// TestLitestreamReplicaRestore (issue 25): Litestream, configured by
// `cpaudit litestream-config`, replicates every database of a serving
// installation whose blobs are in MinIO to the same MinIO while uploads go
// on; the replicas restore into an empty directory where verify is clean and
// the documents, token, audit log and search answers are those of the
// original. It runs the real litestream program (scripts/test installs it).
func TestLitestreamReplicaRestore(t *testing.T) {
	bin := testenv.Litestream(t)
	b := blobtest.Bucket(t)
	s3 := []string{"--s3-endpoint", b.Endpoint, "--s3-access-key", b.AccessKey, "--s3-secret-key", b.SecretKey,
		"--s3-bucket", b.Bucket, "--s3-prefix", b.Prefix + "blobs", "--s3-secure=false"}
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o750); err != nil {
		t.Fatal(err)
	}
	cliS3 := func(args ...string) string { t.Helper(); return mustCLI(t, append(args, s3...)...) }
	cliS3("tenant", "create", "hebei", "--name", "河北省生态环境厅", "--data", data)
	cliS3("user", "create", "--tenant", "hebei", "--email", "zhang@lvyuan.cn", "--role", "admin", "--password", "一个足够长的密码abc", "--data", data)
	token := strings.TrimSpace(cliS3("token", "create", "--tenant", "hebei", "--email", "zhang@lvyuan.cn", "--data", data))

	base, _, _ := startServer(t, data, s3...)
	c := apiClient{t: t, base: base, token: token}
	docs := map[string]string{} // id: SHA-256 of the bytes uploaded
	var mu sync.Mutex
	upload := func(name string, content []byte) error {
		id, err := c.uploadID(name, content)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(content)
		mu.Lock()
		docs[id] = hex.EncodeToString(sum[:])
		mu.Unlock()
		return nil
	}
	for i, text := range []string{"本企业全年节水量达到一万二千吨。", "余热回收发电，全年节水量一千吨。", "清洁生产审核报告：能耗下降百分之八。"} {
		if err := upload(fmt.Sprintf("证据%d.txt", i), []byte(text)); err != nil {
			t.Fatal(err)
		}
	}

	if _, _, err := cli(t, nil, "litestream-config", "--data", data); err == nil || !strings.Contains(err.Error(), "--replica-endpoint") {
		t.Errorf("litestream-config without a place for the replicas: %v", err)
	}
	conf := filepath.Join(dir, "litestream.yml")
	yml := cliS3("litestream-config", "--data", data)
	for _, want := range []string{filepath.Join(data, "platform.db"), filepath.Join(data, "tenants", "hebei", "tenant.db"), b.Bucket} {
		if !strings.Contains(yml, want) {
			t.Fatalf("litestream.yml lacks %s:\n%s", want, yml)
		}
	}
	if strings.Contains(yml, b.SecretKey) {
		t.Fatal("litestream.yml holds the secret key")
	}
	if err := os.WriteFile(conf, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	// Litestream 0.5.18 cannot start with AWS_CA_BUNDLE set (its S3 client
	// refuses the custom roots: "unable to add custom RootCAs HTTPClient");
	// the test's MinIO is plain HTTP and needs none (docs/operations.md).
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "AWS_CA_BUNDLE=") })
	env = append(env, "LITESTREAM_ACCESS_KEY_ID="+b.AccessKey, "LITESTREAM_SECRET_ACCESS_KEY="+b.SecretKey)
	var lsLog bytes.Buffer
	ls := exec.Command(bin, "replicate", "-config", conf)
	ls.Env, ls.Stdout, ls.Stderr = env, &lsLog, &lsLog
	if err := ls.Start(); err != nil {
		t.Fatal(err)
	}
	lsDone := make(chan error, 1)
	go func() { lsDone <- ls.Wait() }()
	stopLitestream := func() {
		if ls.Process == nil {
			return
		}
		ls.Process.Signal(syscall.SIGTERM)
		select {
		case <-lsDone:
		case <-time.After(30 * time.Second):
			ls.Process.Kill()
			<-lsDone
		}
		ls.Process = nil
	}
	t.Cleanup(stopLitestream)

	// Uploads go on while Litestream replicates.
	deadline := time.Now().Add(3 * time.Second)
	for i := 0; time.Now().Before(deadline); i++ {
		if err := upload(fmt.Sprintf("在途%d.txt", i), []byte(fmt.Sprintf("复制期间上传的第%d份材料，节水量%d吨", i, i))); err != nil {
			t.Fatal(err)
		}
	}
	c.waitIdle()
	before := c.total("节水量")
	if before != len(docs)-1 {
		t.Fatalf("节水量 before: %d, want %d", before, len(docs)-1)
	}
	tenantDB := filepath.Join("tenants", "hebei", "tenant.db")
	wantLog := auditLogHashes(t, filepath.Join(data, tenantDB))

	// Litestream ships new frames every second: wait until a restore holds
	// the whole audit log as it stands now.
	probe := filepath.Join(dir, "probe.db")
	restore := func(db, out string) error {
		cmd := exec.Command(bin, "restore", "-config", conf, "-force", "-o", out, filepath.Join(data, db))
		cmd.Env = env
		if msg, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("litestream restore %s: %v\n%s", db, err, msg)
		}
		return nil
	}
	for start := time.Now(); ; {
		err := restore(tenantDB, probe)
		if err == nil && slices.Equal(auditLogHashes(t, probe), wantLog) {
			break
		}
		if time.Since(start) > time.Minute {
			stopLitestream() // its log is read below, once it is written no more
			t.Fatalf("the replica did not catch up within a minute: %v\nlitestream's log:\n%s", err, lsLog.String())
		}
		time.Sleep(500 * time.Millisecond)
	}
	stopLitestream()

	restored := filepath.Join(dir, "restored")
	for _, db := range []string{"platform.db", tenantDB} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(restored, db)), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := restore(db, filepath.Join(restored, db)); err != nil {
			t.Fatal(err)
		}
	}
	if got := auditLogHashes(t, filepath.Join(restored, tenantDB)); !slices.Equal(got, wantLog) {
		t.Fatalf("restored audit log: %d entries, want the %d of the original", len(got), len(wantLog))
	}
	if got, want := documentIDs(t, filepath.Join(restored, tenantDB)), documentIDs(t, filepath.Join(data, tenantDB)); !slices.Equal(got, want) || len(got) != len(docs) {
		t.Fatalf("restored documents: %d, original %d, uploaded %d", len(got), len(want), len(docs))
	}
	if out := cliS3("verify", "--data", restored); !strings.Contains(out, "checked 1 tenants") || !strings.Contains(out, " 0 problems") {
		t.Fatalf("verify of the restored data: %s", out)
	}

	base2, _, _ := startServer(t, restored, s3...)
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
	c2.waitIdle()
	if n := c2.total("节水量"); n != before {
		t.Errorf("节水量 after restore: %d, want %d", n, before)
	}
	if n := c2.total("能耗下降"); n != 1 {
		t.Errorf("能耗下降 after restore: %d, want 1", n)
	}
}

// documentIDs returns the ids of a tenant database's documents in order.
func documentIDs(t *testing.T, file string) []string {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+file+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(context.Background(), "SELECT id FROM documents ORDER BY id")
	if err != nil {
		t.Fatalf("documents of %s: %v", file, err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}
