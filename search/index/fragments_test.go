package index

import (
	"slices"
	"strings"
	"testing"
)

func TestFragments(t *testing.T) {
	for _, c := range []struct {
		name, text, q string
		n             int
		want          []string
	}{
		{"chinese", "本企业实施清洁生产审核，节水量达到每年一万吨。", "节水量", 3,
			[]string{"本企业实施清洁生产审核，<mark>节水量</mark>达到每年一万吨。"}},
		{"escaped", `<script>alert("x")</script> 的 COD & 氨氮`, "cod", 3,
			[]string{`&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; 的 <mark>COD</mark> &amp; 氨氮`}},
		{"a match that is markup", `a<b>c`, `"<b>"`, 1, []string{`a<mark>&lt;b&gt;</mark>c`}},
		{"case kept in the text", "Cod、cOD和COD", "cod", 1,
			[]string{"<mark>Cod</mark>、<mark>cOD</mark>和<mark>COD</mark>"}},
		{"two terms, overlapping", "清洁生产审核", "清洁生产 生产审核", 1, []string{"<mark>清洁生产审核</mark>"}},
		{"excluded terms are not marked", "废水和废气", "废水 -废气", 1, []string{"<mark>废水</mark>和废气"}},
		{"no match", "废水", "废气 -x", 2, nil},
		{"repeats", "生产生产生产", "生产生产", 1, []string{"<mark>生产生产生产</mark>"}},
	} {
		terms, err := ParseQuery(c.q)
		if err != nil {
			t.Fatal(err)
		}
		if got := Fragments(c.text, terms, c.n); !slices.Equal(got, c.want) {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

func TestFragmentsCutAndCount(t *testing.T) {
	pad := strings.Repeat("甲", 100)
	text := pad + "节水" + pad + "节水" + pad + "节水" + pad
	terms := []Term{{Text: "节水"}}
	got := Fragments(text, terms, 2)
	if len(got) != 2 {
		t.Fatalf("%d fragments, want 2: %q", len(got), got)
	}
	ctx := strings.Repeat("甲", fragmentContext)
	want := "…" + ctx + "<mark>节水</mark>" + ctx + "…"
	for _, f := range got {
		if f != want {
			t.Errorf("fragment %q, want %q", f, want)
		}
	}
	// A term occurring everywhere gives bounded passages, not the text.
	many := strings.Repeat("水甲", 1000)
	for _, f := range Fragments(many, terms[:0:0], 3) {
		t.Errorf("no terms, yet fragment %q", f)
	}
	frs := Fragments(many, []Term{{Text: "水"}}, 3)
	if len(frs) != 3 {
		t.Fatalf("%d fragments, want 3", len(frs))
	}
	for _, f := range frs {
		plain := strings.NewReplacer("<mark>", "", "</mark>", "", "…", "").Replace(f)
		if n := len([]rune(plain)); n > maxPassage+2*fragmentContext {
			t.Errorf("fragment of %d runes", n)
		}
	}
	// Marks sit at the right rune offsets whatever precedes them.
	mixed := "ＡＢＣ abc 中文 ÄÖü 中文"
	frs = Fragments(mixed, []Term{{Text: "äöü"}}, 1)
	if len(frs) != 1 || frs[0] != "ＡＢＣ abc 中文 <mark>ÄÖü</mark> 中文" {
		t.Errorf("got %q", frs)
	}
}
