package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
	_ "github.com/mattn/go-sqlite3"
)

// cli runs the real command with an empty environment plus env.
func cli(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string { return env[k] }
	err = run(context.Background(), args, getenv, &out, &errb)
	return out.String(), errb.String(), err
}

func mustCLI(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := cli(t, nil, args...)
	if err != nil {
		t.Fatalf("cpaudit %s: %v\n%s", strings.Join(args, " "), err, errOut)
	}
	return out
}

func TestAdministration(t *testing.T) {
	data := t.TempDir()
	// Flags before and after positional arguments, in any order.
	mustCLI(t, "tenant", "create", "hebei", "--name", "河北省生态环境厅", "--data", data)
	mustCLI(t, "tenant", "create", "--data", data, "--name", "北京市", "beijing")
	mustCLI(t, "user", "create", "--tenant", "hebei", "--email", "zhang@lvyuan.cn", "--role", "consultant", "--password", "一个足够长的密码abc", "--data", data)

	failures := []struct {
		args []string
		want string
	}{
		{[]string{"tenant", "create", "hebei", "--name", "again", "--data", data}, "already exists"},
		{[]string{"tenant", "create", "Bad Slug", "--data", data}, "slug"},
		{[]string{"user", "create", "--tenant", "nowhere", "--email", "a@b.cn", "--role", "admin", "--password", "long enough pw", "--data", data}, "unknown tenant"},
		{[]string{"user", "create", "--tenant", "hebei", "--email", "zhang@lvyuan.cn", "--role", "admin", "--password", "long enough pw", "--data", data}, "already exists"},
		{[]string{"user", "create", "--tenant", "hebei", "--email", "li@x.cn", "--role", "admin", "--password", "short", "--data", data}, "weak"},
		{[]string{"user", "create", "--tenant", "hebei", "--email", "li@x.cn", "--role", "boss", "--password", "long enough pw", "--data", data}, "role"},
		// issue 24: the length rule is not all.
		{[]string{"user", "create", "--tenant", "hebei", "--email", "li@x.cn", "--role", "admin", "--password", "          ", "--data", data}, "white space"},
		{[]string{"user", "create", "--tenant", "hebei", "--email", "li@x.cn", "--role", "admin", "--password", strings.Repeat("\x00", 10), "--data", data}, "control character"},
		{[]string{"user", "create", "--tenant", "hebei", "--email", "li@x.cn", "--role", "admin", "--password", "password123", "--data", data}, "commonly used"},
		{[]string{"user", "create", "--tenant", "hebei", "--email", "li@x.cn", "--role", "admin", "--password", "QwertyUiop", "--data", data}, "commonly used"},
		{[]string{"token", "create", "--tenant", "hebei", "--email", "ghost@x.cn", "--data", data}, "no user"},
		{[]string{"token", "create", "--tenant", "nowhere", "--email", "zhang@lvyuan.cn", "--data", data}, "unknown tenant"},
		{[]string{"frobnicate"}, "unknown command"},
		{[]string{"tenant", "create", "--no-such-flag", "--data", data}, "flag provided but not defined"},
	}
	for _, f := range failures {
		_, _, err := cli(t, nil, f.args...)
		if err == nil {
			t.Errorf("cpaudit %s succeeded", strings.Join(f.args, " "))
			continue
		}
		if msg := oneLine(err); !strings.Contains(msg, f.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("cpaudit %s: %q, want one line with %q", strings.Join(f.args, " "), err, f.want)
		}
	}

	out := mustCLI(t, "token", "create", "--tenant", "hebei", "--email", "ZHANG@lvyuan.cn", "--data", data)
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "cpa_") || strings.ContainsAny(lines[0], " \t") {
		t.Fatalf("token output %q", out)
	}
	// The environment stands in for flags.
	out2, _, err := cli(t, map[string]string{"CPAUDIT_DATA": data}, "token", "create", "--tenant", "hebei", "--email", "zhang@lvyuan.cn")
	if err != nil || out2 == out {
		t.Fatalf("token via CPAUDIT_DATA: %q %v", out2, err)
	}
}

// startServer runs "cpaudit serve" in-process until the test ends and
// returns its base URL.
func startServer(t *testing.T, data string, extra ...string) (string, context.CancelFunc, chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var cfg Config
	fs := serveFlags(&cfg, func(string) string { return "" }, io.Discard)
	if _, err := parseArgs(fs, append([]string{"--data", data, "--addr", "127.0.0.1:0", "--log-level", "error"}, extra...)); err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, &cfg, io.Discard, func(addr string) { ready <- addr }) }()
	select {
	case addr := <-ready:
		t.Cleanup(func() { cancel(); <-done })
		return "http://" + addr, cancel, done
	case err := <-done:
		t.Fatalf("serve: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start")
	}
	return "", nil, nil
}

func TestServeVerifyAndShutdown(t *testing.T) {
	data := t.TempDir()
	mustCLI(t, "tenant", "create", "hebei", "--name", "河北", "--data", data)
	mustCLI(t, "user", "create", "--tenant", "hebei", "--email", "zhang@lvyuan.cn", "--role", "consultant", "--password", "一个足够长的密码abc", "--data", data)
	token := strings.TrimSpace(mustCLI(t, "token", "create", "--tenant", "hebei", "--email", "zhang@lvyuan.cn", "--data", data))
	base, stop, done := startServer(t, data)

	req, _ := http.NewRequest("GET", base+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("me: %v %v", resp, err)
	}
	resp.Body.Close()

	// A user created by the command line while the server runs can log in
	// at once.
	mustCLI(t, "user", "create", "--tenant", "hebei", "--email", "late@lvyuan.cn", "--role", "consultant", "--password", "一个足够长的密码abc", "--data", data)
	late := strings.TrimSpace(mustCLI(t, "token", "create", "--tenant", "hebei", "--email", "late@lvyuan.cn", "--data", data))
	req, _ = http.NewRequest("GET", base+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+late)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("token made while serving: %v %v", resp, err)
	}

	// The server extracts the text of an upload in the background.
	var body bytes.Buffer
	mw0 := multipart.NewWriter(&body)
	mw0.WriteField("kind", "report")
	fw0, _ := mw0.CreateFormFile("file", "审核报告.txt")
	fw0.Write([]byte("清洁生产\n审核报告：节水量１２０００吨/年"))
	mw0.Close()
	req, _ = http.NewRequest("POST", base+"/api/v1/documents", &body)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", mw0.FormDataContentType())
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("upload: %v %v", resp, err)
	}
	var created struct{ ID string }
	json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		req, _ = http.NewRequest("GET", base+"/api/v1/documents/"+created.ID+"/text", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var txt struct {
			Text       string `json:"text"`
			TextStatus string `json:"text_status"`
		}
		json.NewDecoder(resp.Body).Decode(&txt)
		resp.Body.Close()
		if resp.StatusCode == 200 {
			if txt.Text != "清洁生产审核报告:节水量12000吨/年" {
				t.Fatalf("extracted %q (%s)", txt.Text, txt.TextStatus)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the text was not extracted within 20 s")
		}
		time.Sleep(50 * time.Millisecond)
	}

	// An upload in flight when shutdown begins still completes: the body
	// arrives slowly, shutdown is requested half-way.
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	req, _ = http.NewRequest("POST", base+"/api/v1/documents", pr)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	result := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			result <- -1
			return
		}
		resp.Body.Close()
		result <- resp.StatusCode
	}()
	mw.WriteField("kind", "evidence")
	fw, _ := mw.CreateFormFile("file", "在途上传.bin")
	fw.Write(bytes.Repeat([]byte("a"), 1<<20))
	time.Sleep(200 * time.Millisecond)
	stop() // SIGTERM, as far as serve can tell
	time.Sleep(200 * time.Millisecond)
	fw.Write(bytes.Repeat([]byte("b"), 1<<20))
	mw.Close()
	pw.Close()
	if status := <-result; status != 201 {
		t.Fatalf("in-flight upload: status %d", status)
	}
	if err := <-done; err != nil {
		t.Fatalf("serve returned %v", err)
	}
	done <- nil // for the cleanup

	// verify is clean, then finds tampering.
	out := mustCLI(t, "verify", "--data", data)
	if !strings.Contains(out, "0 problems") {
		t.Fatalf("verify: %s", out)
	}
	db, err := sql.Open("sqlite3", filepath.Join(data, "tenants", "hebei", "tenant.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE audit_log SET client_addr = '6.6.6.6' WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	var sha string
	db.QueryRow(`SELECT sha256 FROM document_versions`).Scan(&sha)
	db.Close()
	blob := filepath.Join(data, "blobs", "hebei", "sha256", sha[:2], sha)
	if err := os.WriteFile(blob, []byte("forged"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err = cli(t, nil, "verify", "--data", data)
	if err == nil || !strings.Contains(out, "entry 2") || !strings.Contains(out, "corrupted") {
		t.Fatalf("verify after tampering: %v\n%s", err, out)
	}
}

// TestAdministrationRefusesMistakes covers the careless calls a hostile
// review found accepted: each is refused with one line, or warned about.
func TestAdministrationRefusesMistakes(t *testing.T) {
	data := t.TempDir()
	mustCLI(t, "tenant", "create", "hebei", "--name", "河北省生态环境厅", "--data", data)
	code := "91130100MA0CCCCC0"
	code += string(cpaudit.CreditCodeCheck(code))
	consultancy := strings.TrimSpace(mustCLI(t, "org", "create", "--tenant", "hebei", "--kind", "consultancy",
		"--name", "绿源环保咨询有限公司", "--credit-code", code, "--data", data))

	missing := filepath.Join(data, "no", "such", "dir")
	failures := []struct {
		args []string
		want string
	}{
		{[]string{"tenant", "create", "tangshan", "--name", "", "--data", data}, "name is required"},
		{[]string{"tenant", "create", "tangshan", "--data", data}, "name is required"},
		{[]string{"tenant", "create", "tangshan", "--name", "唐山\x00市", "--data", data}, "control"},
		{[]string{"tenant", "create", "tangshan", "--name", "唐山\u202e市", "--data", data}, "control"},
		{[]string{"tenant", "create", "tangshan", "--name", "唐山\n市", "--data", data}, "control"},
		{[]string{"tenant", "create", "-rf", "--name", "x", "--data", data}, "-rf"},
		{[]string{"tenant", "create", "tangshan", "--name", "唐山", "--data", missing}, "does not exist"},
		{[]string{"token", "create", "--tenant", "hebei", "--email", "a@b.cn", "--data", missing}, "does not exist"},
		{[]string{"user", "create", "--tenant", "hebei", "--email", "boss@x.cn", "--role", "admin",
			"--password", "一个足够长的密码abc", "--org", consultancy, "--data", data}, "does not belong to an organisation"},
		{[]string{"user", "create", "--tenant", "hebei", "--email", "expert@x.cn", "--role", "expert",
			"--password", "一个足够长的密码abc", "--org", consultancy, "--data", data}, "does not belong to an organisation"},
	}
	for _, f := range failures {
		_, stderr, err := cli(t, nil, f.args...)
		if err == nil {
			t.Errorf("cpaudit %q succeeded", f.args)
			continue
		}
		if msg := oneLine(err); !strings.Contains(msg, f.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("cpaudit %q: %q, want one line with %q", f.args, err, f.want)
		}
		// A mistake is not answered with the whole flag list.
		if strings.Contains(stderr, "-s3-endpoint") {
			t.Errorf("cpaudit %q printed the flag list: %s", f.args, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(data, "no")); !os.IsNotExist(err) {
		t.Errorf("a missing --data was created: %v", err)
	}
	// A slug that starts with - still goes through after --, and is then
	// refused by the slug rule, not taken for a flag.
	if _, _, err := cli(t, nil, "tenant", "create", "--name", "x", "--data", data, "--", "-rf"); err == nil || !strings.Contains(err.Error(), "slug") {
		t.Errorf("tenant create -- -rf: %v", err)
	}
	// -h still lists the flags.
	if _, stderr, _ := cli(t, nil, "tenant", "create", "-h"); !strings.Contains(stderr, "-name") {
		t.Errorf("tenant create -h: %q", stderr)
	}

	// The contract lets a consultant be created without --org; it is told
	// that the user sees nothing yet.
	_, stderr, err := cli(t, nil, "user", "create", "--tenant", "hebei", "--email", "lone@x.cn", "--role", "consultant",
		"--password", "一个足够长的密码abc", "--data", data)
	if err != nil || !strings.Contains(stderr, "warning") || !strings.Contains(stderr, "--org") {
		t.Errorf("consultant without --org: %v, stderr %q", err, stderr)
	}
	_, stderr, err = cli(t, nil, "user", "create", "--tenant", "hebei", "--email", "tied@x.cn", "--role", "consultant",
		"--password", "一个足够长的密码abc", "--org", consultancy, "--data", data)
	if err != nil || stderr != "" {
		t.Errorf("consultant with --org: %v, stderr %q", err, stderr)
	}
}

// TestUserSetOrg: a consultant created without --org (the contract allows
// it) is told how to tie it, and "user set-org" does so, with its flags in
// any order; mistakes exit non-zero with a one-line reason.
func TestUserSetOrg(t *testing.T) {
	data := t.TempDir()
	mustCLI(t, "tenant", "create", "hebei", "--name", "河北省生态环境厅", "--data", data)
	mustCLI(t, "tenant", "create", "beijing", "--name", "北京市", "--data", data)
	org := func(tenant, kind, first17 string, extra ...string) string {
		args := append([]string{"org", "create", "--tenant", tenant, "--kind", kind, "--name", "某" + kind,
			"--credit-code", first17 + string(cpaudit.CreditCodeCheck(first17)), "--data", data}, extra...)
		return strings.TrimSpace(mustCLI(t, args...))
	}
	consultancy := org("hebei", "consultancy", "91130100MA0CCCCC0")
	enterprise := org("hebei", "enterprise", "91130600MA0DYYYY1", "--industry", "C1713", "--region", "130600")
	elsewhere := org("beijing", "consultancy", "91110100MA0CCCCC0")

	_, stderr, err := cli(t, nil, "user", "create", "--tenant", "hebei", "--email", "lone@x.cn", "--role", "consultant",
		"--password", "一个足够长的密码abc", "--data", data)
	if want := "cpaudit user set-org --tenant hebei --email lone@x.cn --org ID"; err != nil || !strings.Contains(stderr, want) {
		t.Errorf("consultant without --org: %v, stderr %q, want the fix %q", err, stderr, want)
	}
	mustCLI(t, "user", "create", "--tenant", "hebei", "--email", "boss@x.cn", "--role", "admin", "--password", "一个足够长的密码abc", "--data", data)

	failures := []struct {
		args []string
		want string
	}{
		{[]string{"--tenant", "hebei", "--email", "lone@x.cn", "--org", enterprise, "--data", data}, "a consultant belongs to a consultancy"},
		{[]string{"--tenant", "hebei", "--email", "boss@x.cn", "--org", consultancy, "--data", data}, "does not belong to an organisation"},
		{[]string{"--tenant", "hebei", "--email", "lone@x.cn", "--org", elsewhere, "--data", data}, "no such organisation"},
		{[]string{"--tenant", "hebei", "--email", "lone@x.cn", "--org", "o_nosuch", "--data", data}, "no such organisation"},
		{[]string{"--tenant", "hebei", "--email", "ghost@x.cn", "--org", consultancy, "--data", data}, "no user"},
		{[]string{"--tenant", "nowhere", "--email", "lone@x.cn", "--org", consultancy, "--data", data}, "unknown tenant"},
		{[]string{"--email", "lone@x.cn", "--org", consultancy, "--data", data}, "--tenant is required"},
		{[]string{"--tenant", "hebei", "--email", "lone@x.cn", "--data", data}, "--org is required"},
		{[]string{"--tenant", "hebei", "--email", "lone@x.cn", "--org", consultancy, "extra", "--data", data}, "unexpected argument"},
	}
	for _, f := range failures {
		args := append([]string{"user", "set-org"}, f.args...)
		out, _, err := cli(t, nil, args...)
		if err == nil {
			t.Errorf("cpaudit %q succeeded: %s", args, out)
			continue
		}
		if msg := oneLine(err); !strings.Contains(msg, f.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("cpaudit %q: %q, want one line with %q", args, err, f.want)
		}
	}

	orgOf := func(email string) string {
		db, err := sql.Open("sqlite3", filepath.Join(data, "tenants", "hebei", "tenant.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var org sql.NullString
		if err := db.QueryRow(`SELECT org_id FROM users WHERE email = ?`, email).Scan(&org); err != nil {
			t.Fatal(err)
		}
		return org.String
	}
	if got := orgOf("lone@x.cn"); got != "" {
		t.Fatalf("a refused set-org landed: %q", got)
	}
	// Flags in any order, the e-mail in any case.
	out := mustCLI(t, "user", "set-org", "--org", consultancy, "--data", data, "--email", "Lone@x.cn", "--tenant", "hebei")
	if lines := strings.Split(strings.TrimRight(out, "\n"), "\n"); len(lines) != 1 || !strings.Contains(out, "lone@x.cn") || !strings.Contains(out, consultancy) {
		t.Errorf("set-org printed %q, want one line naming the user and the organisation", out)
	}
	if got := orgOf("lone@x.cn"); got != consultancy {
		t.Errorf("lone@x.cn belongs to %q, want %q", got, consultancy)
	}
	if out := mustCLI(t, "help"); !strings.Contains(out, "user set-org") {
		t.Errorf("the usage text does not list user set-org:\n%s", out)
	}
}

// TestOrgEnforcement: "org enforcement" marks a regulator office as
// enforcement and --off unmarks it, flags in any order; an enterprise, an
// unknown office or tenant exit non-zero with a one-line reason.
func TestOrgEnforcement(t *testing.T) {
	data := t.TempDir()
	mustCLI(t, "tenant", "create", "hebei", "--name", "河北省生态环境厅", "--data", data)
	office := strings.TrimSpace(mustCLI(t, "org", "create", "--tenant", "hebei", "--kind", "regulator", "--name", "河北省生态环境保护综合执法局",
		"--region", "130000", "--data", data))
	first17 := "91130600MA0DYYYY1"
	enterprise := strings.TrimSpace(mustCLI(t, "org", "create", "--tenant", "hebei", "--kind", "enterprise", "--name", "保定印染有限公司",
		"--credit-code", first17+string(cpaudit.CreditCodeCheck(first17)), "--industry", "C1713", "--region", "130600", "--data", data))
	marked := func() bool {
		db, err := sql.Open("sqlite3", filepath.Join(data, "tenants", "hebei", "tenant.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM enforcement_offices WHERE org_id = ?`, office).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	if out := mustCLI(t, "org", "enforcement", "--org", office, "--data", data, "--tenant", "hebei"); out != office+" enforcement=true\n" || !marked() {
		t.Fatalf("mark printed %q, marked %v", out, marked())
	}
	for _, f := range []struct {
		args []string
		want string
	}{
		{[]string{"--tenant", "hebei", "--org", enterprise, "--data", data}, "is not a regulator office"},
		{[]string{"--tenant", "hebei", "--org", "o_nosuch", "--data", data}, "no such organisation"},
		{[]string{"--tenant", "nowhere", "--org", office, "--data", data}, "unknown tenant"},
		{[]string{"--tenant", "hebei", "--data", data}, "--org is required"},
		{[]string{"--org", office, "--data", data}, "--tenant is required"},
	} {
		args := append([]string{"org", "enforcement"}, f.args...)
		out, _, err := cli(t, nil, args...)
		if err == nil {
			t.Errorf("cpaudit %q succeeded: %s", args, out)
			continue
		}
		if msg := oneLine(err); !strings.Contains(msg, f.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("cpaudit %q: %q, want one line with %q", args, err, f.want)
		}
	}
	if out := mustCLI(t, "org", "enforcement", "--tenant", "hebei", "--org", office, "--off", "--data", data); out != office+" enforcement=false\n" || marked() {
		t.Errorf("unmark printed %q, marked %v", out, marked())
	}
	if out := mustCLI(t, "help"); !strings.Contains(out, "org enforcement") {
		t.Errorf("the usage text does not list org enforcement:\n%s", out)
	}
}
