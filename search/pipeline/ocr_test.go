package pipeline_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/png"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/internal/testpdf"
	"github.com/cpaudit/cpaudit/search/extract"
	"github.com/cpaudit/cpaudit/search/ocr"
	"github.com/cpaudit/cpaudit/search/pipeline"
)

// textAndScanPDF is a two-page PDF: a page of text (Helvetica), then a
// page that shows nothing a text layer holds, like a scan.
func textAndScanPDF() string {
	return string(testpdf.File(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R 5 0 R] /Count 2 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 6 0 R >> >> /Contents 4 0 R >>",
		testpdf.Stream("", []byte("BT /F1 12 Tf 72 700 Td (Invoice 04418562) Tj ET")),
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	))
}

func scanPDF() string {
	return strings.Replace(textAndScanPDF(), "/Kids [3 0 R 5 0 R] /Count 2", "/Kids [5 0 R] /Count 1", 1)
}

func blankPNG(t *testing.T) string {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 40, 30))); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestWithoutTesseract: a server whose PATH has no tesseract finds no
// OCR engine, and its pipeline marks photos and scanned PDFs unsupported
// with the reason, and keeps the text layer of a mixed PDF, saying which
// pages were not read. The OCR worker of such a server does the same with
// the scans an earlier run had queued.
func TestWithoutTesseract(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, ocrErr := ocr.Find(t.TempDir())
	if ocrErr == nil || !strings.Contains(ocrErr.Error(), "tesseract") {
		t.Fatalf("Find without tesseract: %v", ocrErr)
	}
	log := slog.New(slog.DiscardHandler)
	for name, x := range map[string]pipeline.Extractor{
		"extraction": pipeline.ExtractWithOCR(log, extract.DefaultLimits(), ocrErr),
		"ocr worker": pipeline.OCRWith(log, extract.DefaultLimits(), nil, ocrErr.Error(), t.TempDir()),
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s, a := setup(t, nil)
			photo := upload(t, s, a, "铭牌.png", blankPNG(t))
			scan := upload(t, s, a, "扫描件.pdf", scanPDF())
			mixed := upload(t, s, a, "混合.pdf", textAndScanPDF())
			if name == "extraction" {
				if _, err := pipeline.New(s, x, pipeline.Config{}).RunOnce(ctx); err != nil {
					t.Fatal(err)
				}
			} else {
				// Queued for OCR by a server that had it...
				if _, err := pipeline.New(s, pipeline.ExtractWithOCR(log, extract.DefaultLimits(), nil), pipeline.Config{}).RunOnce(ctx); err != nil {
					t.Fatal(err)
				}
				if st, _ := s.SearchStatus(ctx, a.TenantID); st.OCRPending != 3 {
					t.Fatalf("ocr_pending %d, want 3", st.OCRPending)
				}
				// ...and read by one without.
				// One job a tenant a round.
				for w := pipeline.NewOCR(s, x, pipeline.Config{}); ; {
					n, err := w.RunOnce(ctx)
					if err != nil {
						t.Fatal(err)
					}
					if n == 0 {
						break
					}
				}
			}
			for _, d := range []cpaudit.Document{photo, scan} {
				txt, err := s.DocumentText(ctx, a, d.ID, 0)
				if err != nil || txt.Status != cpaudit.TextUnsupported || !strings.Contains(txt.Reason, "OCR is not available") ||
					!strings.Contains(txt.Reason, "tesseract") {
					t.Errorf("%s: %+v %v", d.ID, txt, err)
				}
			}
			txt, err := s.DocumentText(ctx, a, mixed.ID, 0)
			if err != nil || txt.Status != cpaudit.TextDone || !strings.Contains(txt.Text, "04418562") ||
				!strings.Contains(txt.Reason, "pages 2 show no text") {
				t.Errorf("mixed: %+v %v", txt, err)
			}
			if st, _ := s.SearchStatus(ctx, a.TenantID); st.OCRPending != 0 {
				t.Errorf("ocr_pending %d", st.OCRPending)
			}
		})
	}
}

// hugePNG is a small PNG whose header declares w x h pixels.
func hugePNG(t *testing.T, w, h uint32) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 16, 16))); err != nil {
		t.Fatal(err)
	}
	p := b.Bytes()
	binary.BigEndian.PutUint32(p[16:], w)
	binary.BigEndian.PutUint32(p[20:], h)
	binary.BigEndian.PutUint32(p[29:], crc32.ChecksumIEEE(p[12:29]))
	return p
}

// TestOCRRefusesHugeImages: an image declaring 100,000 x 100,000 pixels is
// never handed to Tesseract (which would decode it whole): extraction
// fails it at once with the reason, neither queueing it for OCR nor
// calling it unsupported, and the OCR worker does the same with one
// queued before. An image within the bound still goes to OCR.
func TestOCRRefusesHugeImages(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	huge := hugePNG(t, 100_000, 100_000)
	for name, x := range map[string]pipeline.Extractor{
		"extraction": pipeline.ExtractWithOCR(log, extract.DefaultLimits(), nil),
		"ocr worker": pipeline.OCRWith(log, extract.DefaultLimits(), nil, "no engine", t.TempDir()),
	} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			got := x(context.Background(), bytes.NewReader(huge), int64(len(huge)), "image/png", "巨图.png")
			if got.Status != cpaudit.TextFailed || got.NeedsOCR || !strings.Contains(got.Reason, "100000 x 100000 pixels, too large") {
				t.Errorf("huge image: %+v", got)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
	ok := hugePNG(t, 8000, 12000)
	got := pipeline.ExtractWithOCR(log, extract.DefaultLimits(), nil)(context.Background(), bytes.NewReader(ok), int64(len(ok)), "image/png", "扫描.png")
	if !got.NeedsOCR {
		t.Errorf("an image of 96 million pixels: %+v, want it queued for OCR", got)
	}
}
