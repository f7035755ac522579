// Package extract turns the bytes of an uploaded document into normalised
// text, the one text that search, comparison and duplicate detection share.
// It owns format detection, one extractor per format (.docx, .xlsx, .pptx,
// .pdf, plain text in UTF-8, UTF-16 or GB18030/GBK, HTML, and the EXIF
// metadata of images), the tables of workbooks and Word documents, read
// cell by cell in the same pass as their text, the time and memory budget
// every extraction runs under, and the normalisation rule of the search
// contract (Normalize).
//
// Every extractor runs in the caller's goroutine under one budget
// (Limits): a deadline checked inside every loop, a cap on the bytes
// decompressed from zip entries and PDF streams, bounds on the nesting of
// XML and PDF objects, and a cap on the text kept. Nothing is left running
// when Extract returns, and a panic, ours or a library's, ends as a failed
// result rather than a crash.
//
// It reads bytes and returns values: it knows nothing of storage, HTTP or
// the index, so it can run anywhere and be fuzzed on its own.
package extract

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"time"
	"unicode/utf8"

	cpaudit "github.com/cpaudit/cpaudit"
)

// Result is the outcome of one extraction.
type Result struct {
	Status cpaudit.TextStatus // TextDone, TextFailed or TextUnsupported
	Format string             // what the bytes were read as: "docx", "pdf", "text", "jpeg"...; "" when unknown
	Text   string             // normalised text (see Normalize), empty unless Status is TextDone
	// Reason says, for people, why extraction failed or is unsupported;
	// for a done result, that the text was truncated at Limits.MaxText,
	// that part of it could not be decoded, or that a PDF has no text layer.
	Reason string
	// Meta holds metadata found on the way: the EXIF fields of images
	// (DateTimeOriginal, Make, Model, BodySerialNumber, GPSLatitude...), the
	// pixel size of images (Width, Height). Nil when there is none.
	Meta map[string]string
	// Tables are the sheets of a workbook and the tables of a Word
	// document, read in the same pass as the text (see tables.go); nil
	// unless Status is TextDone. TablesCut says they stopped growing at
	// a bound (rows, bytes) while the text went on.
	Tables    []cpaudit.Table
	TablesCut bool
	// Pages is the number of pages of a PDF, and NoText the pages (from
	// 1) on which it shows no text: scans, for OCR to read.
	Pages  int
	NoText []int
	// Err is the cause of a failure, for logs only: it may hold details
	// (a stack trace after a panic) that people must not see.
	Err error
}

// Limits bound the work of one extraction. A zero field takes the value of
// DefaultLimits.
type Limits struct {
	MaxBytes    int64         // input size accepted
	MaxText     int           // runes of text kept; the rest is cut off and said so in Reason
	MaxUnzipped int64         // bytes decompressed in total: zip entries of .docx/.xlsx/.pptx, PDF streams
	MaxStream   int64         // bytes of one decoded PDF stream (a page's content streams together), held in memory at once
	Timeout     time.Duration // wall-clock budget of the whole extraction
	// The tables of .xlsx and .docx files: rows kept over all of a file's
	// tables, and the bytes they hold (cell text and a few bytes a cell
	// and a row). Past either, tables stop growing and the text goes on.
	MaxTableRows  int
	MaxTableBytes int64
}

// DefaultLimits are sized for the documents of an audit (reports of a few
// hundred pages, spreadsheets of tens of thousands of rows) on a small server.
func DefaultLimits() Limits {
	return Limits{
		MaxBytes:    512 << 20,
		MaxText:     50_000_000,
		MaxUnzipped: 1 << 30,
		MaxStream:   64 << 20,
		Timeout:     60 * time.Second,
		// The tables figures are read from have tens of rows; these
		// bound a workbook of data dumps without cutting real evidence.
		MaxTableRows:  20_000,
		MaxTableBytes: 16 << 20,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxBytes <= 0 {
		l.MaxBytes = d.MaxBytes
	}
	if l.MaxText <= 0 {
		l.MaxText = d.MaxText
	}
	if l.MaxUnzipped <= 0 {
		l.MaxUnzipped = d.MaxUnzipped
	}
	if l.Timeout <= 0 {
		l.Timeout = d.Timeout
	}
	if l.MaxStream <= 0 {
		l.MaxStream = d.MaxStream
	}
	if l.MaxTableRows <= 0 {
		l.MaxTableRows = d.MaxTableRows
	}
	if l.MaxTableBytes <= 0 {
		l.MaxTableBytes = d.MaxTableBytes
	}
	return l
}

// Extract reads the document of size bytes in r and returns its normalised
// text. contentType is the type sniffed from the bytes by the caller (it may
// be empty or "application/octet-stream"); filename is the client's name for
// the file. The format is chosen from the bytes themselves first (PDF, zip,
// OLE and image signatures), then from contentType, then from the extension.
//
// Extract never panics and never runs past lim.Timeout: a malformed file, a
// zip bomb or a file that takes too long ends as TextFailed with a Reason. If
// ctx itself is cancelled the result is TextFailed too; a caller shutting
// down should check ctx.Err() and retry later rather than record it.
func Extract(ctx context.Context, r io.ReaderAt, size int64, contentType, filename string, lim Limits) (res Result) {
	lim = lim.withDefaults()
	if size > lim.MaxBytes {
		return Result{Status: cpaudit.TextFailed, Reason: fmt.Sprintf("the file is larger than the %s extraction limit", formatBytes(lim.MaxBytes))}
	}
	ctx, cancel := context.WithTimeout(ctx, lim.Timeout)
	defer cancel()

	f := detect(r, size, contentType, filename)
	res.Format = f.name
	if f.extract == nil {
		res.Status, res.Reason = cpaudit.TextUnsupported, f.reason
		return res
	}
	j := &job{ctx: ctx, lim: lim, out: textWriter{max: lim.MaxText},
		tables: tableSet{maxRows: lim.MaxTableRows, maxSize: lim.MaxTableBytes}}
	err := runGuarded(j, f.extract, r, size)
	res.Meta = j.meta
	res.Pages, res.NoText = j.pages, j.noText
	if j.format != "" {
		res.Format = j.format
	}
	return j.result(res, err)
}

// runGuarded runs one extractor, turning a panic (a bug of ours, or of a
// library on hostile input) into an error so that one bad file cannot take
// the process down.
func runGuarded(j *job, fn extractFunc, r io.ReaderAt, size int64) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	return fn(j, r, size)
}

func (j *job) result(res Result, err error) Result {
	var f *failure
	if err != nil && !errors.Is(err, errFull) {
		res.Err = err
	}
	switch {
	case err == nil, errors.Is(err, errFull):
		res.Status = cpaudit.TextDone
		res.Text = Normalize(j.out.String())
		res.Reason = j.note
		res.Tables, res.TablesCut = j.tables.result(), j.tables.full
		if j.out.full {
			res.Reason = fmt.Sprintf("text truncated at %d characters", j.lim.MaxText)
		}
	case errors.As(err, &f):
		res.Status, res.Reason = f.status, f.reason
	case errors.Is(err, context.DeadlineExceeded):
		res.Status, res.Reason = cpaudit.TextFailed, fmt.Sprintf("extraction took longer than %v", j.lim.Timeout)
	case errors.Is(err, context.Canceled):
		res.Status, res.Reason = cpaudit.TextFailed, "extraction was cancelled"
	default:
		// A bug or an I/O error: people get a plain sentence; the cause is
		// not theirs to read.
		res.Status, res.Reason = cpaudit.TextFailed, "the file could not be read"
	}
	return res
}

type extractFunc func(j *job, r io.ReaderAt, size int64) error

// job is the state of one extraction: its budget and its output.
type job struct {
	ctx      context.Context
	lim      Limits
	out      textWriter
	tables   tableSet // of .xlsx and .docx files
	unzipped int64    // bytes decompressed so far, against lim.MaxUnzipped
	ticks    uint
	meta     map[string]string
	note     string // said in Reason of a done result
	format   string // the format found inside a container: "docx" in a zip
	pages    int    // of a PDF
	noText   []int  // a PDF's pages without text, from 1
}

// tick is called inside every loop of every extractor; it checks the
// context every 1024 calls, which keeps the check off the profile.
func (j *job) tick() error {
	j.ticks++
	if j.ticks&1023 == 0 {
		return j.ctx.Err()
	}
	return nil
}

// inflated accounts for n more decompressed bytes.
func (j *job) inflated(n int64) error {
	j.unzipped += n
	if j.unzipped > j.lim.MaxUnzipped {
		return errBomb
	}
	return nil
}

func (j *job) setMeta(k, v string) {
	if j.meta == nil {
		j.meta = make(map[string]string)
	}
	j.meta[k] = v
}

// failure is an extraction that ends with a reason for people.
type failure struct {
	status cpaudit.TextStatus
	reason string
}

func (f *failure) Error() string { return string(f.status) + ": " + f.reason }

func failed(format string, args ...any) error {
	return &failure{cpaudit.TextFailed, reason(format, args...)}
}

func unsupported(format string, args ...any) error {
	return &failure{cpaudit.TextUnsupported, reason(format, args...)}
}

// reason formats a reason for people. Its arguments may quote the file
// (an XML parser's message does), so it is made valid UTF-8 without
// control characters, and cut to 300 characters.
func reason(format string, args ...any) string {
	s := strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || r >= 0x80 && r <= 0x9f {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(fmt.Sprintf(format, args...), "\ufffd"))
	if r := []rune(s); len(r) > 300 {
		s = string(r[:300]) + "…"
	}
	return s
}

var (
	// errFull stops an extractor once Limits.MaxText runes are kept.
	errFull = errors.New("text limit reached")
	errBomb = failed("archive expands beyond the limit")
)

// textWriter collects raw text up to max runes. It keeps only the first
// rune of each whitespace run (Normalize treats every run alike), so the
// limit counts what survives normalisation, give or take the removed breaks
// between Chinese characters.
type textWriter struct {
	b         strings.Builder
	runes     int
	max       int
	lastSpace bool
	full      bool
}

func (w *textWriter) WriteString(s string) error {
	for _, r := range s {
		if err := w.WriteRune(r); err != nil {
			return err
		}
	}
	return nil
}

func (w *textWriter) WriteRune(r rune) error {
	if w.full {
		return errFull
	}
	if isSpace(r) {
		if w.lastSpace || w.runes == 0 {
			return nil
		}
		w.lastSpace = true
	} else {
		w.lastSpace = false
	}
	if w.runes >= w.max {
		w.full = true
		return errFull
	}
	w.runes++
	w.b.WriteRune(r)
	return nil
}

// sep writes a separator (a newline or a space) unless one was just written.
func (w *textWriter) sep(r rune) error {
	if w.lastSpace || w.runes == 0 {
		return nil
	}
	return w.WriteRune(r)
}

func (w *textWriter) String() string { return w.b.String() }

// grow makes room for about n bytes of text, at most max runes' worth:
// an extractor that knows how long its text will be (a .txt file) sizes
// the buffer once instead of growing it by doubling, which for a 50 MB
// text allocated 240 MB and held the last two sizes at once.
func (w *textWriter) grow(n int64) {
	n = min(n, int64(w.max)*utf8.UTFMax)
	if n > 0 {
		w.b.Grow(int(n))
	}
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20:
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
