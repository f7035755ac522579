package sheet

import (
	"context"
	"testing"

	"github.com/cpaudit/cpaudit"
)

func TestReadGrids(t *testing.T) {
	many := manyRows(t, 120)
	grids, err := ReadGrids(context.Background(), many, Limits{})
	if err != nil || len(grids) != 1 || len(grids[0].Rows) != 121 || grids[0].Rows[1][0] != "企业" {
		t.Fatalf("ReadGrids = %d grids, %v", len(grids), err)
	}
	// A limit reached returns what was read before it, with the reason.
	grids, err = ReadGrids(context.Background(), many, Limits{MaxRows: 50})
	if cpaudit.ErrorKind(err) != cpaudit.KindTooLarge || len(grids) != 1 || len(grids[0].Rows) != 50 {
		t.Fatalf("with 50 rows allowed: %d grids, err %v", len(grids), err)
	}
	if _, err := ReadGrids(context.Background(), zipBomb(t, 20<<20), Limits{MaxUnzip: 16 << 20}); cpaudit.ErrorKind(err) != cpaudit.KindInvalid {
		t.Fatalf("zip bomb: %v", err)
	}
	if _, err := ReadGrids(context.Background(), plainZip(t), Limits{}); err == nil {
		t.Fatal("a zip that is no workbook was read")
	}
}
