package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/search/detect"
)

// score is precision and recall against the ground truth.
type score struct {
	tp, fp      int      // detected items that are / are not planted
	found, want int      // planted items detected / planted
	misses, fps []string // the first few, described
}

func (s *score) note(list *[]string, format string, args ...any) {
	if len(*list) < 5 {
		*list = append(*list, fmt.Sprintf(format, args...))
	}
}

func (s score) precision() float64 {
	if s.tp+s.fp == 0 {
		return 1
	}
	return float64(s.tp) / float64(s.tp+s.fp)
}

func (s score) recall() float64 {
	if s.want == 0 {
		return 1
	}
	return float64(s.found) / float64(s.want)
}

func (t *tenant) allFlags(ctx context.Context, kind cpaudit.FlagKind) ([]cpaudit.Flag, error) {
	var out []cpaudit.Flag
	for {
		page, total, err := t.s.Flags(ctx, t.sys, cpaudit.FlagFilter{Kind: kind, Limit: 1000, Offset: len(out)})
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) == 0 || len(out) >= total {
			return out, nil
		}
	}
}

// textScore scores duplicate_text at passage level: a flagged passage is
// right when it overlaps, on both sides, a passage planted between the
// two enterprises; a planted passage is found when a flagged one does.
func (t *tenant) textScore(ctx context.Context, c *corpus) (score, error) {
	flags, err := t.allFlags(ctx, cpaudit.FlagDuplicateText)
	if err != nil {
		return score{}, err
	}
	// Planted passages of the loaded reports.
	var sc score
	found := make([]bool, len(c.plants))
	for i, p := range c.plants {
		if t.reports[p.a] != "" && t.reports[p.b] != "" {
			sc.want++
		} else {
			found[i] = true // not uploaded in this run
		}
	}
	for _, fl := range flags {
		var d struct {
			Passages []cpaudit.Passage `json:"passages"`
		}
		if err := json.Unmarshal(fl.Detail, &d); err != nil {
			return score{}, err
		}
		ea, eb := t.docEnt[fl.DocumentIDs[0]], t.docEnt[fl.DocumentIDs[1]]
		for _, ps := range d.Passages {
			hit := false
			for _, i := range c.byEnt[ea] {
				p := c.plants[i]
				var ok bool
				switch {
				case p.a == ea && p.b == eb:
					ok = overlap(ps.AStart, ps.AEnd, p.aOff, p.aEnd) && overlap(ps.BStart, ps.BEnd, p.bOff, p.bEnd)
				case p.a == eb && p.b == ea:
					ok = overlap(ps.AStart, ps.AEnd, p.bOff, p.bEnd) && overlap(ps.BStart, ps.BEnd, p.aOff, p.aEnd)
				}
				if ok {
					hit = true
					if !found[i] {
						found[i] = true
						sc.found++
					}
				}
			}
			if hit {
				sc.tp++
			} else {
				sc.fp++
				sc.note(&sc.fps, "enterprises %d and %d, %d characters: %.40q", ea, eb, ps.AEnd-ps.AStart, ps.Text)
			}
		}
	}
	for i, p := range c.plants {
		if !found[i] {
			sc.note(&sc.misses, "enterprises %d and %d, %d characters (%d significant), edit %s", p.a, p.b, p.aEnd-p.aOff, significant(p.text), p.edit)
		}
	}
	return sc, nil
}

func overlap(a0, a1, b0, b1 int) bool { return a0 < b1 && b0 < a1 }

// imageScore scores duplicate_image at the level of document pairs: a
// flag is right when both documents hold the same photo (one enterprise's
// photo, reused); a reuse is found when its two documents are flagged.
func (t *tenant) imageScore(ctx context.Context, photos []photoCopy) (score, map[[2]string]bool, error) {
	flags, err := t.allFlags(ctx, cpaudit.FlagDuplicateImage)
	if err != nil {
		return score{}, nil, err
	}
	var sc score
	flagged := map[[2]string]bool{}
	for _, fl := range flags {
		a, b := fl.DocumentIDs[0], fl.DocumentIDs[1]
		flagged[[2]string{a, b}], flagged[[2]string{b, a}] = true, true
		pa, oka := t.photoIDs[a]
		pb, okb := t.photoIDs[b]
		if oka && okb && pa == pb {
			sc.tp++
		} else {
			sc.fp++
			sc.note(&sc.fps, "%v (enterprise %d) and %v (enterprise %d): %s", pa, t.docEnt[a], pb, t.docEnt[b], fl.Detail)
		}
	}
	// Every pair of documents of different enterprises holding the same
	// photo should be flagged: the original with each reuse, and reuses
	// of one photo with each other.
	byPhoto := map[photoID][]string{}
	for id, p := range t.photoIDs {
		byPhoto[p] = append(byPhoto[p], id)
	}
	for _, ids := range byPhoto {
		for i := range ids {
			for j := i + 1; j < len(ids); j++ {
				if t.docEnt[ids[i]] == t.docEnt[ids[j]] {
					continue
				}
				sc.want++
				if flagged[[2]string{ids[i], ids[j]}] {
					sc.found++
				} else {
					sc.note(&sc.misses, "photo %v in documents of enterprises %d and %d", t.photoIDs[ids[i]], t.docEnt[ids[i]], t.docEnt[ids[j]])
				}
			}
		}
	}
	return sc, flagged, nil
}

// exactSample compares every pair of the first m reports directly, as a
// system without an index would (each text prepared and fingerprinted
// once, then every pair matched), and returns the time per text, the time
// per pair, and how many planted passages among them it finds.
func exactSample(c *corpus, m int) (perText, perPair time.Duration, found, want int) {
	m = min(m, c.n)
	cfg := detect.Defaults()
	texts := make([]*detect.Text, m)
	prints := make([][]cpaudit.Fingerprint, m)
	raw := make([]string, m)
	for i := range m {
		raw[i] = c.report(i)
	}
	t0 := time.Now()
	for i := range m {
		texts[i] = detect.Prepare(raw[i])
		prints[i] = detect.Fingerprints(texts[i], cfg)
	}
	perText = time.Since(t0) / time.Duration(m)
	type pair struct{ a, b int }
	results := map[pair][]cpaudit.Passage{}
	t0 = time.Now()
	for i := range m {
		for j := i + 1; j < m; j++ {
			res := detect.Match(texts[i], texts[j], detect.Seeds(prints[i], prints[j], cfg), cfg)
			results[pair{i, j}] = res.Passages
		}
	}
	if pairs := m * (m - 1) / 2; pairs > 0 {
		perPair = time.Since(t0) / time.Duration(pairs)
	}
	for _, p := range c.plants {
		if p.a >= m || p.b >= m {
			continue
		}
		want++
		a, b, aOff, aEnd, bOff, bEnd := p.a, p.b, p.aOff, p.aEnd, p.bOff, p.bEnd
		if a > b {
			a, b, aOff, aEnd, bOff, bEnd = b, a, bOff, bEnd, aOff, aEnd
		}
		for _, ps := range results[pair{a, b}] {
			if overlap(ps.AStart, ps.AEnd, aOff, aEnd) && overlap(ps.BStart, ps.BEnd, bOff, bEnd) {
				found++
				break
			}
		}
	}
	return perText, perPair, found, want
}
