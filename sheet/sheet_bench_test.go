package sheet

import (
	"bytes"
	"context"
	"fmt"
	"testing"
)

// BenchmarkReadWrite50k writes and reads back a 50,000-row sheet of
// Chinese enterprise rows, the import limit.
// Run: go test ./sheet/ -run '^$' -bench . -benchtime 1x
func BenchmarkReadWrite50k(b *testing.B) {
	t := Table{Header: []string{"企业名称", "统一社会信用代码", "行业代码", "行政区划代码", "地址"}}
	for i := range 50_000 {
		t.Rows = append(t.Rows, []any{fmt.Sprintf("河北第%d化工有限公司", i), fmt.Sprintf("91130100MA%08d", i), "C2610", "130104", "石家庄市长安区某路1号"})
	}
	for b.Loop() {
		var buf bytes.Buffer
		if err := Write(&buf, t); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(buf.Len()), "xlsx-bytes")
		out, err := Read(context.Background(), &buf, Limits{})
		if err != nil || len(out.Rows) != 50_000 {
			b.Fatalf("%v %d", err, len(out.Rows))
		}
	}
}
