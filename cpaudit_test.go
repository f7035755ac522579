package cpaudit_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
)

func TestValidateCreditCode(t *testing.T) {
	for _, tc := range []struct {
		code string
		ok   bool
	}{
		{"91350100M000100Y43", true}, // a published example code
		{"91110000600037341L", true},
		{"91350100M000100Y44", false}, // wrong check character
		{"91350100M000100Y4", false},  // 17 characters
		{"91350100I000100Y43", false}, // I is not in the alphabet
		{"９1350100M000100Y43", false}, // full-width digit
		{"", false},
	} {
		err := cpaudit.ValidateCreditCode(tc.code)
		if (err == nil) != tc.ok {
			t.Errorf("ValidateCreditCode(%q) = %v, want ok=%v", tc.code, err, tc.ok)
		}
		if err != nil && cpaudit.ErrorKind(err) != cpaudit.KindUnprocessable {
			t.Errorf("ValidateCreditCode(%q): kind %v", tc.code, cpaudit.ErrorKind(err))
		}
	}
	first := "91130100MA0CXXXX0"
	if err := cpaudit.ValidateCreditCode(first + string(cpaudit.CreditCodeCheck(first))); err != nil {
		t.Errorf("CreditCodeCheck made an invalid code: %v", err)
	}
}

func TestValidators(t *testing.T) {
	for _, s := range []string{"C2710", "C271", "C27", "A", "T9900"} {
		if err := cpaudit.ValidateIndustry(s); err != nil {
			t.Errorf("industry %q: %v", s, err)
		}
	}
	for _, s := range []string{"c2710", "Z2710", "C27100", "C2", ""} {
		if cpaudit.ValidateIndustry(s) == nil {
			t.Errorf("industry %q accepted", s)
		}
	}
	for _, s := range []string{"130100", "110000"} {
		if err := cpaudit.ValidateRegion(s); err != nil {
			t.Errorf("region %q: %v", s, err)
		}
	}
	for _, s := range []string{"13010", "1301000", "030100", "13a100"} {
		if cpaudit.ValidateRegion(s) == nil {
			t.Errorf("region %q accepted", s)
		}
	}
	if err := cpaudit.ValidatePassword("短密码"); cpaudit.ErrorKind(err) != cpaudit.KindInvalid {
		t.Errorf("short password: %v", err)
	}
	if err := cpaudit.ValidatePassword("清洁生产审核密码很长很长"); err != nil {
		t.Errorf("long Chinese password: %v", err)
	}
	for _, s := range []string{"hebei", "shijiazhuang-2", "a"} {
		if err := cpaudit.ValidateSlug(s); err != nil {
			t.Errorf("slug %q: %v", s, err)
		}
	}
	for _, s := range []string{"", "Hebei", "../x", "-a", "河北", "a b"} {
		if cpaudit.ValidateSlug(s) == nil {
			t.Errorf("slug %q accepted", s)
		}
	}
	if e, err := cpaudit.NormalizeEmail(" Li.Wei@Example.CN "); err != nil || e != "li.wei@example.cn" {
		t.Errorf("NormalizeEmail: %q %v", e, err)
	}
	if _, err := cpaudit.NormalizeEmail("Li Wei <li@example.cn>"); err == nil {
		t.Error("NormalizeEmail accepted a display name")
	}
}

func TestSteps(t *testing.T) {
	steps, err := cpaudit.Steps()
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 35 || steps[0].Code != "1" || steps[34].Code != "35" || steps[34].Phase != "P7" || steps[21].Number != 22 {
		t.Fatalf("steps: %d, first %+v, last %+v", len(steps), steps[0], steps[34])
	}
	if steps[0].Zh != "取得领导支持" {
		t.Errorf("step 1 is %q", steps[0].Zh)
	}
}

func TestCleanFilename(t *testing.T) {
	for in, want := range map[string]string{
		"清洁生产审核报告.docx":        "清洁生产审核报告.docx",
		`C:\Users\李\报告.pdf`:    "报告.pdf",
		"../../etc/passwd":     "passwd",
		"a\x00b\nc.txt":        "abc.txt",
		"..":                   "file",
		"":                     "file",
		"<script>x</script>.t": "script>.t",
		// issue 24: a right-to-left override shows this as 报告exe.pdf.
		"报告\u202Efdp.exe":                                "报告fdp.exe",
		"\u202Aa\u202Bb\u202Cc\u202Dd\u202Ee.txt":        "abcde.txt",
		"\u2066a\u2067b\u2068c\u2069d\u200Ee\u200Ff.txt": "abcdef.txt",
		"\u061Ca\u2028b\u2029c\u0085d\x7fe\x1b.txt":      "abcde.txt",
		"👩\u200D🔬.png":                                   "👩\u200D🔬.png", // the joiner is kept
		" \u202E ":                                       "file",
	} {
		if got := cpaudit.CleanFilename(in); got != want {
			t.Errorf("CleanFilename(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestErrors(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", cpaudit.Errorf(cpaudit.KindNotFound, "没有这个文档"))
	if cpaudit.ErrorKind(err) != cpaudit.KindNotFound || cpaudit.ErrorMessage(err) != "没有这个文档" {
		t.Errorf("kind %v message %q", cpaudit.ErrorKind(err), cpaudit.ErrorMessage(err))
	}
	internal := cpaudit.Internal("op", errors.New("disk on fire"))
	if cpaudit.ErrorKind(internal) != cpaudit.KindInternal || cpaudit.ErrorMessage(internal) != "" {
		t.Error("internal errors must not expose a message")
	}
	if cpaudit.Internal("op", nil) != nil {
		t.Error("Internal(nil) must be nil")
	}
}

func TestNewIDAndLogHash(t *testing.T) {
	now := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)
	a, b := cpaudit.NewID("d", now), cpaudit.NewID("d", now.Add(time.Millisecond))
	if a == b || a[0] != 'd' || len(a) != 27 || a >= b {
		t.Errorf("ids %q %q", a, b)
	}
	e := cpaudit.LogEntry{Seq: 1, At: now, Email: "a@b.cn", Action: "document.upload", ObjectID: "d1"}
	h := e.ComputeHash()
	e.ObjectID = "d2"
	if e.ComputeHash() == h {
		t.Error("hash ignores the object id")
	}
	// Length-prefixing: moving a character between fields changes the hash.
	x := cpaudit.LogEntry{Email: "ab", Action: "c"}
	y := cpaudit.LogEntry{Email: "a", Action: "bc"}
	if x.ComputeHash() == y.ComputeHash() {
		t.Error("field boundaries are not hashed")
	}
}

func TestPhaseOfStepMatchesStepsJSON(t *testing.T) {
	steps, err := cpaudit.Steps()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range steps {
		if got := cpaudit.PhaseOfStep(s.Number); got != s.Phase {
			t.Errorf("PhaseOfStep(%d) = %q, steps.json says %q", s.Number, got, s.Phase)
		}
	}
	for _, n := range []int{0, 36, -1} {
		if got := cpaudit.PhaseOfStep(n); got != "" {
			t.Errorf("PhaseOfStep(%d) = %q, want empty", n, got)
		}
	}
}

func TestRegionAncestorsAndPrefix(t *testing.T) {
	for _, c := range []struct {
		code   string
		prefix string
		anc    []string
	}{
		{"130000", "13", []string{"130000"}},
		{"130100", "1301", []string{"130000", "130100"}},
		{"130102", "130102", []string{"130000", "130100", "130102"}},
		{"abc", "", nil},
	} {
		if got := cpaudit.RegionPrefix(c.code); got != c.prefix {
			t.Errorf("RegionPrefix(%q) = %q, want %q", c.code, got, c.prefix)
		}
		if got := cpaudit.RegionAncestors(c.code); !slices.Equal(got, c.anc) {
			t.Errorf("RegionAncestors(%q) = %v, want %v", c.code, got, c.anc)
		}
	}
}

// TestValidatePassword: the length rule is not all (issue 24): white
// space, control characters, one character repeated and the commonly used
// passwords are refused, in any case.
func TestValidatePassword(t *testing.T) {
	for _, pw := range []string{
		"短密码", "123456789",
		"          ", strings.Repeat("\x00", 10), strings.Repeat("\t", 12), strings.Repeat("\u3000", 10), " \n \r\n    \t ",
		"correct horse\x00battery", "correct horse\x1bbattery", "correct horse\u0085battery", "correct horse\x7fbattery",
		"aaaaaaaaaa", strings.Repeat("密", 12),
		"password123", "PASSWORD123", "qwertyuiop", "QwertyUIOP", "1234567890", "1q2w3e4r5t", "woaini1314", "12345678910",
		strings.Repeat("x", 257), "\xff\xfe invalid utf-8",
	} {
		if err := cpaudit.ValidatePassword(pw); cpaudit.ErrorKind(err) != cpaudit.KindInvalid {
			t.Errorf("password %q: %v, want KindInvalid", pw, err)
		}
	}
	for _, pw := range []string{"清洁生产审核密码很长很长", "correct horse battery", "  spaces around  ", "password123!x", "长城 长城 长城 长城"} {
		if err := cpaudit.ValidatePassword(pw); err != nil {
			t.Errorf("password %q: %v", pw, err)
		}
	}
}
