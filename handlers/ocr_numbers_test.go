package handlers_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit/internal/testenv"
)

// scans lays out each prose with LibreOffice and rasterises its page at
// 300 dpi: the first as a scanned PDF (a JPEG in a PDF without text),
// the others as PNG images, as a phone or a scanner would hand them in.
func scans(t *testing.T, proses ...string) [][]byte {
	t.Helper()
	bin := testenv.Soffice(t)
	testenv.Tesseract(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	run := func(name string, args ...string) {
		t.Helper()
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Env = append(os.Environ(), "HOME="+dir)
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, msg)
		}
	}
	args := []string{"-env:UserInstallation=file://" + filepath.Join(dir, "profile"), "--headless", "--convert-to", "pdf", "--outdir", dir}
	for i, p := range proses {
		name := filepath.Join(dir, "s"+string(rune('a'+i)))
		if err := os.WriteFile(name+".txt", []byte(p+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, name+".txt")
	}
	run(bin, args...)
	var out [][]byte
	for i := range proses {
		name := filepath.Join(dir, "s"+string(rune('a'+i)))
		if i == 0 {
			run("pdftoppm", "-r", "300", "-gray", "-jpeg", "-singlefile", name+".pdf", name)
			out = append(out, imagePDF(t, read(t, name+".jpg"), 300))
			continue
		}
		run("pdftoppm", "-r", "300", "-png", "-singlefile", name+".pdf", name)
		out = append(out, read(t, name+".png"))
	}
	return out
}

// TestOCRDuplicateNumber: an invoice number printed only in the scans of
// two enterprises (a scanned PDF and a PNG photo, no text layer anywhere)
// is read by OCR and raises duplicate_number between them, with the
// number and the sentences read from the images.
func TestOCRDuplicateNumber(t *testing.T) {
	const number = "24132000000012345678" // a 20-digit 全电发票 number is unique alone
	invoice := func(who string) string {
		return "设备采购发票\n" + who + "购买变频器一台，电子发票号码：" + number + "，金额十二万元。"
	}
	imgs := scans(t, invoice("石家庄化工"), invoice("唐山钢铁"))
	w := newWorld(t)
	e := w.e
	other, otherAudit := w.enterpriseOf(1, "唐山钢铁有限公司")
	ev := func(audit string) [][2]string { return [][2]string{{"kind", "evidence"}, {"audit_id", audit}} }
	mine := e.uploadText(w.consultant, ev(w.auditID), "发票扫描件.pdf", imgs[0])
	theirs := e.uploadText(other, ev(otherAudit), "发票照片.png", imgs[1])
	e.processOCR()

	for _, d := range []struct{ id, token string }{{mine, w.consultant}, {theirs, other}} {
		var text struct {
			Status string            `json:"text_status"`
			Text   string            `json:"text"`
			Meta   map[string]string `json:"meta"`
		}
		if status := e.getJSON("/api/v1/documents/"+d.id+"/text", d.token, &text); status != 200 || text.Status != "done" {
			t.Fatalf("%s: %d %+v", d.id, status, text)
		}
		if !strings.HasPrefix(text.Meta["ocr"], "tesseract ") || !strings.Contains(text.Text, number) {
			t.Errorf("%s read as %q, meta %v", d.id, text.Text, text.Meta)
		}
	}
	fl := e.flags(w.regulator, "?kind=duplicate_number")
	if len(fl.Flags) != 1 {
		t.Fatalf("duplicate_number flags %+v, want one between the two scans", fl.Flags)
	}
	f := fl.Flags[0]
	ids := slices.Clone(f.DocumentIDs)
	slices.Sort(ids)
	want := []string{mine, theirs}
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Errorf("flag documents %v, want %v", f.DocumentIDs, want)
	}
	var d struct {
		Numbers []struct {
			Kind, Number string
			ASentence    string `json:"a_sentence"`
			BSentence    string `json:"b_sentence"`
		} `json:"numbers"`
	}
	if err := json.Unmarshal(f.Detail, &d); err != nil || len(d.Numbers) != 1 {
		t.Fatalf("detail %s", f.Detail)
	}
	if n := d.Numbers[0]; n.Kind != "invoice" || n.Number != number || !strings.Contains(n.ASentence+n.BSentence, "变频器") {
		t.Errorf("number %+v", n)
	}
}
