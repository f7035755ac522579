package extract

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"   \n\t ", ""},
		{"ＡＢＣ１２３", "ABC123"},
		{"清洁\n生产", "清洁生产"},
		{"清洁 生产", "清洁生产"},
		{"清洁\r\n \t生产", "清洁生产"},
		{"清洁\u3000生产", "清洁生产"},
		{"A\n\nB", "A B"},
		{"中 A", "中 A"},
		{"A 中", "A 中"},
		{"中\nA\n中", "中 A 中"},
		{"节水量　１２０００吨", "节水量 12000吨"},
		{"节水量 12000\n吨/年", "节水量 12000 吨/年"},
		{"  leading and trailing  ", "leading and trailing"},
		{"\u3000清洁生产\u3000", "清洁生产"},
		{"a\u00a0b", "a b"},                    // NBSP
		{"a\u2028b\u2029c", "a b c"},           // line and paragraph separators
		{"a\u200bb", "a b"},                    // zero-width space is layout
		{"\ufeff清洁", "清洁"},                     // a stray byte order mark
		{"a\x00\x07b", "a b"},                  // control characters
		{"清洁，\n生产", "清洁, 生产"},                  // full-width comma folds; it is not Han, so the break stays a space
		{"清洁。\n生产", "清洁。 生产"},                  // CJK punctuation is not Han
		{"（一）\n概述", "(一) 概述"},                  // full-width parentheses fold
		{"Ｈｅｌｌｏ　Ｗｏｒｌｄ", "Hello World"},         // letter case is kept
		{"ｈｔｔｐ：／／ｘ", "http://x"},               // U+FF01..U+FF5E only
		{"\uff5f\uffe5", "\uff5f\uffe5"},       // outside the range: kept
		{"〇\n一", "〇一"},                         // U+3007 is Han
		{"𠀀\n𠀁", "𠀀𠀁"},                         // Han outside the BMP
		{"한국\n어", "한국 어"},                      // Hangul is not Han
		{"\xff\xfe", "\ufffd\ufffd"},           // invalid UTF-8 becomes U+FFFD
		{"a\xffb", "a\ufffdb"},                 //
		{"中\xff\n文", "中\ufffd 文"},              // U+FFFD is not Han
		{"1\t2\t\t3", "1 2 3"},                 //
		{"ｘ\u3000\u3000\nｙ", "x y"},            //
		{"清洁\n\n\n\n生产审核\n\n\n报告", "清洁生产审核报告"}, //
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := Normalize(Normalize(tt.in)); got != Normalize(tt.in) {
			t.Errorf("Normalize is not idempotent on %q: %q", tt.in, got)
		}
	}
}

// checkNormal reports what is wrong with out as the output of Normalize.
func checkNormal(t *testing.T, in, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("Normalize(%q) = %q: invalid UTF-8", in, out)
	}
	if strings.HasPrefix(out, " ") || strings.HasSuffix(out, " ") || strings.Contains(out, "  ") {
		t.Fatalf("Normalize(%q) = %q: untrimmed or doubled space", in, out)
	}
	var prev, prev2 rune
	for _, r := range out {
		if r != ' ' && isSpace(r) {
			t.Fatalf("Normalize(%q) = %q: whitespace %U left", in, out, r)
		}
		if r >= 0xff01 && r <= 0xff5e {
			t.Fatalf("Normalize(%q) = %q: full-width %c left", in, out, r)
		}
		if isHan(r) && prev == ' ' && isHan(prev2) {
			t.Fatalf("Normalize(%q) = %q: a space between two Han characters", in, out)
		}
		prev2, prev = prev, r
	}
	if again := Normalize(out); again != out {
		t.Fatalf("Normalize(%q) = %q, but Normalize of that is %q", in, out, again)
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"清洁\n生产", "ＡＢＣ１２３", "中 A", "节水量　１２０００吨", "\xff\xfe中", "a\u00a0\u3000b", "\ufeff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Normalize(s)
		checkNormal(t, s, out)
		if !utf8.ValidString(s) {
			return
		}
		// Nothing but whitespace is removed: the non-space runes of the
		// input, folded, are those of the output.
		var want, got []rune
		for _, r := range s {
			if r >= 0xff01 && r <= 0xff5e {
				r -= 0xfee0
			}
			if !isSpace(r) {
				want = append(want, r)
			}
		}
		for _, r := range out {
			if r != ' ' {
				got = append(got, r)
			}
		}
		if string(want) != string(got) {
			t.Fatalf("Normalize(%q) = %q changed content", s, out)
		}
	})
}

func BenchmarkNormalize(b *testing.B) {
	var sb strings.Builder
	for sb.Len() < 8<<20 {
		sb.WriteString("本企业实施清洁生产方案后，节水量达到　１２０００吨/年，\n综合能耗下降 15.3%。\r\nThe audit   covers 35 steps.\t")
	}
	s := sb.String()
	b.SetBytes(int64(len(s)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Normalize(s)
	}
}

// TestNormalizeKeepsNormalText checks that text already in normal form is
// returned as it is, not copied: a long extracted text is then held once
// (issue 24: a 50 MB text was held several times while it was indexed).
func TestNormalizeKeepsNormalText(t *testing.T) {
	normal := strings.Repeat("清洁生产审核报告 Cleaner production, 节水量 12000吨/年。", 2000)
	if Normalize(normal) != normal {
		t.Fatal("normal text changed")
	}
	if allocs := testing.AllocsPerRun(5, func() { _ = Normalize(normal) }); allocs != 0 {
		t.Errorf("Normalize of normal text allocated %v times, want 0", allocs)
	}
	// A trailing break is cut off without a copy too.
	if got := Normalize(normal + "\n\n"); got != normal {
		t.Errorf("trailing whitespace not trimmed")
	}
	// A departure deep inside the text copies what came before it.
	odd := normal + "清洁\n生产" + normal
	if got, want := Normalize(odd), normal+"清洁生产"+normal; got != want {
		t.Errorf("a break between Han characters deep in the text: got %d bytes, want %d", len(got), len(want))
	}
}
