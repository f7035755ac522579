// Package testenv finds the external programs tests need (MinIO, Chromium,
// LibreOffice, Tesseract, Litestream)
// and decides, in one place, whether a missing one skips the test (on a
// developer's machine) or fails it (in CI, CI=true).
//
// scripts/test installs and starts everything and sets the CPAUDIT_TEST_*
// variables read here; .ci/run also sets CI=true, so that a broken CI machine
// shows up as failures rather than as a green run that tested nothing.
package testenv

import (
	"bytes"
	"go/build"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// InCI reports whether the tests run in continuous integration, as told by
// the CI variable (true, 1, ...) that CI services and .ci/run set.
func InCI() bool {
	ci, err := strconv.ParseBool(os.Getenv("CI"))
	return err == nil && ci
}

// S3 returns the address (host:port) and root credentials of the MinIO
// server started by scripts/test.
func S3(t testing.TB) (endpoint, accessKey, secretKey string) {
	t.Helper()
	endpoint = os.Getenv("CPAUDIT_TEST_S3_ENDPOINT")
	accessKey = os.Getenv("CPAUDIT_TEST_S3_ACCESS_KEY")
	secretKey = os.Getenv("CPAUDIT_TEST_S3_SECRET_KEY")
	if endpoint == "" || accessKey == "" || secretKey == "" {
		missing(t, "MinIO not configured: run the tests with scripts/test")
	}
	return endpoint, accessKey, secretKey
}

// MinIOBin returns the path of the MinIO server program, for tests that
// run (and stop) a MinIO of their own: CPAUDIT_TEST_MINIO_BIN if set (as
// scripts/test does), else where scripts/lib/minio.sh installs it (the bin
// directory of the first GOPATH entry), else minio on PATH.
func MinIOBin(t testing.TB) string {
	t.Helper()
	if path := os.Getenv("CPAUDIT_TEST_MINIO_BIN"); path != "" {
		if found, err := exec.LookPath(path); err == nil {
			return found
		}
		missing(t, "CPAUDIT_TEST_MINIO_BIN="+path+" is not an executable: run the tests with scripts/test")
		return ""
	}
	if gopath := filepath.SplitList(build.Default.GOPATH); len(gopath) > 0 {
		if found, err := exec.LookPath(filepath.Join(gopath[0], "bin", "minio")); err == nil {
			return found
		}
	}
	if path := lookPath("minio"); path != "" {
		return path
	}
	missing(t, "MinIO not found: run the tests with scripts/test, which installs it")
	return ""
}

// Litestream returns the path of the litestream program (SQLite
// replication): CPAUDIT_TEST_LITESTREAM_BIN if set (as scripts/test does),
// else where scripts/test installs it (the bin directory of the first
// GOPATH entry), else litestream on PATH.
func Litestream(t testing.TB) string {
	t.Helper()
	if path := os.Getenv("CPAUDIT_TEST_LITESTREAM_BIN"); path != "" {
		if found, err := exec.LookPath(path); err == nil {
			return found
		}
		missing(t, "CPAUDIT_TEST_LITESTREAM_BIN="+path+" is not an executable: run the tests with scripts/test")
		return ""
	}
	if gopath := filepath.SplitList(build.Default.GOPATH); len(gopath) > 0 {
		if found, err := exec.LookPath(filepath.Join(gopath[0], "bin", "litestream")); err == nil {
			return found
		}
	}
	if path := lookPath("litestream"); path != "" {
		return path
	}
	missing(t, "Litestream not found: run the tests with scripts/test, which installs it")
	return ""
}

// Chromium returns the path of a Chromium or Chrome executable:
// CPAUDIT_TEST_CHROMIUM if set, else the first browser found on PATH.
func Chromium(t testing.TB) string {
	t.Helper()
	if path := os.Getenv("CPAUDIT_TEST_CHROMIUM"); path != "" {
		if found, err := exec.LookPath(path); err == nil {
			return found
		}
		missing(t, "CPAUDIT_TEST_CHROMIUM="+path+" is not an executable: run the tests with scripts/test")
		return ""
	}
	if path := lookPath("chromium", "chromium-browser", "google-chrome"); path != "" {
		return path
	}
	missing(t, "Chromium not found: install chromium or run the tests with scripts/test")
	return ""
}

// Soffice returns the path of LibreOffice's command-line program. The
// tests lay out Chinese text with it, so it also needs a Chinese font:
// without one LibreOffice draws every ideograph with one fallback glyph,
// and the PDF it writes reads back as the same character over and over.
func Soffice(t testing.TB) string {
	t.Helper()
	path := lookPath("soffice", "libreoffice")
	if path == "" {
		missing(t, "LibreOffice not found: install libreoffice-writer-nogui or run the tests with scripts/test")
		return ""
	}
	if out, err := exec.Command("fc-list", ":lang=zh", "family").Output(); err != nil || len(bytes.TrimSpace(out)) == 0 {
		missing(t, "no Chinese font for LibreOffice: install fonts-noto-cjk or run the tests with scripts/test")
		return ""
	}
	return path
}

// Tesseract returns the path of the tesseract command, which must have
// the Simplified Chinese model (chi_sim); the OCR tests render pages with
// pdftoppm, so it must be there too.
func Tesseract(t testing.TB) string {
	t.Helper()
	path := lookPath("tesseract")
	if path == "" {
		missing(t, "tesseract not found: install tesseract-ocr and tesseract-ocr-chi-sim or run the tests with scripts/test")
		return ""
	}
	if out, err := exec.Command(path, "--list-langs").Output(); err != nil || !bytes.Contains(out, []byte("\nchi_sim")) {
		missing(t, "tesseract has no chi_sim model: install tesseract-ocr-chi-sim or run the tests with scripts/test")
		return ""
	}
	if lookPath("pdftoppm") == "" {
		missing(t, "pdftoppm not found: install poppler-utils or run the tests with scripts/test")
		return ""
	}
	return path
}

// lookPath returns the path of the first of names found on PATH, or "".
func lookPath(names ...string) string {
	for _, name := range names {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	return ""
}

// missing fails the test in CI, where every program must be present, and
// skips it elsewhere, so that go test ./... works on a bare machine.
func missing(t testing.TB, msg string) {
	t.Helper()
	if InCI() {
		t.Fatal(msg)
	} else {
		t.Skip(msg)
	}
}
