package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit/handlers"
	"github.com/cpaudit/cpaudit/internal/testenv"
	"github.com/cpaudit/cpaudit/internal/testpdf"
	"github.com/cpaudit/cpaudit/search/extract"
	"github.com/cpaudit/cpaudit/search/ocr"
	"github.com/cpaudit/cpaudit/search/pipeline"
)

// The prose of the test scans: each has phrases found nowhere else.
const (
	scanProse = "监测报告显示化学需氧量排放浓度为每升四十五毫克，氨氮排放浓度为每升三点二毫克，均低于国家排放标准限值。" +
		"审核小组对无低费方案和中高费方案逐一进行了可行性分析。"
	photoProse = "锅炉房铭牌显示额定蒸发量为每小时十吨，设备于二〇一九年投入运行，由河北省特种设备检验研究院定期检验。"
	layerProse = "本企业实施清洁生产方案后全年节水量达到一万二千吨，综合能耗下降百分之十五。"
)

// ocrFixtures lays out each prose with LibreOffice and returns a text
// PDF of layerProse, a scanned PDF of scanProse (its page rasterised at
// 300 dpi and wrapped, as a JPEG, in a PDF without text), a photo-like
// PNG of photoProse (200 dpi) and a mixed PDF: the text page, then the
// scanned one.
func ocrFixtures(t *testing.T) (textPDF, scanPDF, photoPNG, mixedPDF []byte) {
	t.Helper()
	bin := testenv.Soffice(t)
	testenv.Tesseract(t)
	dir := t.TempDir()
	for name, prose := range map[string]string{"layer": layerProse, "scan": scanProse, "photo": photoProse} {
		if err := os.WriteFile(filepath.Join(dir, name+".txt"), []byte(prose+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
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
	run(bin, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"), "--headless", "--convert-to", "pdf",
		"--outdir", dir, filepath.Join(dir, "layer.txt"), filepath.Join(dir, "scan.txt"), filepath.Join(dir, "photo.txt"))
	run("pdftoppm", "-r", "300", "-gray", "-jpeg", "-singlefile", filepath.Join(dir, "scan.pdf"), filepath.Join(dir, "scan"))
	run("pdftoppm", "-r", "200", "-png", "-singlefile", filepath.Join(dir, "photo.pdf"), filepath.Join(dir, "photo"))
	jpg := read(t, filepath.Join(dir, "scan.jpg"))
	if err := os.WriteFile(filepath.Join(dir, "scanned.pdf"), imagePDF(t, jpg, 300), 0o644); err != nil {
		t.Fatal(err)
	}
	run("pdfunite", filepath.Join(dir, "layer.pdf"), filepath.Join(dir, "scanned.pdf"), filepath.Join(dir, "mixed.pdf"))
	return read(t, filepath.Join(dir, "layer.pdf")), read(t, filepath.Join(dir, "scanned.pdf")),
		read(t, filepath.Join(dir, "photo.png")), read(t, filepath.Join(dir, "mixed.pdf"))
}

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// imagePDF is a one-page PDF that shows a JPEG scanned at dpi
// and has no text: what a scanner writes.
func imagePDF(t *testing.T, jpg []byte, dpi int) []byte {
	t.Helper()
	cfg, _, err := image.DecodeConfig(bytes.NewReader(jpg))
	if err != nil {
		t.Fatal(err)
	}
	w, h := cfg.Width*72/dpi, cfg.Height*72/dpi
	space := "/DeviceRGB" // pdftoppm -gray -jpeg writes three components
	if cfg.ColorModel == color.GrayModel {
		space = "/DeviceGray"
	}
	return testpdf.File(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>", w, h),
		testpdf.Stream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s /BitsPerComponent 8 /Filter /DCTDecode",
			cfg.Width, cfg.Height, space), jpg),
		testpdf.Stream("", fmt.Appendf(nil, "q %d 0 0 %d 0 0 cm /Im0 Do Q", w, h)),
	)
}

// processOCR runs the pipeline of a server with OCR: extraction hands
// scans to the OCR worker, which reads them with Tesseract.
func (e *testEnv) processOCR() {
	e.t.Helper()
	ctx := context.Background()
	dir := e.t.TempDir()
	eng, err := ocr.Find(dir)
	if err != nil {
		e.t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	cfg := pipeline.Config{TempDir: dir}
	extractor := pipeline.New(e.store, pipeline.ExtractWithOCR(log, extract.DefaultLimits(), nil), cfg)
	reader := pipeline.NewOCR(e.store, pipeline.OCRWith(log, extract.DefaultLimits(), eng, "", dir), cfg)
	indexer := pipeline.NewIndexer(e.store, e.indexes, cfg)
	analyzer := pipeline.NewAnalyzer(e.store, pipeline.AnalyzerConfig{Config: cfg})
	for {
		total := 0
		for _, w := range []interface {
			RunOnce(context.Context) (int, error)
		}{extractor, reader, indexer, analyzer} {
			n, err := w.RunOnce(ctx)
			if err != nil {
				e.t.Fatal(err)
			}
			total += n
		}
		if total == 0 {
			return
		}
	}
}

// TestOCRScansAreSearchable uploads a scanned PDF, a photo of a printed
// page and a mixed PDF (a text page and a scanned page) through the API:
// each reaches text_status done, is marked as read by OCR, and is found
// by 4-character phrases of its printed text.
func TestOCRScansAreSearchable(t *testing.T) {
	_, scanPDF, photoPNG, mixedPDF := ocrFixtures(t)
	w := newWorld(t)
	e := w.e
	inAudit := [][2]string{{"kind", "evidence"}, {"audit_id", w.auditID}}
	scan := e.uploadText(w.consultant, inAudit, "监测报告扫描件.pdf", scanPDF)
	photo := e.uploadText(w.consultant, inAudit, "锅炉铭牌.png", photoPNG)
	mixed := e.uploadText(w.consultant, inAudit, "混合.pdf", mixedPDF)

	// Extraction alone hands the scans on: they wait for OCR.
	var st struct {
		IndexPending int `json:"index_pending"`
		OCRPending   int `json:"ocr_pending"`
	}
	dir := t.TempDir()
	first := pipeline.New(e.store, pipeline.ExtractWithOCR(slog.New(slog.DiscardHandler), extract.DefaultLimits(), nil), pipeline.Config{TempDir: dir})
	if _, err := first.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if status := e.getJSON("/api/v1/status", w.consultant, &st); status != 200 || st.OCRPending != 3 || st.IndexPending < 3 {
		t.Fatalf("status before OCR: %d %+v, want ocr_pending 3", status, st)
	}
	e.processOCR()
	if status := e.getJSON("/api/v1/status", w.consultant, &st); status != 200 || st.OCRPending != 0 || st.IndexPending != 0 {
		t.Fatalf("status after OCR: %d %+v", status, st)
	}

	for _, c := range []struct {
		id, pages string
		phrases   []string
	}{
		{scan, "1", []string{"化学需氧", "排放标准", "可行性分"}},
		{photo, "1", []string{"额定蒸发", "特种设备"}},
		{mixed, "2", []string{"综合能耗", "化学需氧", "排放标准"}},
	} {
		var text struct {
			Status string            `json:"text_status"`
			Text   string            `json:"text"`
			Meta   map[string]string `json:"meta"`
		}
		if status := e.getJSON("/api/v1/documents/"+c.id+"/text", w.consultant, &text); status != 200 || text.Status != "done" {
			t.Fatalf("%s: %d %+v", c.id, status, text)
		}
		if !strings.HasPrefix(text.Meta["ocr"], "tesseract ") || text.Meta["ocr_pages"] != c.pages || text.Meta["ocr_confidence"] == "" {
			t.Errorf("%s: meta %v, want ocr, ocr_pages %s, ocr_confidence", c.id, text.Meta, c.pages)
		}
		if strings.Contains(text.Text, "化 学") {
			t.Errorf("%s: spaces left between Chinese characters: %q", c.id, text.Text)
		}
		for _, p := range c.phrases {
			if ans := e.search(w.regulator, url.Values{"q": {p}}); !contains(ans.ids(), c.id) {
				t.Errorf("%q: %v, want %s (text %q)", p, ans.ids(), c.id, text.Text)
			}
		}
	}
	// The mixed PDF keeps its text layer: its text page is read as text,
	// and only the scanned page by OCR.
	var text struct {
		Text string `json:"text"`
	}
	e.getJSON("/api/v1/documents/"+mixed+"/text", w.consultant, &text)
	if !strings.Contains(text.Text, "一万二千吨") {
		t.Errorf("mixed PDF lost its text layer: %q", text.Text)
	}
}

func contains(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// TestReadyzSaysOCR: /readyz says on a line of its own whether OCR runs,
// and a server without it is ready all the same.
func TestReadyzSaysOCR(t *testing.T) {
	e := newTestEnv(t, func(c *handlers.Config) { c.OCR = "unavailable: tesseract is not installed" })
	status, body, _ := e.do("GET", "/readyz", "", nil, "")
	if status != 200 || string(body) != "ready\nocr: unavailable: tesseract is not installed\n" {
		t.Errorf("readyz: %d %q", status, body)
	}
}
