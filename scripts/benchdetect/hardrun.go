package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/search/extract"
)

// runHard generates the hard corpus (hard.go), loads it into a tenant,
// analyses it and prints precision and recall at passage level, per
// category, and where every error comes from. It returns an error only
// when the run fails, not when a target is missed.
func runHard(ctx context.Context, c config, out io.Writer) error {
	hc, err := newHardCorpus(c.seed, c.hardN, c.hardChars, c.hardPerCat)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n[hard] %d reports of about %d characters, %d consultancies; real Chinese text from scripts/benchdetect/testdata (%s): %d clauses, %d short ones for prose, %d dealt once%s\n",
		c.hardN, c.hardChars, hc.firms, hc.sources, len(hc.shortClauses)+len(hc.reserved), len(hc.shortClauses), len(hc.reserved), reusedNote(hc))
	t, err := openTenant(ctx, filepath.Join(c.dir, "hard"))
	if err != nil {
		return err
	}
	defer t.s.Close()
	firms := make([]string, hc.firms)
	for f := range firms {
		first17 := fmt.Sprintf("91130100MB%07d", f)
		o, err := t.s.CreateOrganisation(ctx, t.sys, cpaudit.Organisation{Kind: cpaudit.OrgConsultancy,
			Name: fmt.Sprintf("河北第%s环保咨询有限公司", numberWord(f+1)), CreditCode: first17 + string(cpaudit.CreditCodeCheck(first17))})
		if err != nil {
			return err
		}
		firms[f] = o.ID
	}
	// Guidelines: two documents holding the guideline passages.
	half := len(hc.guideline) / 2
	for i, part := range [][]string{hc.guideline[:half], hc.guideline[half:]} {
		body := "清洁生产审核办法与审核报告编写指南。" + strings.Join(part, "")
		if _, err := t.upload(ctx, -1, cpaudit.DocGuideline, fmt.Sprintf("guideline-%d.txt", i), "text/plain; charset=utf-8", []byte(body)); err != nil {
			return err
		}
	}
	reports := make([]string, hc.n)
	for e := range hc.n {
		reports[e] = hc.report(e)
	}
	for e := range hc.n {
		if extract.Normalize(reports[e]) != reports[e] {
			return fmt.Errorf("hard report %d changes when normalised: offsets would not hold", e)
		}
		first17 := fmt.Sprintf("91130100MA%07d", e)
		o, err := t.s.CreateOrganisation(ctx, t.sys, cpaudit.Organisation{Kind: cpaudit.OrgEnterprise, Name: hc.names[e],
			CreditCode: first17 + string(cpaudit.CreditCodeCheck(first17)), Industry: "C2610", Region: "130100"})
		if err != nil {
			return err
		}
		firm := ""
		if f := hc.firm[e]; f >= 0 {
			firm = firms[f]
		}
		au, err := t.s.CreateAudit(ctx, t.sys, o.ID, firm)
		if err != nil {
			return err
		}
		t.audits[e] = au.ID
		id, err := t.upload(ctx, e, cpaudit.DocReport, fmt.Sprintf("report-%d.txt", e), "text/plain; charset=utf-8", []byte(reports[e]))
		if err != nil {
			return err
		}
		t.reports[e] = id
	}
	if err := t.extractAll(ctx); err != nil {
		return err
	}
	took, err := t.analyseAll(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "[hard] %d documents analysed in %s\n", len(t.docEnt), took.Round(time.Millisecond))
	dup, err := t.hardScore(ctx, hc, cpaudit.FlagDuplicateText)
	if err != nil {
		return err
	}
	tmpl, err := t.hardScore(ctx, hc, cpaudit.FlagTemplateText)
	if err != nil {
		return err
	}
	printHard(out, hc, dup, tmpl)
	return nil
}

func reusedNote(hc *hardCorpus) string {
	if hc.reused == 0 {
		used := 0
		for _, u := range hc.used {
			if u {
				used++
			}
		}
		return fmt.Sprintf(" (%d of them dealt)", used)
	}
	return fmt.Sprintf(" (the pool ran out %d times: clauses were dealt again, so some planted passages share text: use a smaller -hard-n)", hc.reused)
}

// hardResult is one flag kind's score on the hard corpus.
type hardResult struct {
	kind            cpaudit.FlagKind
	tp, fp          int
	fpFrom          map[string]int // where false passages come from
	planted, found  map[string]int // per category
	missed          map[string][]string
	fpExamples      map[string][]string
	flags, passages int
}

func (h *hardResult) precision() float64 {
	if h.tp+h.fp == 0 {
		return 1
	}
	return float64(h.tp) / float64(h.tp+h.fp)
}

func (h *hardResult) recall() (float64, int, int) {
	p, f := 0, 0
	for k, n := range h.planted {
		p += n
		f += h.found[k]
	}
	if p == 0 {
		return 1, 0, 0
	}
	return float64(f) / float64(p), f, p
}

// hardScore scores the flags of kind: a flagged passage is right when it
// overlaps, on both sides, a piece of an item planted between its two
// enterprises that this kind should report (copies for duplicate_text,
// templates for template_text); an item is found when such passages
// cover at least half of its significant characters (all of its pieces
// for a split or reordered copy count).
func (t *tenant) hardScore(ctx context.Context, hc *hardCorpus, kind cpaudit.FlagKind) (*hardResult, error) {
	flags, err := t.allFlags(ctx, kind)
	if err != nil {
		return nil, err
	}
	h := &hardResult{kind: kind, fpFrom: map[string]int{}, planted: map[string]int{}, found: map[string]int{},
		missed: map[string][]string{}, fpExamples: map[string][]string{}, flags: len(flags)}
	wantTemplate := kind == cpaudit.FlagTemplateText
	covered := map[*hplant]map[int]bool{}
	for _, fl := range flags {
		var d struct {
			Passages []cpaudit.Passage `json:"passages"`
		}
		if err := json.Unmarshal(fl.Detail, &d); err != nil {
			return nil, err
		}
		ea, eb := t.docEnt[fl.DocumentIDs[0]], t.docEnt[fl.DocumentIDs[1]]
		for _, ps := range d.Passages {
			h.passages++
			hit := false
			for _, p := range hc.byEnt[ea] {
				if (p.cat == "template") != wantTemplate {
					continue
				}
				for k, pc := range p.pieces {
					var ok bool
					switch {
					case p.a == ea && p.b == eb:
						ok = overlap(ps.AStart, ps.AEnd, pc.aOff, pc.aEnd) && overlap(ps.BStart, ps.BEnd, pc.bOff, pc.bEnd)
					case p.a == eb && p.b == ea:
						ok = overlap(ps.AStart, ps.AEnd, pc.bOff, pc.bEnd) && overlap(ps.BStart, ps.BEnd, pc.aOff, pc.aEnd)
					}
					if ok {
						hit = true
						if covered[p] == nil {
							covered[p] = map[int]bool{}
						}
						covered[p][k] = true
					}
				}
			}
			if hit {
				h.tp++
				continue
			}
			h.fp++
			from := hc.source(ea, ps.AStart, ps.AEnd, eb, ps.BStart, ps.BEnd)
			h.fpFrom[from]++
			if len(h.fpExamples[from]) < 3 {
				h.fpExamples[from] = append(h.fpExamples[from], fmt.Sprintf("enterprises %d and %d, %d characters: %.60q / %.60q", ea, eb, ps.AEnd-ps.AStart, ps.Text, ps.BText))
			}
		}
	}
	for _, p := range hc.plants {
		if (p.cat == "template") != wantTemplate {
			continue
		}
		h.planted[p.cat]++
		got := 0
		for k, pc := range p.pieces {
			if covered[p][k] {
				got += significant(pc.aText)
			}
		}
		if 2*got >= p.sig && got > 0 {
			h.found[p.cat]++
		} else if len(h.missed[p.cat]) < 3 {
			h.missed[p.cat] = append(h.missed[p.cat], fmt.Sprintf("enterprises %d and %d, %d pieces, %d significant characters (%d found): %.50q",
				p.a, p.b, len(p.pieces), p.sig, got, p.pieces[0].aText))
		}
	}
	return h, nil
}

// source names what a falsely flagged passage overlaps: a planted item of
// the other kind or of another pair, a region (near miss, boilerplate,
// template), or nothing planted (prose shared by chance).
func (hc *hardCorpus) source(ea, a0, a1, eb, b0, b1 int) string {
	for _, side := range []struct{ e, o0, o1 int }{{ea, a0, a1}, {eb, b0, b1}} {
		for _, r := range hc.regions[side.e] {
			if overlap(side.o0, side.o1, r.off, r.end) {
				return r.what
			}
		}
	}
	for _, side := range []struct{ e, o0, o1 int }{{ea, a0, a1}, {eb, b0, b1}} {
		for _, p := range hc.byEnt[side.e] {
			for _, pc := range p.pieces {
				if (p.a == side.e && overlap(side.o0, side.o1, pc.aOff, pc.aEnd)) || (p.b == side.e && overlap(side.o0, side.o1, pc.bOff, pc.bEnd)) {
					return "planted " + p.cat + " of another pair or kind"
				}
			}
		}
	}
	return "prose shared by chance"
}

func printHard(out io.Writer, hc *hardCorpus, results ...*hardResult) {
	fmt.Fprintf(out, "\n## bench-detect -hard: %d reports, seed %d\n\n", hc.n, hc.seed)
	fmt.Fprintln(out, "| flag kind | category | planted | found | recall |")
	fmt.Fprintln(out, "|---|---|---|---|---|")
	for _, h := range results {
		cats := make([]string, 0, len(h.planted))
		for k := range h.planted {
			cats = append(cats, k)
		}
		sort.Slice(cats, func(i, j int) bool { return catOrder(cats[i]) < catOrder(cats[j]) })
		for _, k := range cats {
			fmt.Fprintf(out, "| %s | %s | %d | %d | %.4f |\n", h.kind, k, h.planted[k], h.found[k], float64(h.found[k])/float64(max(1, h.planted[k])))
		}
	}
	fmt.Fprintln(out)
	fmt.Fprintln(out, "| flag kind | precision (passages) | recall (planted items) | false passages by source | target | met |")
	fmt.Fprintln(out, "|---|---|---|---|---|---|")
	for _, h := range results {
		r, f, p := h.recall()
		var from []string
		for k, n := range h.fpFrom {
			from = append(from, fmt.Sprintf("%s %d", k, n))
		}
		sort.Strings(from)
		if len(from) == 0 {
			from = []string{"none"}
		}
		met := "yes"
		if h.precision() < 0.95 || r < 0.95 {
			met = "**no**"
		}
		fmt.Fprintf(out, "| %s | %.4f (%d/%d) | %.4f (%d/%d) | %s | ≥ 0.95 both | %s |\n", h.kind, h.precision(), h.tp, h.tp+h.fp, r, f, p, strings.Join(from, "; "), met)
	}
	for _, h := range results {
		for _, k := range sortedKeys(h.missed) {
			for _, s := range h.missed[k] {
				fmt.Fprintf(out, "  %s missed (%s): %s\n", h.kind, k, s)
			}
		}
		for _, k := range sortedKeys(h.fpExamples) {
			for _, s := range h.fpExamples[k] {
				fmt.Fprintf(out, "  %s false (%s): %s\n", h.kind, k, s)
			}
		}
	}
}

func catOrder(k string) int {
	for i, c := range hardCategories {
		if c == k {
			return i
		}
	}
	return len(hardCategories)
}

func sortedKeys(m map[string][]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
