package pipeline

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/search/extract"
	"github.com/cpaudit/cpaudit/search/ocr"
)

// OCRQueue is what the OCR worker needs from storage: the extraction
// queue's methods, over the jobs the extraction worker handed on.
type OCRQueue interface {
	Queue
	ClaimOCRJobs(ctx context.Context, tenantID string, limit int, lease time.Duration, maxText int64) ([]cpaudit.TextJob, error)
}

// NewOCR returns the worker of the OCR queue: files whose text is in
// images, handed on by the extraction worker (see ExtractWithOCR), read
// one at a time with x (OCRWith). Its lease defaults to an hour, past
// the engine's budget of a document.
func NewOCR(q OCRQueue, x Extractor, cfg Config) *Worker {
	if cfg.Lease <= 0 {
		cfg.Lease = time.Hour
	}
	w := New(q, x, cfg)
	w.claim, w.name, w.batch = q.ClaimOCRJobs, "OCR", 1
	return w
}

// ocrFormats are the images Tesseract reads.
var ocrFormats = []string{"jpeg", "png", "tiff"}

// needsOCR says whether a result's text is (partly) in images: an image
// Tesseract reads, or a PDF with pages that show no text.
func needsOCR(res extract.Result) bool {
	switch {
	case res.Status == cpaudit.TextUnsupported && slices.Contains(ocrFormats, res.Format):
		return true
	case res.Status == cpaudit.TextDone && res.Format == "pdf" && len(res.NoText) > 0:
		return true
	}
	return false
}

// MaxOCRPixels bounds the images given to Tesseract: it decodes the whole
// image into memory, so a small file declaring 100,000 x 100,000 pixels
// (or a blank one that compresses to nothing) would ask for gigabytes. A
// page of A3 scanned at 600 dpi is 70 million pixels.
const MaxOCRPixels = 100_000_000

// tooLargeForOCR is the reason an image is not read, when its declared
// size is past MaxOCRPixels; "" otherwise (and when no size is known).
func tooLargeForOCR(res extract.Result) string {
	if res.Format == "pdf" {
		return ""
	}
	w, errW := strconv.ParseInt(res.Meta["Width"], 10, 64)
	h, errH := strconv.ParseInt(res.Meta["Height"], 10, 64)
	if errW != nil || errH != nil || w*h <= MaxOCRPixels {
		return ""
	}
	return fmt.Sprintf("the image is %d x %d pixels, too large to read (at most %d million pixels)", w, h, MaxOCRPixels/1_000_000)
}

// withoutOCR is the text of a result that needs OCR on a server without
// it: an image or a PDF of scans only is unsupported, with the reason; a
// PDF with a text layer keeps it and says which pages were not read.
func withoutOCR(res extract.Result, why string) extract.Result {
	if res.Format == "pdf" && res.Text != "" {
		res.Reason = strings.TrimPrefix(res.Reason+"; ", "; ") +
			fmt.Sprintf("pages %s show no text and were not read: OCR is not available (%s)", pageList(res.NoText), why)
		return res
	}
	res.Status, res.Text, res.Tables = cpaudit.TextUnsupported, "", nil
	res.Reason = "the text is in images and OCR is not available on this server: " + why
	return res
}

// ExtractWithOCR is ExtractWith for a server that runs an OCR worker:
// files that need OCR are handed on to its queue (ExtractedText.NeedsOCR)
// rather than stored, so that one scan of 200 pages does not hold up the
// extraction of everything uploaded after it. With ocrErr set (the engine
// is missing) they are read without OCR (see withoutOCR).
func ExtractWithOCR(log *slog.Logger, lim extract.Limits, ocrErr error) Extractor {
	return func(ctx context.Context, r io.ReaderAt, size int64, contentType, filename string) cpaudit.ExtractedText {
		res := extractLogged(ctx, log, r, size, contentType, filename, lim)
		if needsOCR(res) {
			if why := tooLargeForOCR(res); why != "" {
				return cpaudit.ExtractedText{Status: cpaudit.TextFailed, Reason: why, Meta: res.Meta}
			}
			if ocrErr == nil {
				return cpaudit.ExtractedText{Status: cpaudit.TextPending, NeedsOCR: true}
			}
			res = withoutOCR(res, ocrErr.Error())
		}
		return textOf(res)
	}
}

// OCRWith is the extractor of the OCR worker: the text layer as package
// extract reads it, and the text Tesseract reads from the images (an
// image file, or the PDF's pages without text, appended after the text
// layer in page order). The text says it came from OCR in its Meta: "ocr"
// (engine and models), "ocr_pages" (the pages read; "1" for an image) and
// "ocr_confidence" (the words' mean confidence, 0-100). With eng nil
// (OCR unavailable, why says so) the result is withoutOCR's.
func OCRWith(log *slog.Logger, lim extract.Limits, eng *ocr.Engine, why string, tempDir string) Extractor {
	return func(ctx context.Context, r io.ReaderAt, size int64, contentType, filename string) cpaudit.ExtractedText {
		res := extractLogged(ctx, log, r, size, contentType, filename, lim)
		if !needsOCR(res) {
			return textOf(res)
		}
		if why := tooLargeForOCR(res); why != "" {
			return cpaudit.ExtractedText{Status: cpaudit.TextFailed, Reason: why, Meta: res.Meta}
		}
		if eng == nil {
			return textOf(withoutOCR(res, why))
		}
		pages, note, err := readImages(ctx, eng, r, size, res, tempDir)
		if err != nil {
			if ctx.Err() != nil {
				return cpaudit.ExtractedText{Status: cpaudit.TextFailed, Reason: "OCR was stopped"}
			}
			log.Info("OCR did not succeed", "file", filename, "format", res.Format, "err", err)
			if res.Format == "pdf" && res.Text != "" {
				res.Reason = strings.TrimPrefix(res.Reason+"; ", "; ") + "OCR of the pages without text failed"
				return textOf(res)
			}
			return cpaudit.ExtractedText{Status: cpaudit.TextFailed, Reason: "OCR failed: the image could not be read", Meta: res.Meta}
		}
		return textOf(merge(res, pages, note, eng))
	}
}

// readImages runs the engine over a result's images. The bytes are
// copied to a file: Tesseract and pdftoppm read files.
func readImages(ctx context.Context, eng *ocr.Engine, r io.ReaderAt, size int64, res extract.Result, tempDir string) ([]ocr.Page, string, error) {
	f, err := os.CreateTemp(tempDir, "ocr-src-*")
	if err != nil {
		return nil, "", err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if _, err := io.Copy(f, io.NewSectionReader(r, 0, size)); err != nil {
		return nil, "", err
	}
	if err := f.Close(); err != nil {
		return nil, "", err
	}
	if res.Format != "pdf" {
		p, err := eng.Image(ctx, f.Name())
		p.Number = 1
		return []ocr.Page{p}, "", err
	}
	pages, failed, note, err := eng.PDFPages(ctx, f.Name(), res.NoText)
	if err != nil {
		return nil, "", err
	}
	if failed > 0 {
		note = strings.TrimPrefix(note+"; ", "; ") + fmt.Sprintf("%d pages could not be read by OCR", failed)
	}
	if len(pages) == 0 && failed > 0 {
		return nil, "", fmt.Errorf("no page could be read (%d failed)", failed)
	}
	return pages, note, nil
}

// merge adds the OCR text to a result and marks it as such.
func merge(res extract.Result, pages []ocr.Page, note string, eng *ocr.Engine) extract.Result {
	var b strings.Builder
	b.WriteString(res.Text)
	var nums []int
	var conf float64
	words := 0
	for _, p := range pages {
		b.WriteString("\n")
		b.WriteString(p.Text)
		nums = append(nums, p.Number)
		conf += p.Confidence * float64(p.Words)
		words += p.Words
	}
	res.Status = cpaudit.TextDone
	res.Text = extract.Normalize(b.String())
	if res.Meta == nil {
		res.Meta = make(map[string]string)
	}
	res.Meta["ocr"] = eng.Describe()
	res.Meta["ocr_pages"] = pageList(nums)
	if words > 0 {
		res.Meta["ocr_confidence"] = strconv.FormatFloat(conf/float64(words), 'f', 1, 64)
	}
	res.Reason = note
	if res.Format != "pdf" {
		res.Tables = nil
	}
	return res
}

func pageList(pages []int) string {
	s := make([]string, len(pages))
	for i, p := range pages {
		s[i] = strconv.Itoa(p)
	}
	return strings.Join(s, ",")
}
