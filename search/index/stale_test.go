package index

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
)

// TestSearchStaleDocuments checks that documents storage reports stale
// are counted by storage's word, not by their entries: r2 is indexed in
// Tangshan (130203) but its enterprise has moved to Shijiazhuang
// (130102), o1 is deleted, and neither reindexed yet.
func TestSearchStaleDocuments(t *testing.T) {
	ix, _ := openTest(t)
	day := func(d int) time.Time { return time.Date(2026, 3, d, 9, 0, 0, 0, time.UTC) }
	docs := []Doc{
		{ID: "r1", Kind: "report", AuditID: "au1", EnterpriseID: "e1", ConsultancyID: "c1", OrgID: "c1", Step: 5, UploadedAt: day(1), Industry: "C1713", Region: "130102", Text: "节水方案甲"},
		{ID: "r2", Kind: "report", AuditID: "au2", EnterpriseID: "e2", ConsultancyID: "c2", OrgID: "c2", Step: 5, UploadedAt: day(2), Industry: "C2221", Region: "130203", Text: "节水方案乙"},
		{ID: "g1", Kind: "guideline", OrgID: "p1", UploadedAt: day(4), Text: "节水方案指南"},
		{ID: "o1", Kind: "other", OrgID: "c1", UploadedAt: day(5), Text: "节水方案其他"},
	}
	if err := ix.Put(docs...); err != nil {
		t.Fatal(err)
	}
	moved := cpaudit.SearchSource{DocumentID: "r2", Kind: cpaudit.DocReport, AuditID: "au2", EnterpriseID: "e2", ConsultancyID: "c3",
		OrgID: "c2", Step: 5, UploadedAt: day(2), Industry: "C2221", Region: "130102"}
	deleted := cpaudit.SearchSource{DocumentID: "o1", Absent: true}
	unindexed := cpaudit.SearchSource{DocumentID: "n1", Kind: cpaudit.DocReport, Region: "130102"}
	unreadable := func(src cpaudit.SearchSource) cpaudit.SearchSource { src.Absent = true; return src }
	ctx := context.Background()
	run := func(q Query) []string {
		t.Helper()
		if q.Q == "" {
			q.Q = "节水方案"
		}
		var got []string
		for _, byDate := range []bool{false, true} {
			q.SortByDate, q.Limit = byDate, 100
			res, err := ix.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, h := range res.Hits {
				ids = append(ids, h.ID)
			}
			if res.Total != len(ids) {
				t.Errorf("%+v: Total %d, hits %v", q, res.Total, ids)
			}
			slices.Sort(ids)
			if byDate && !slices.Equal(ids, got) {
				t.Errorf("%+v: by date %v, by relevance %v", q, ids, got)
			}
			got = ids
		}
		return got
	}
	sjz := Query{AllowKinds: []string{"guideline"}, AllowRegion: "130100"}
	ts := Query{AllowKinds: []string{"guideline"}, AllowRegion: "130200"}
	for _, c := range []struct {
		name  string
		q     Query
		stale []cpaudit.SearchSource
		want  []string
	}{
		{"Tangshan, before the move", ts, nil, []string{"g1", "r2"}},
		{"Tangshan, moved away", ts, []cpaudit.SearchSource{unreadable(moved)}, []string{"g1"}},
		{"Shijiazhuang, before the move", sjz, nil, []string{"g1", "r1"}},
		{"Shijiazhuang, moved in", sjz, []cpaudit.SearchSource{moved}, []string{"g1", "r1", "r2"}},
		{"Shijiazhuang, moved in, filtered on Tangshan", Query{AllowKinds: []string{"guideline"}, AllowRegion: "130100", Region: "130200"},
			[]cpaudit.SearchSource{moved}, nil},
		{"Shijiazhuang, moved in, filtered on its new county", Query{AllowKinds: []string{"guideline"}, AllowRegion: "130100", Region: "130102"},
			[]cpaudit.SearchSource{moved}, []string{"r1", "r2"}},
		{"admin filtering on the old consultancy", Query{AllowAll: true, ConsultancyID: "c2"}, []cpaudit.SearchSource{moved}, nil},
		{"admin filtering on the new consultancy", Query{AllowAll: true, ConsultancyID: "c3"}, []cpaudit.SearchSource{moved}, []string{"r2"}},
		{"admin, a deleted document", Query{AllowAll: true}, []cpaudit.SearchSource{deleted}, []string{"g1", "r1", "r2"}},
		{"admin, deleted and moved", Query{AllowAll: true, Kind: "report"}, []cpaudit.SearchSource{deleted, moved}, []string{"r1", "r2"}},
		{"a stale document without the terms", Query{Q: "方案甲", AllowAll: true}, []cpaudit.SearchSource{moved}, []string{"r1"}},
		{"a stale document not in the index", sjz, []cpaudit.SearchSource{unindexed}, []string{"g1", "r1"}},
		{"nothing else admitted", Query{}, []cpaudit.SearchSource{moved}, []string{"r2"}},
		{"nothing admitted at all", Query{}, []cpaudit.SearchSource{unreadable(moved)}, nil},
	} {
		c.q.Stale = c.stale
		if got := run(c.q); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	// Pages skip what is set aside.
	q := Query{Q: "节水方案", AllowAll: true, Stale: []cpaudit.SearchSource{deleted}, Limit: 1, SortByDate: true}
	var order []string
	for q.Offset = 0; q.Offset < 4; q.Offset++ {
		res, err := ix.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 3 {
			t.Errorf("offset %d: total %d", q.Offset, res.Total)
		}
		for _, h := range res.Hits {
			order = append(order, h.ID)
		}
	}
	if want := []string{"g1", "r2", "r1"}; !slices.Equal(order, want) {
		t.Errorf("pages by date: %v, want %v", order, want)
	}
}

// TestAdmitsMirrorsFilter checks admits against the index's own filters:
// for every filter value, a document passes admits exactly when the
// index finds it under that filter.
func TestAdmitsMirrorsFilter(t *testing.T) {
	ix, _ := openTest(t)
	day := func(d int) time.Time { return time.Date(2026, 3, d, 9, 0, 0, 0, time.UTC) }
	docs := []Doc{
		{ID: "a", Kind: "report", AuditID: "au1", EnterpriseID: "e1", ConsultancyID: "c1", Step: 5, Phase: "P2", UploadedAt: day(1), Industry: "C1713", Region: "130102", Text: "文本"},
		{ID: "b", Kind: "evidence", AuditID: "au2", EnterpriseID: "e2", Step: 12, Phase: "P4", UploadedAt: day(3), Industry: "C2221", Region: "130200", Text: "文本"},
		{ID: "c", Kind: "guideline", Text: "文本"},
	}
	if err := ix.Put(docs...); err != nil {
		t.Fatal(err)
	}
	var queries []Query
	for _, v := range []string{"report", "evidence", "guideline"} {
		queries = append(queries, Query{Kind: v})
	}
	for _, v := range []string{"au1", "au2"} {
		queries = append(queries, Query{AuditID: v}, Query{EnterpriseID: "e" + v[2:]}, Query{ConsultancyID: "c" + v[2:]})
	}
	for _, v := range []string{"130000", "130100", "130102", "130200", "130203", "110000"} {
		queries = append(queries, Query{Region: v})
	}
	queries = append(queries, Query{Industry: "C1713"}, Query{Industry: "C22"}, Query{Step: 5}, Query{Step: 12}, Query{Phase: "P4"},
		Query{From: day(1)}, Query{From: day(2)}, Query{To: day(1)}, Query{To: day(3)}, Query{From: day(1), To: day(3)}, Query{})
	for _, q := range queries {
		q.Q, q.AllowAll = "文本", true
		res, err := ix.Search(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			found := slices.ContainsFunc(res.Hits, func(h Hit) bool { return h.ID == d.ID })
			if q.admits(d) != found {
				t.Errorf("%+v: admits(%s) = %v, index finds it: %v", q, d.ID, !found, found)
			}
		}
	}
}
