package storage

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit"
)

// copied is the k-th print of a passage that reports copy from each other.
func copied(from, to int) []cpaudit.Fingerprint {
	var p []cpaudit.Fingerprint
	for k := from; k < to; k++ {
		p = append(p, cpaudit.Fingerprint{Hash: uint64(50_000_000+k) * 0x9E3779B97F4A7C15, Pos: 2000 + 10*k})
	}
	return p
}

// TestSimilarDocuments: a report and its near-copies by other enterprises
// (and another document of its own enterprise) are ranked by the share of
// fingerprints they have in common; equal scores put the same industry
// first; boilerplate, unrelated, barely related and deleted documents are
// absent, and so is everything the caller may not read; a document the
// caller may not read is not found.
func TestSimilarDocuments(t *testing.T) {
	ctx := context.Background()
	f := newPrintsFixture(t, 9)
	db := f.db(t)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	// Report 9: another document of enterprise 0, in the same audit.
	var audit0 string
	if err := db.QueryRowContext(ctx, `SELECT audit_id FROM documents WHERE id = ?`, f.docs[0]).Scan(&audit0); err != nil {
		t.Fatal(err)
	}
	d9, err := f.upload(t, f.sys, cpaudit.NewDocument{Kind: cpaudit.DocEvidence, AuditID: audit0, Step: 3, Filename: "e.txt", ContentType: "text/plain"}, "证据")
	if err != nil {
		t.Fatal(err)
	}
	f.docs, f.ents = append(f.docs, d9.ID), append(f.ents, f.ents[0])
	// The consultancy runs the audits of enterprises 0, 1 and 5; the other
	// consultancy that of enterprise 2, which is of another industry, as is
	// enterprise 6.
	for i, cons := range map[int]string{0: f.cons.ID, 1: f.cons.ID, 5: f.cons.ID, 2: f.cons2.ID} {
		exec(`UPDATE audits SET consultancy_id = ? WHERE enterprise_id = ?`, cons, f.ents[i])
	}
	exec(`UPDATE organisations SET industry = 'C1713' WHERE id = ?`, f.ents[6])

	common := []cpaudit.Fingerprint{{Hash: 77, Pos: 995}, {Hash: 78, Pos: 996}, {Hash: 79, Pos: 997}} // boilerplate from report 4 on
	unique := []cpaudit.Fingerprint{{Hash: 90, Pos: 1}, {Hash: 91, Pos: 2}, {Hash: 92, Pos: 3}}
	cat := func(ps ...[]cpaudit.Fingerprint) []cpaudit.Fingerprint {
		var out []cpaudit.Fingerprint
		for _, p := range ps {
			out = append(out, p...)
		}
		return out
	}
	// Reports 0-4 with the detector's threshold, so the common prints
	// become boilerplate; the rest with a high one, so the copied passage
	// (in more than 5 enterprises' reports by then) stays evidence.
	f.analyse(t, 0, cat(own(0, 0), copied(0, 200), common)) // 303 prints
	f.analyse(t, 1, cat(own(1, 0), copied(0, 200), common)) // 303, 200 shared
	f.analyse(t, 2, cat(own(2, 0), copied(0, 100), common)) // 203, 100 shared
	f.analyse(t, 3, cat(own(3, 0), common))                 // only boilerplate shared
	f.analyse(t, 4, cat(own(4, 0), common))                 // likewise
	analyse := func(i int, prints []cpaudit.Fingerprint) {
		t.Helper()
		j := cpaudit.AnalysisJob{ID: int64(2000 + i), TenantID: f.sys.TenantID,
			Source: cpaudit.AnalysisSource{DocumentID: f.docs[i], EnterpriseID: f.ents[i], Kind: cpaudit.DocReport, Version: 1}}
		if _, err := f.s.MatchFingerprints(ctx, j, prints, 1000, 1000); err != nil {
			t.Fatal(err)
		}
	}
	analyse(5, cat(own(5, 0), copied(100, 200)))       // 200, 100 shared
	analyse(6, cat(own(6, 0), copied(0, 100), unique)) // 203, 100 shared: ties with report 2
	analyse(7, cat(own(7, 0), copied(0, 200)))         // deleted below
	analyse(8, cat(own(8, 0), copied(0, 2)))           // 2 shared: too few
	analyse(9, cat(own(9, 0), copied(0, 150)))         // 250, 150 shared; enterprise 0's own
	if err := f.s.DeleteDocument(ctx, f.admin, f.docs[7]); err != nil {
		t.Fatal(err)
	}

	list := func(a cpaudit.Actor, i, limit int) string {
		t.Helper()
		got, err := f.s.SimilarDocuments(ctx, a, f.docs[i], limit)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, sd := range got {
			n := -1
			for k, id := range f.docs {
				if id == sd.DocumentID {
					n = k
				}
			}
			fmt.Fprintf(&b, "%d:%.4f ", n, sd.Similarity)
		}
		return strings.TrimSpace(b.String())
	}
	// 200/(303+303-200), 150/(303+250-150), 100/(303+200-100), then
	// 100/(303+203-100) twice, the same industry first.
	all := "1:0.4926 9:0.3722 5:0.2481 2:0.2463 6:0.2463"
	for _, tc := range []struct {
		name  string
		a     cpaudit.Actor
		doc   int
		limit int
		want  string
	}{
		{"admin", f.admin, 0, 10, all},
		{"expert", f.expert, 0, 50, all},
		{"regulator of the whole tenant", f.regulator, 0, 10, all},
		{"limit", f.admin, 0, 2, "1:0.4926 9:0.3722"},
		{"consultant: its audits only", f.consultant, 0, 10, "1:0.4926 9:0.3722 5:0.2481"},
		{"other consultant: none of its", f.other, 2, 10, ""},
		{"symmetric", f.admin, 1, 1, "0:0.4926"},
		{"boilerplate only", f.admin, 3, 10, ""},
		{"too few shared", f.admin, 8, 10, ""},
	} {
		if got := list(tc.a, tc.doc, tc.limit); got != tc.want {
			t.Errorf("%s: similar to report %d: %q, want %q", tc.name, tc.doc, got, tc.want)
		}
	}
	// Documents the caller may not read, or deleted, are not found.
	for _, tc := range []struct {
		a   cpaudit.Actor
		doc string
	}{{f.other, f.docs[0]}, {f.consultant, f.docs[2]}, {f.enterprise, f.docs[0]}, {f.admin, f.docs[7]}, {f.admin, "d_nosuch"}} {
		_, err := f.s.SimilarDocuments(ctx, tc.a, tc.doc, 10)
		mustKind(t, err, cpaudit.KindNotFound)
	}
	// A document not analysed has no similar documents.
	fresh, err := f.upload(t, f.sys, cpaudit.NewDocument{Kind: cpaudit.DocReport, AuditID: audit0, Filename: "n.txt", ContentType: "text/plain"}, "新报告")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := f.s.SimilarDocuments(ctx, f.admin, fresh.ID, 10); err != nil || got == nil || len(got) != 0 {
		t.Errorf("not analysed: %v, %v; want an empty list", got, err)
	}
	// Report 1 analysed again without the copied passage is no longer
	// similar, although rows of its old text's shared hashes remain.
	analyse(1, own(1, 1))
	if got := list(f.admin, 0, 10); got != "9:0.3722 5:0.2481 2:0.2463 6:0.2463" {
		t.Errorf("after report 1 changed: %q", got)
	}
}

// TestSimilarQueryIsIndexed: the similar-documents query seeks the shared
// hashes by document and by hash and never scans a table (its cost must
// not grow with the tenant; scripts/bench-similar measures it).
func TestSimilarQueryIsIndexed(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, newTestStore(t, nil), "hebei")
	args := append([]any{int64(1), similarMinShared, int64(11000), "C2610"}, docVisibleArgs(f.consultant)...)
	rows, err := f.db(t).QueryContext(ctx, `EXPLAIN QUERY PLAN `+similarQuery, append(args, 10)...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan strings.Builder
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan.WriteString(detail + "\n")
	}
	p := plan.String()
	t.Logf("plan:\n%s", p)
	for _, bad := range []string{"SCAN m", "SCAN o", "SCAN shared_hashes", "SCAN an", "SCAN analysed_docs", "SCAN b", "SCAN boilerplate"} {
		if strings.Contains(p, bad+"\n") || strings.Contains(p, bad+" ") {
			t.Errorf("plan has %q:\n%s", bad, p)
		}
	}
	if !strings.Contains(p, "shared_hashes_hash") {
		t.Errorf("the other documents are not found through the hash index:\n%s", p)
	}
}
