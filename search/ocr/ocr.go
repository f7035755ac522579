// Package ocr reads the printed text of images and of scanned PDF pages
// with Tesseract and its Simplified Chinese model (chi_sim, with eng for
// the Latin letters and digits of invoices and monitoring reports).
//
// Tesseract runs as a command, one process a page, rather than through a
// cgo binding: a process can be killed at its deadline, its memory is
// returned when it ends, a crash on a hostile image does not take the
// server with it, and the build stays free of cgo. Pages of PDFs are
// rendered with poppler's pdftoppm. Both run with one thread each
// (OMP_THREAD_LIMIT=1), so that OCR takes one core and leaves the rest to
// requests.
//
// It knows nothing of storage or of the pipeline: it turns files into
// text and says how sure the engine was.
package ocr

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Engine runs Tesseract. Its zero durations and counts take defaults
// (see Find).
type Engine struct {
	Tesseract string // path of the tesseract command
	Pdftoppm  string // path of poppler's pdftoppm
	Langs     string // Tesseract's -l, "chi_sim+eng"
	Version   string // "tesseract 5.3.0", said with every text read
	// PageTimeout bounds one page (rendering and recognition); MaxPages
	// and Budget bound one document: past either, the rest of its pages
	// are left unread and the result says so.
	PageTimeout time.Duration
	MaxPages    int
	Budget      time.Duration
	DPI         int    // resolution PDF pages are rendered at (300)
	TempDir     string // where pages are rendered; "" for the system's
}

// maxOutput bounds what one run of tesseract may print: a page of dense
// Chinese text is a few tens of KiB of TSV.
const maxOutput = 8 << 20

// Find returns an engine when tesseract with the chi_sim model and
// pdftoppm are installed, else an error that says, for people, what is
// missing.
func Find(tempDir string) (*Engine, error) {
	path, err := exec.LookPath("tesseract")
	if err != nil {
		return nil, errors.New("tesseract is not installed (Debian: tesseract-ocr, tesseract-ocr-chi-sim)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	langs, err := exec.CommandContext(ctx, path, "--list-langs").Output()
	if err != nil {
		return nil, fmt.Errorf("tesseract --list-langs failed: %v", err)
	}
	if !hasLine(langs, "chi_sim") {
		return nil, errors.New("tesseract has no Simplified Chinese model (Debian: tesseract-ocr-chi-sim)")
	}
	e := &Engine{Tesseract: path, Langs: "chi_sim", TempDir: tempDir,
		PageTimeout: 2 * time.Minute, MaxPages: 300, Budget: 30 * time.Minute, DPI: 300}
	if hasLine(langs, "eng") {
		e.Langs = "chi_sim+eng"
	}
	e.Version = "tesseract"
	if out, err := exec.CommandContext(ctx, path, "--version").CombinedOutput(); err == nil {
		if first, _, _ := strings.Cut(string(out), "\n"); strings.HasPrefix(first, "tesseract ") {
			e.Version = strings.TrimSpace(first)
		}
	}
	if e.Pdftoppm, err = exec.LookPath("pdftoppm"); err != nil {
		return nil, errors.New("pdftoppm is not installed (Debian: poppler-utils)")
	}
	return e, nil
}

func hasLine(b []byte, want string) bool {
	for _, l := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(l) == want {
			return true
		}
	}
	return false
}

// Describe names the engine and its models, as texts read with it say.
func (e *Engine) Describe() string { return e.Version + " " + e.Langs }

// Page is the text read from one image or page.
type Page struct {
	Number     int     // page of a PDF, from 1; 0 for an image
	Text       string  // lines as Tesseract found them; words separated by spaces
	Confidence float64 // mean confidence of the words, 0-100
	Words      int
}

// Image reads the image file at path (JPEG, PNG, TIFF).
func (e *Engine) Image(ctx context.Context, path string) (Page, error) {
	ctx, cancel := context.WithTimeout(ctx, e.pageTimeout())
	defer cancel()
	return e.recognise(ctx, path)
}

// PDFPages renders each of pages (from 1) of the PDF at path and reads
// it, in order. It stops at MaxPages pages, at the Budget or when ctx
// ends, and returns the pages read so far; stopped says why it stopped
// early ("" when every page was read). A page that fails alone (its
// rendering or recognition timed out) is skipped and counted in failed.
func (e *Engine) PDFPages(ctx context.Context, path string, pages []int) (read []Page, failed int, stopped string, err error) {
	if e.Pdftoppm == "" {
		return nil, 0, "", errors.New("pdftoppm is not installed (Debian: poppler-utils)")
	}
	dir, err := os.MkdirTemp(e.TempDir, "ocr-*")
	if err != nil {
		return nil, 0, "", err
	}
	defer os.RemoveAll(dir)
	budget := e.Budget
	if budget <= 0 {
		budget = 30 * time.Minute
	}
	deadline := time.Now().Add(budget)
	maxPages := e.MaxPages
	if maxPages <= 0 {
		maxPages = 300
	}
	for i, n := range pages {
		if err := ctx.Err(); err != nil {
			return read, failed, "", err
		}
		if i >= maxPages {
			return read, failed, fmt.Sprintf("OCR stopped after %d pages", maxPages), nil
		}
		if time.Now().After(deadline) {
			return read, failed, fmt.Sprintf("OCR stopped after %v, %d of %d pages read", budget, i, len(pages)), nil
		}
		p, err := e.pdfPage(ctx, path, dir, n)
		if err != nil {
			if ctx.Err() != nil {
				return read, failed, "", ctx.Err()
			}
			failed++
			continue
		}
		read = append(read, p)
	}
	return read, failed, "", nil
}

func (e *Engine) pdfPage(ctx context.Context, path, dir string, n int) (Page, error) {
	ctx, cancel := context.WithTimeout(ctx, e.pageTimeout())
	defer cancel()
	dpi := e.DPI
	if dpi <= 0 {
		dpi = 300
	}
	prefix := filepath.Join(dir, "p")
	num := strconv.Itoa(n)
	// -gray: Tesseract binarises anyway, and a grey page is a third of
	// the bytes; -singlefile names the output prefix.png.
	cmd := exec.CommandContext(ctx, e.Pdftoppm, "-r", strconv.Itoa(dpi), "-f", num, "-l", num, "-gray", "-png", "-singlefile", path, prefix)
	cmd.Env = env()
	var stderr bytes.Buffer
	cmd.Stderr = &limited{max: 64 << 10, b: &stderr}
	if err := cmd.Run(); err != nil {
		return Page{}, fmt.Errorf("pdftoppm page %d: %v: %s", n, err, bytes.TrimSpace(stderr.Bytes()))
	}
	img := prefix + ".png"
	defer os.Remove(img)
	p, err := e.recognise(ctx, img)
	p.Number = n
	return p, err
}

// recognise runs tesseract on one image and reads its TSV output.
func (e *Engine) recognise(ctx context.Context, img string) (Page, error) {
	// --psm 3: automatic page segmentation without orientation detection
	// (an upright scan is the rule; osd would double the time).
	cmd := exec.CommandContext(ctx, e.Tesseract, img, "stdout", "-l", e.Langs, "--psm", "3", "tsv")
	cmd.Env = env()
	var out, stderr bytes.Buffer
	cmd.Stdout = &limited{max: maxOutput, b: &out}
	cmd.Stderr = &limited{max: 64 << 10, b: &stderr}
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return Page{}, fmt.Errorf("tesseract: %w", ctx.Err())
		}
		return Page{}, fmt.Errorf("tesseract: %v: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	return parseTSV(out.Bytes()), nil
}

func (e *Engine) pageTimeout() time.Duration {
	if e.PageTimeout > 0 {
		return e.PageTimeout
	}
	return 2 * time.Minute
}

// env is the environment of the commands: one thread each.
func env() []string {
	return append(os.Environ(), "OMP_THREAD_LIMIT=1")
}

// parseTSV turns Tesseract's TSV (level, page_num, block_num, par_num,
// line_num, word_num, left, top, width, height, conf, text) into lines of
// words and the mean confidence of the words.
func parseTSV(b []byte) Page {
	var (
		p        Page
		text     strings.Builder
		lastLine string
		confSum  float64
	)
	for i, row := range strings.Split(string(b), "\n") {
		f := strings.Split(strings.TrimRight(row, "\r"), "\t")
		if i == 0 || len(f) < 12 || f[0] != "5" {
			continue
		}
		word := strings.TrimSpace(f[11])
		if word == "" {
			continue
		}
		line := f[2] + "." + f[3] + "." + f[4]
		switch {
		case text.Len() == 0:
		case line != lastLine:
			text.WriteByte('\n')
		default:
			text.WriteByte(' ')
		}
		lastLine = line
		text.WriteString(word)
		if c, err := strconv.ParseFloat(f[10], 64); err == nil && c >= 0 {
			confSum += c
			p.Words++
		}
	}
	p.Text = text.String()
	if p.Words > 0 {
		p.Confidence = confSum / float64(p.Words)
	}
	return p
}

// limited is a writer that keeps at most max bytes and fails past them,
// which ends the command writing to it.
type limited struct {
	max int
	b   *bytes.Buffer
}

var errOutput = errors.New("output beyond its bound")

func (l *limited) Write(p []byte) (int, error) {
	if l.b.Len()+len(p) > l.max {
		return 0, errOutput
	}
	return l.b.Write(p)
}
