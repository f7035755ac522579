package ocr

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit/internal/testenv"
)

func TestParseTSV(t *testing.T) {
	tsv := "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n" +
		"1\t1\t0\t0\t0\t0\t0\t0\t100\t100\t-1\t\n" +
		"4\t1\t1\t1\t1\t0\t0\t0\t100\t10\t-1\t\n" +
		"5\t1\t1\t1\t1\t1\t0\t0\t10\t10\t96.5\t发票\n" +
		"5\t1\t1\t1\t1\t2\t0\t0\t10\t10\t90.5\t号码\n" +
		"5\t1\t1\t1\t2\t1\t0\t0\t10\t10\t80\t04418562\n" +
		"5\t1\t1\t1\t2\t2\t0\t0\t10\t10\t-1\t \n" +
		"5\t1\t2\t1\t1\t1\t0\t0\t10\t10\t95\t金额\r\n"
	p := parseTSV([]byte(tsv))
	if p.Text != "发票 号码\n04418562\n金额" || p.Words != 4 || p.Confidence != 90.5 {
		t.Errorf("%+v", p)
	}
	if p := parseTSV([]byte("garbage\n1\t2\n")); p.Text != "" || p.Words != 0 {
		t.Errorf("garbage: %+v", p)
	}
}

func TestLimited(t *testing.T) {
	var l limited
	l.max = 4
	l.b = new(bytes.Buffer)
	if _, err := l.Write([]byte("abc")); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Write([]byte("de")); err == nil {
		t.Error("wrote past the bound")
	}
}

// TestEngineReadsChinese renders a page of Chinese with LibreOffice and
// pdftoppm and reads it back.
func TestEngineReadsChinese(t *testing.T) {
	soffice := testenv.Soffice(t)
	testenv.Tesseract(t)
	dir := t.TempDir()
	const prose = "企业清洁生产审核小组对废水回用方案进行了可行性分析。"
	if err := os.WriteFile(filepath.Join(dir, "p.txt"), []byte(prose+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, soffice, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"), "--headless",
		"--convert-to", "pdf", "--outdir", dir, filepath.Join(dir, "p.txt"))
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, msg)
	}
	e, err := Find(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(e.Describe(), "tesseract ") || !strings.Contains(e.Describe(), "chi_sim") {
		t.Errorf("describe %q", e.Describe())
	}
	pages, failed, stopped, err := e.PDFPages(ctx, filepath.Join(dir, "p.pdf"), []int{1, 7})
	// Page 7 does not exist: it fails alone.
	if err != nil || failed != 1 || stopped != "" || len(pages) != 1 || pages[0].Number != 1 {
		t.Fatalf("%+v %d %q %v", pages, failed, stopped, err)
	}
	if got := strings.ReplaceAll(pages[0].Text, " ", ""); !strings.Contains(got, "可行性分析") || pages[0].Confidence < 50 {
		t.Errorf("read %q (confidence %.1f)", pages[0].Text, pages[0].Confidence)
	}
	// The budget: none left, nothing read, and said so.
	e.MaxPages = 1
	if pages, _, stopped, err := e.PDFPages(ctx, filepath.Join(dir, "p.pdf"), []int{1, 1}); err != nil || len(pages) != 1 || !strings.Contains(stopped, "after 1 pages") {
		t.Errorf("max pages: %d %q %v", len(pages), stopped, err)
	}
	left := filepath.Join(dir, "left")
	os.Mkdir(left, 0o755)
	e.TempDir = left
	e.PDFPages(ctx, filepath.Join(dir, "p.pdf"), []int{1})
	if entries, _ := os.ReadDir(left); len(entries) != 0 {
		t.Errorf("pages left behind: %v", entries)
	}
}
