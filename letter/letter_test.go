package letter_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/internal/testenv"
	"github.com/cpaudit/cpaudit/letter"
	"github.com/cpaudit/cpaudit/search/extract"
)

func testFacts(name string) letter.Facts {
	b := &cpaudit.Batch{Name: "2025年第1批", Reasons: []cpaudit.ListingReason{cpaudit.ReasonDoubleExceed, cpaudit.ReasonToxic},
		Obligations: cpaudit.Obligations{Register: "2025-03-01", Disclose: "2025-03-31", AcceptanceDone: "2026-02-28"}}
	reqs, err := cpaudit.DefaultStepRequirements()
	if err != nil {
		panic(err)
	}
	ent := cpaudit.Organisation{Name: name, CreditCode: "91130100MA0000000X", Address: "石家庄市长安区"}
	return letter.FactsOf(ent, b, reqs, "石家庄市生态环境局", "2025-02-15")
}

// documentXML returns word/document.xml of a .docx.
func documentXML(t *testing.T, docx []byte) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(docx), int64(len(docx)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == "word/document.xml" {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			return string(b)
		}
	}
	t.Fatal("no word/document.xml")
	return ""
}

// withDocument replaces word/document.xml of a .docx.
func withDocument(t *testing.T, docx []byte, edit func(string) string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(docx), int64(len(docx)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		if f.Name == "word/document.xml" {
			b = []byte(edit(string(b)))
		}
		w, _ := zw.Create(f.Name)
		w.Write(b)
	}
	zw.Close()
	return buf.Bytes()
}

func TestLetterDefaultPassesCheck(t *testing.T) {
	d, err := letter.Default()
	if err != nil {
		t.Fatal(err)
	}
	if err := letter.Check(d); err != nil {
		t.Fatal(err)
	}
}

func TestLetterFillEscapesAndRepeatsRows(t *testing.T) {
	d, _ := letter.Default()
	out, err := letter.Fill(d, testFacts(`<script>alert("x")</script> & 河北某化工有限公司`))
	if err != nil {
		t.Fatal(err)
	}
	doc := documentXML(t, out)
	if strings.Contains(doc, "<script>") || !strings.Contains(doc, "&lt;script&gt;") {
		t.Errorf("enterprise name not escaped")
	}
	if strings.Contains(doc, "{{") {
		t.Errorf("placeholders left: %s", doc[strings.Index(doc, "{{"):][:40])
	}
	for _, want := range []string{"2025-03-31", "另行通知", "领导承诺书", "35 ", "可以处十万元以下的罚款", "五万元以上五十万元以下", "第38号", "双超", "91130100MA0000000X"} {
		if !strings.Contains(doc, want) {
			t.Errorf("letter lacks %q", want)
		}
	}
	if n := strings.Count(doc, "<w:tr>"); n != 2+7+35 {
		t.Errorf("%d table rows, want 44", n)
	}
	if err := letter.Check(withDocument(t, out, func(s string) string { return s })); err == nil {
		t.Errorf("a filled letter has no placeholders, yet passed as a template")
	}
}

// splitRuns rewrites every placeholder as Word leaves it after editing:
// spread over several runs, with a proofing mark between.
func splitRuns(s string) string {
	for _, name := range []string{"企业名称", "截止日期", "罚则", "义务事项", "应交材料"} {
		s = strings.ReplaceAll(s, "{{"+name+"}}", `{</w:t></w:r><w:proofErr w:type="spellStart"/><w:r><w:rPr><w:b/></w:rPr><w:t>{`+
			string([]rune(name)[:1])+`</w:t></w:r><w:r><w:t xml:space="preserve">`+string([]rune(name)[1:])+`}</w:t></w:r><w:r><w:t>}`)
	}
	return s
}

func TestLetterPlaceholdersSplitAcrossRuns(t *testing.T) {
	d, _ := letter.Default()
	edited := withDocument(t, d, splitRuns)
	if strings.Contains(documentXML(t, edited), "{{企业名称}}") {
		t.Fatal("the edit did not split the placeholder")
	}
	if err := letter.Check(edited); err != nil {
		t.Fatalf("split template refused: %v", err)
	}
	out, err := letter.Fill(edited, testFacts("保定市某造纸厂"))
	if err != nil {
		t.Fatal(err)
	}
	doc := documentXML(t, out)
	for _, want := range []string{"保定市某造纸厂", "2025-03-01", "可以处十万元以下的罚款"} {
		if !strings.Contains(doc, want) {
			t.Errorf("letter from a split template lacks %q", want)
		}
	}
	if strings.Contains(doc, "{") {
		t.Errorf("braces left in the letter")
	}
}

func TestLetterCheckRefuses(t *testing.T) {
	d, _ := letter.Default()
	var bomb bytes.Buffer
	zw := zip.NewWriter(&bomb)
	w, _ := zw.Create("word/document.xml")
	w.Write(bytes.Repeat([]byte{' '}, letter.MaxUnpackedBytes+1))
	zw.Close()
	many := func() []byte {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		for i := 0; i <= letter.MaxEntries; i++ {
			zw.Create("x/" + strings.Repeat("a", i%50) + string(rune('a'+i%26)) + time.Duration(i).String())
		}
		zw.Close()
		return b.Bytes()
	}()
	tests := []struct {
		name string
		docx []byte
		kind cpaudit.Kind
	}{
		{"not a zip", []byte("hello"), cpaudit.KindInvalid},
		{"zip without document", func() []byte {
			var b bytes.Buffer
			zw := zip.NewWriter(&b)
			zw.Create("a.txt")
			zw.Close()
			return b.Bytes()
		}(), cpaudit.KindInvalid},
		{"zip bomb", bomb.Bytes(), cpaudit.KindTooLarge},
		{"too many files", many, cpaudit.KindTooLarge},
		{"too large", make([]byte, letter.MaxTemplateBytes+1), cpaudit.KindTooLarge},
		{"broken XML", withDocument(t, d, func(s string) string { return s + "<w:p>" }), cpaudit.KindInvalid},
		{"missing placeholder", withDocument(t, d, func(s string) string { return strings.ReplaceAll(s, "{{罚则}}", "") }), cpaudit.KindUnprocessable},
		{"unknown placeholder", withDocument(t, d, func(s string) string { return strings.ReplaceAll(s, "特此告知", "{{企业名}}") }), cpaudit.KindUnprocessable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := letter.Check(tt.docx)
			if !cpaudit.IsKind(err, tt.kind) {
				t.Errorf("Check: %v, want kind %v", err, tt.kind)
			}
		})
	}
	if bomb.Len() > 100_000 {
		t.Errorf("the bomb is %d bytes: not a bomb", bomb.Len())
	}
}

// TestLetterOpensInLibreOffice converts a generated letter to PDF with
// LibreOffice and reads the text back.
func TestLetterOpensInLibreOffice(t *testing.T) {
	bin := testenv.Soffice(t)
	d, _ := letter.Default()
	out, err := letter.Fill(withDocument(t, d, splitRuns), testFacts("沧州市某制药有限公司"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "letter.docx"), out, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--headless", "--convert-to", "pdf", "--outdir", filepath.Join(dir, "out"), filepath.Join(dir, "letter.docx"))
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, msg)
	}
	pdf, err := os.ReadFile(filepath.Join(dir, "out", "letter.pdf"))
	if err != nil {
		t.Fatalf("LibreOffice made no PDF: %v", err)
	}
	res := extract.Extract(ctx, bytes.NewReader(pdf), int64(len(pdf)), "application/pdf", "letter.pdf", extract.DefaultLimits())
	if res.Status != cpaudit.TextDone {
		t.Fatalf("extract: %s %s", res.Status, res.Reason)
	}
	text := strings.Join(strings.Fields(res.Text), "")
	for _, want := range []string{"沧州市某制药有限公司", "2025-03-31", "可以处十万元以下的罚款", "一次性告知书"} {
		if !strings.Contains(text, extract.Normalize(want)) {
			t.Errorf("the PDF lacks %q", want)
		}
	}
}

// BenchmarkFill measures one letter: the regeneration after a batch's
// dates change runs this once per audit of the batch, in the request.
func BenchmarkFill(b *testing.B) {
	d, _ := letter.Default()
	f := testFacts("沧州市某制药有限公司")
	for b.Loop() {
		if _, err := letter.Fill(d, f); err != nil {
			b.Fatal(err)
		}
	}
}

// nested puts n nested elements into the body of a template; the body
// itself is at depth 2 (w:document, w:body).
func nested(n int) func(string) string {
	return func(s string) string {
		deep := strings.Repeat("<w:customXml>", n) + strings.Repeat("</w:customXml>", n)
		return strings.Replace(s, "</w:body>", deep+"</w:body>", 1)
	}
}

// TestLetterTemplateDepth holds templates to the extractor's own depth
// bound: what Check accepts makes letters whose text can be read back, and
// a template nested deeper (a million levels, or one past the bound) is
// refused before any letter is made from it.
func TestLetterTemplateDepth(t *testing.T) {
	d, _ := letter.Default()
	for _, n := range []int{1_000_000, cpaudit.MaxXMLDepth - 1} {
		if err := letter.Check(withDocument(t, d, nested(n))); !cpaudit.IsKind(err, cpaudit.KindInvalid) {
			t.Errorf("nested %d deep: Check %v, want KindInvalid", n, err)
		}
	}
	deepest := withDocument(t, d, nested(cpaudit.MaxXMLDepth-2))
	if err := letter.Check(deepest); err != nil {
		t.Fatalf("nested to the bound: %v", err)
	}
	out, err := letter.Fill(deepest, testFacts("沧州市某制药有限公司"))
	if err != nil {
		t.Fatal(err)
	}
	res := extract.Extract(context.Background(), bytes.NewReader(out), int64(len(out)), "", "告知书.docx", extract.Limits{})
	if res.Status != cpaudit.TextDone || !strings.Contains(res.Text, "沧州市某制药有限公司") {
		t.Errorf("a letter from a template at the depth bound: %s %s", res.Status, res.Reason)
	}
}
