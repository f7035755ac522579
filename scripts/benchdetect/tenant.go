package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/search/extract"
	"github.com/cpaudit/cpaudit/search/pipeline"
	"github.com/cpaudit/cpaudit/storage"
	"github.com/cpaudit/cpaudit/storage/blob"
)

// tenant is a real store (SQLite and blobs in a directory) with one
// tenant, its documents uploaded through the storage layer and processed
// by the real pipeline in this process: extraction, then analysis.
type tenant struct {
	s        *storage.Store
	sys      cpaudit.Actor
	extract  *pipeline.Worker
	analyse  *pipeline.Analyzer
	audits   map[int]string // enterprise -> its audit
	reports  map[int]string // enterprise -> its report
	docEnt   map[string]int // document -> enterprise
	photoIDs map[string]photoID
	// figEvidence: enterprise -> its evidence of figures (figures.go).
	figEvidence map[int]string
	jobs        int // analysis jobs done
}

// photoID is where a photo document's image comes from: enterprise's
// photo k (its own, or reused from it).
type photoID struct{ ent, k int }

func openTenant(ctx context.Context, dir string) (*tenant, error) {
	blobs, err := blob.NewLocal(filepath.Join(dir, "blobs"))
	if err != nil {
		return nil, err
	}
	s, err := storage.Open(ctx, storage.Config{DataDir: dir, Blobs: blobs})
	if err != nil {
		return nil, err
	}
	tn, err := s.CreateTenant(ctx, "bench", "基准测试生态环境局")
	if err != nil {
		return nil, err
	}
	cfg := pipeline.Config{TempDir: filepath.Join(dir, "spool")}
	return &tenant{
		s: s, sys: cpaudit.SystemActor(tn.ID),
		extract:  pipeline.New(s, pipeline.ExtractWith(slog.New(slog.DiscardHandler), extract.DefaultLimits()), cfg),
		analyse:  pipeline.NewAnalyzer(s, pipeline.AnalyzerConfig{Config: cfg}),
		audits:   map[int]string{},
		reports:  map[int]string{},
		docEnt:   map[string]int{},
		photoIDs: map[string]photoID{},
	}, nil
}

// enterprise registers enterprise i with a self-audit.
func (t *tenant) enterprise(ctx context.Context, i int, name string) error {
	first17 := fmt.Sprintf("91130100MA%07d", i)
	o, err := t.s.CreateOrganisation(ctx, t.sys, cpaudit.Organisation{Kind: cpaudit.OrgEnterprise, Name: name,
		CreditCode: first17 + string(cpaudit.CreditCodeCheck(first17)), Industry: "C2610", Region: "130100"})
	if err != nil {
		return err
	}
	au, err := t.s.CreateAudit(ctx, t.sys, o.ID, "")
	if err != nil {
		return err
	}
	t.audits[i] = au.ID
	return nil
}

func (t *tenant) upload(ctx context.Context, ent int, kind cpaudit.DocKind, filename, contentType string, body []byte) (string, error) {
	st, err := t.s.Stage(bytes.NewReader(body), int64(len(body))+1)
	if err != nil {
		return "", err
	}
	defer st.Close()
	nd := cpaudit.NewDocument{Kind: kind, Filename: filename, ContentType: contentType}
	if ent >= 0 {
		nd.AuditID = t.audits[ent]
	}
	d, err := t.s.CreateDocument(ctx, t.sys, nd, st)
	if err != nil {
		return "", err
	}
	t.docEnt[d.ID] = ent
	return d.ID, nil
}

// extractAll runs text extraction until nothing is left.
func (t *tenant) extractAll(ctx context.Context) error {
	for {
		n, err := t.extract.RunOnce(ctx)
		if err != nil || n == 0 {
			return err
		}
	}
}

// analyseAll runs the analysis until nothing is left and says how long
// it took.
func (t *tenant) analyseAll(ctx context.Context) (time.Duration, error) {
	t0 := time.Now()
	for {
		n, err := t.analyse.RunOnce(ctx)
		if err != nil {
			return 0, err
		}
		t.jobs += n
		if n == 0 {
			return time.Since(t0), nil
		}
	}
}

// load uploads enterprises from..to-1 of the corpus: each enterprise, its
// report, its photos and the copies it reuses.
func (t *tenant) load(ctx context.Context, c *corpus, photos []photoCopy, perEnt, from, to int) error {
	for e := from; e < to; e++ {
		if err := t.enterprise(ctx, e, c.names[e]); err != nil {
			return err
		}
		id, err := t.upload(ctx, e, cpaudit.DocReport, fmt.Sprintf("report-%d.txt", e), "text/plain; charset=utf-8", []byte(c.report(e)))
		if err != nil {
			return err
		}
		t.reports[e] = id
		if err := t.loadPhotos(ctx, c.seed, photos, perEnt, e); err != nil {
			return err
		}
		if err := t.loadFigureEvidence(ctx, c, e); err != nil {
			return err
		}
	}
	return nil
}

func (t *tenant) loadPhotos(ctx context.Context, seed uint64, photos []photoCopy, perEnt, e int) error {
	for k := range perEnt {
		id, err := t.upload(ctx, e, cpaudit.DocEvidence, fmt.Sprintf("photo-%d-%d.jpg", e, k), "image/jpeg", encodeJPEG(scene(seed, e, k), 85))
		if err != nil {
			return err
		}
		t.photoIDs[id] = photoID{e, k}
	}
	for _, pc := range photos {
		if pc.b != e {
			continue
		}
		b := edited(seed, pc, scene(seed, pc.a, pc.k))
		name, ct := fmt.Sprintf("copy-%d-%d-%d.jpg", pc.a, pc.k, pc.b), "image/jpeg"
		if pc.docx {
			b, name, ct = docxWith(b), name[:len(name)-4]+".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
		}
		id, err := t.upload(ctx, e, cpaudit.DocEvidence, name, ct, b)
		if err != nil {
			return err
		}
		t.photoIDs[id] = photoID{pc.a, pc.k}
	}
	return nil
}

// loadGuidelines uploads the guideline documents (no enterprise).
func (t *tenant) loadGuidelines(ctx context.Context, c *corpus) error {
	half := len(c.guideline) / 2
	for i, part := range [][]string{c.guideline[:half], c.guideline[half:]} {
		var b bytes.Buffer
		b.WriteString("清洁生产审核办法与审核报告编写指南。")
		for _, p := range part {
			b.WriteString(p)
		}
		if _, err := t.upload(ctx, -1, cpaudit.DocGuideline, fmt.Sprintf("guideline-%d.txt", i), "text/plain; charset=utf-8", b.Bytes()); err != nil {
			return err
		}
	}
	return nil
}
