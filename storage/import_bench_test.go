package storage

import (
	"context"
	"fmt"
	"testing"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/storage/blob"
)

// BenchmarkImportEnterprises imports 10,000 new enterprises, each with an
// audit in a batch, in one transaction: a province's list at once.
// Run: go test ./storage/ -run '^$' -bench ImportEnterprises -benchtime 1x
func BenchmarkImportEnterprises(b *testing.B) {
	const n = 10_000
	for b.Loop() {
		b.StopTimer()
		ctx := context.Background()
		s, err := Open(ctx, Config{DataDir: b.TempDir(), Blobs: blob.NewMem(), Passwords: cheap})
		if err != nil {
			b.Fatal(err)
		}
		tn, err := s.CreateTenant(ctx, "hebei", "河北省生态环境厅")
		if err != nil {
			b.Fatal(err)
		}
		admin := cpaudit.SystemActor(tn.ID)
		batch, err := s.CreateBatch(ctx, admin, cpaudit.Batch{Year: 2026, Number: 1, Name: "第一批"})
		if err != nil {
			b.Fatal(err)
		}
		rows := make([]cpaudit.EnterpriseRow, n)
		for i := range rows {
			rows[i] = cpaudit.EnterpriseRow{Row: i + 2, Org: cpaudit.Organisation{Kind: cpaudit.OrgEnterprise,
				Name: fmt.Sprintf("河北第%d化工有限公司", i), CreditCode: code(fmt.Sprintf("91130100MA%07d", i)),
				Industry: "C2610", Region: "130104", Status: cpaudit.StatusOperating}}
		}
		b.StartTimer()
		res, err := s.ImportEnterprises(ctx, admin, cpaudit.EnterpriseImport{Rows: rows, BatchID: batch.ID})
		if err != nil || res.Created != n || res.AuditsCreated != n {
			b.Fatalf("%v %+v", err, res.Created)
		}
		s.Close()
	}
}
