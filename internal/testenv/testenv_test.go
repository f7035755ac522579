package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// recorder is a testing.TB that records Fatal and Skip instead of acting on
// them, so the decision can be checked without failing or skipping the real
// test. Its other methods come from the embedded nil TB and would panic: the
// code under test must not call them.
type recorder struct {
	testing.TB
	fatals, skips []string
}

func (r *recorder) Helper()           {}
func (r *recorder) Fatal(args ...any) { r.fatals = append(r.fatals, fmt.Sprint(args...)) }
func (r *recorder) Skip(args ...any)  { r.skips = append(r.skips, fmt.Sprint(args...)) }

// setCI sets CI to value, or unsets it when value is "", for this test only.
func setCI(t *testing.T, value string) {
	t.Setenv("CI", value) // restores the old value when t ends
	if value == "" {
		os.Unsetenv("CI")
	}
}

// emptyPath leaves PATH with a directory holding nothing, so that no
// program is found.
func emptyPath(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
}

// fakeProgram puts an executable named name in a fresh directory on PATH and
// returns its path.
func fakeProgram(t *testing.T, name string) string {
	dir := t.TempDir()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	return path
}

func TestInCI(t *testing.T) {
	for value, want := range map[string]bool{
		"": false, "false": false, "0": false, "nonsense": false,
		"true": true, "1": true, "TRUE": true,
	} {
		setCI(t, value)
		if got := InCI(); got != want {
			t.Errorf("CI=%q: InCI() = %v, want %v", value, got, want)
		}
	}
}

// TestMissing checks that each finder, when its program is absent, fails the
// test in CI and skips it elsewhere, with a message saying what to do.
func TestMissing(t *testing.T) {
	finders := map[string]func(testing.TB){
		"S3":        func(tb testing.TB) { S3(tb) },
		"Chromium":  func(tb testing.TB) { Chromium(tb) },
		"Soffice":   func(tb testing.TB) { Soffice(tb) },
		"Tesseract": func(tb testing.TB) { Tesseract(tb) },
	}
	for name, find := range finders {
		for _, ci := range []string{"true", ""} {
			t.Run(fmt.Sprintf("%s/CI=%q", name, ci), func(t *testing.T) {
				setCI(t, ci)
				t.Setenv("CPAUDIT_TEST_S3_ENDPOINT", "")
				t.Setenv("CPAUDIT_TEST_S3_ACCESS_KEY", "")
				t.Setenv("CPAUDIT_TEST_S3_SECRET_KEY", "")
				t.Setenv("CPAUDIT_TEST_CHROMIUM", "")
				emptyPath(t)

				r := &recorder{}
				find(r)

				wantFatals, wantSkips := 0, 1
				if ci == "true" {
					wantFatals, wantSkips = 1, 0
				}
				if len(r.fatals) != wantFatals || len(r.skips) != wantSkips {
					t.Fatalf("Fatal called %d times, Skip %d times; want %d and %d",
						len(r.fatals), len(r.skips), wantFatals, wantSkips)
				}
				if name == "S3" {
					const want = "MinIO not configured: run the tests with scripts/test"
					if got := append(r.fatals, r.skips...)[0]; got != want {
						t.Errorf("message = %q, want %q", got, want)
					}
				}
			})
		}
	}
}

// TestPartialS3 checks that S3 settings with one variable missing count as
// missing, not as a configuration with an empty password.
func TestPartialS3(t *testing.T) {
	setCI(t, "true")
	t.Setenv("CPAUDIT_TEST_S3_ENDPOINT", "127.0.0.1:9000")
	t.Setenv("CPAUDIT_TEST_S3_ACCESS_KEY", "user")
	t.Setenv("CPAUDIT_TEST_S3_SECRET_KEY", "")
	r := &recorder{}
	S3(r)
	if len(r.fatals) != 1 {
		t.Errorf("Fatal called %d times, want 1", len(r.fatals))
	}
}

func TestS3Configured(t *testing.T) {
	setCI(t, "true")
	t.Setenv("CPAUDIT_TEST_S3_ENDPOINT", "127.0.0.1:9000")
	t.Setenv("CPAUDIT_TEST_S3_ACCESS_KEY", "user")
	t.Setenv("CPAUDIT_TEST_S3_SECRET_KEY", "password")
	r := &recorder{}
	endpoint, accessKey, secretKey := S3(r)
	if len(r.fatals)+len(r.skips) != 0 {
		t.Fatalf("Fatal %q, Skip %q; want neither", r.fatals, r.skips)
	}
	if endpoint != "127.0.0.1:9000" || accessKey != "user" || secretKey != "password" {
		t.Errorf("S3() = %q, %q, %q", endpoint, accessKey, secretKey)
	}
}

func TestChromiumFromVariable(t *testing.T) {
	setCI(t, "true")
	path := fakeProgram(t, "my-chrome")
	emptyPath(t)
	t.Setenv("CPAUDIT_TEST_CHROMIUM", path)
	r := &recorder{}
	if got := Chromium(r); got != path || len(r.fatals)+len(r.skips) != 0 {
		t.Errorf("Chromium() = %q, Fatal %q, Skip %q; want %q", got, r.fatals, r.skips, path)
	}
}

// TestChromiumBadVariable checks that a CPAUDIT_TEST_CHROMIUM naming nothing
// is reported rather than silently replaced by whatever is on PATH.
func TestChromiumBadVariable(t *testing.T) {
	setCI(t, "true")
	fakeProgram(t, "chromium")
	t.Setenv("CPAUDIT_TEST_CHROMIUM", filepath.Join(t.TempDir(), "absent"))
	r := &recorder{}
	if got := Chromium(r); got != "" || len(r.fatals) != 1 {
		t.Errorf("Chromium() = %q, Fatal %q; want \"\" and one Fatal", got, r.fatals)
	}
}

func TestFoundOnPath(t *testing.T) {
	setCI(t, "true")
	t.Setenv("CPAUDIT_TEST_CHROMIUM", "")
	for _, tc := range []struct {
		program string
		find    func(testing.TB) string
	}{
		{"chromium", Chromium},
		{"chromium-browser", Chromium},
		{"google-chrome", Chromium},
		{"soffice", Soffice},
		{"libreoffice", Soffice},
	} {
		path := fakeProgram(t, tc.program)
		fakeFontList(t, filepath.Dir(path), "Noto Sans CJK SC")
		r := &recorder{}
		if got := tc.find(r); got != path || len(r.fatals)+len(r.skips) != 0 {
			t.Errorf("with only %s on PATH: got %q, Fatal %q, Skip %q; want %q",
				tc.program, got, r.fatals, r.skips, path)
		}
	}
}

// fakeFontList puts an fc-list in dir that lists families as the fonts
// for Chinese.
func fakeFontList(t *testing.T, dir, families string) {
	t.Helper()
	script := "#!/bin/sh\necho '" + families + "'\n"
	if err := os.WriteFile(filepath.Join(dir, "fc-list"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
}

// LibreOffice without a Chinese font lays the tests' documents out in one
// fallback glyph: that is reported like a missing program, not left to
// fail the tests on garbled text.
func TestSofficeNeedsChineseFont(t *testing.T) {
	for _, ci := range []string{"true", ""} {
		setCI(t, ci)
		path := fakeProgram(t, "soffice")
		fakeFontList(t, filepath.Dir(path), "")
		r := &recorder{}
		got := Soffice(r)
		if ci == "true" && (got != "" || len(r.fatals) != 1) || ci == "" && (got != "" || len(r.skips) != 1) {
			t.Errorf("CI=%q, no Chinese font: got %q, Fatal %q, Skip %q", ci, got, r.fatals, r.skips)
		}
	}
}

// TestTesseractWithoutChinese: a tesseract without the chi_sim model
// counts as missing.
func TestTesseractWithoutChinese(t *testing.T) {
	setCI(t, "true")
	dir := t.TempDir()
	script := "#!/bin/sh\necho 'List of available languages (2):'\necho eng\necho osd\n"
	if err := os.WriteFile(filepath.Join(dir, "tesseract"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	r := &recorder{}
	if got := Tesseract(r); got != "" || len(r.fatals) != 1 {
		t.Errorf("Tesseract() = %q, Fatal %q", got, r.fatals)
	}
}
