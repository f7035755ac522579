package index

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSearchInHalves checks that a query run as two halves at once (as
// large indexes do) answers exactly what it answers whole: the same
// total, the same pages in the same order, including ties settled by id,
// over several segments with replaced and deleted documents.
func TestSearchInHalves(t *testing.T) {
	texts := testCorpus(400)
	ix, _ := openTest(t)
	putCorpus(t, ix, texts)
	// Replace some documents and delete others: their old versions stay in
	// older segments, their ids in the id dictionary.
	for i := 0; i < len(texts); i += 7 {
		texts[i] = texts[(i+3)%len(texts)]
		if err := ix.Put(Doc{ID: fmt.Sprintf("d%d", i), Kind: "report", Text: texts[i]}); err != nil {
			t.Fatal(err)
		}
	}
	var deleted []string
	for i := 5; i < len(texts); i += 11 {
		deleted = append(deleted, fmt.Sprintf("d%d", i))
		texts[i] = ""
	}
	if err := ix.Delete(deleted...); err != nil {
		t.Fatal(err)
	}
	queries := []Query{
		{Q: "生", Limit: 9},
		{Q: "生", Limit: 20, Offset: 100},
		{Q: "a", Limit: 5, Offset: 3},
		{Q: "生产", Limit: 7},
		{Q: "审核 生产", Limit: 11},
		{Q: "生产 -审核小组", Limit: 5, Kind: "report"},
		{Q: "生 产", Limit: 50},
	}
	r := rand.New(rand.NewPCG(3, 3))
	for range 40 {
		queries = append(queries, Query{Q: randomSubstring(r, texts, 6), Limit: 10})
	}
	for range 60 { // several terms, some excluded
		q := randomSubstring(r, texts, 5) + " " + randomSubstring(r, texts, 3)
		if r.IntN(2) == 0 {
			q += " -" + randomSubstring(r, texts, 4)
		}
		queries = append(queries, Query{Q: q, Limit: 10})
	}
	old := parallelFrom
	defer func() { parallelFrom = old }()
	for _, q := range queries {
		q.AllowAll = true
		parallelFrom = 1 << 62
		whole, err := ix.Search(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		parallelFrom = 4
		halves, err := ix.Search(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		terms, _ := ParseQuery(q.Q)
		if want := bruteCount(texts, terms); q.Kind == "" && whole.Total != want {
			t.Errorf("%q: Total %d, want %d", q.Q, whole.Total, want)
		}
		if halves.Total != whole.Total || !slices.Equal(halves.Hits, whole.Hits) {
			t.Errorf("%+v: in halves %d %v, whole %d %v", q, halves.Total, halves.Hits, whole.Total, whole.Hits)
		}
	}
}

// TestSearchTiesByID checks that hits of equal score (every hit of a term
// of one rune) come in the order of their ids, page after page, both when
// few documents tie (each id compared) and when most do (the ids walked in
// order).
func TestSearchTiesByID(t *testing.T) {
	var texts []string
	for i := range 300 {
		text := "节水"
		if i%12 == 0 {
			text = "节电 生产"
		}
		texts = append(texts, text)
	}
	ix, _ := openTest(t)
	putCorpus(t, ix, texts)
	for _, tc := range []struct {
		q    string
		want int
	}{
		{"节", 300}, // all tie: the ids walked in order
		{"电", 25},  // 12 ties past the first page: each compared
		{"产", 25},
	} {
		var ids []string
		for i, text := range texts {
			if r := []rune(tc.q)[0]; slices.Contains([]rune(text), r) {
				ids = append(ids, fmt.Sprintf("d%d", i))
			}
		}
		slices.Sort(ids)
		if len(ids) != tc.want {
			t.Fatalf("%q: %d documents hold it, want %d", tc.q, len(ids), tc.want)
		}
		var got []string
		for offset := 0; offset < len(ids); offset += 13 {
			res, err := ix.Search(context.Background(), Query{Q: tc.q, AllowAll: true, Limit: 13, Offset: offset})
			if err != nil {
				t.Fatal(err)
			}
			if res.Total != tc.want {
				t.Fatalf("%q: Total %d, want %d", tc.q, res.Total, tc.want)
			}
			for _, h := range res.Hits {
				got = append(got, h.ID)
			}
		}
		if !slices.Equal(got, ids) {
			t.Errorf("%q: pages in order %v, want %v", tc.q, got, ids)
		}
	}
}
