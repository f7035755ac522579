package sheet

import (
	"bytes"
	"slices"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestBook: two sheets streamed row by row read back with their headers,
// text and numbers.
func TestBook(t *testing.T) {
	b, err := NewBook()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Row("无表"); err == nil {
		t.Error("a row before any sheet was taken")
	}
	if err := b.Sheet("按地区", []string{"代码", "名称", "投资（元）"}, []float64{10, 20}); err != nil {
		t.Fatal(err)
	}
	for _, r := range [][]any{{"130100", "石家庄市", 550000.5}, {"130200", "唐山市", nil}} {
		if err := b.Row(r...); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Sheet("按年度", []string{"年度", "方案数"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := b.Row(2026, 3); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := b.Write(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.GetSheetList(); !slices.Equal(got, []string{"按地区", "按年度"}) {
		t.Fatalf("sheets %q", got)
	}
	rows, _ := f.GetRows("按地区")
	if len(rows) != 3 || rows[1][1] != "石家庄市" || rows[1][2] != "550000.5" || len(rows[2]) != 2 || rows[0][2] != "投资（元）" {
		t.Errorf("按地区: %q", rows)
	}
	rows, _ = f.GetRows("按年度")
	if len(rows) != 2 || rows[1][0] != "2026" || rows[1][1] != "3" {
		t.Errorf("按年度: %q", rows)
	}
}
