package pipeline

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/scheduler"
	"github.com/cpaudit/cpaudit/search/detect"
)

// AnalysisQueue is what the analyser needs from storage.
type AnalysisQueue interface {
	Tenants(ctx context.Context) ([]cpaudit.Tenant, error)
	ClaimAnalysisJobs(ctx context.Context, tenantID string, limit int, lease time.Duration, maxText int64) ([]cpaudit.AnalysisJob, error)
	// MatchFingerprints stores a document's fingerprints and returns the
	// non-boilerplate ones that documents of other enterprises share. It
	// may reorder prints.
	MatchFingerprints(ctx context.Context, j cpaudit.AnalysisJob, prints []cpaudit.Fingerprint, runes, boilerplateMin int) ([]cpaudit.SeedMatch, error)
	// AnalysedText is the text whose fingerprints are stored for a document.
	AnalysedText(ctx context.Context, tenantID, docID string) (string, error)
	// OpenAnalysisContent opens the newest version's bytes, for images.
	OpenAnalysisContent(ctx context.Context, j cpaudit.AnalysisJob) (io.ReadCloser, error)
	// MatchImages stores a document's image hashes and returns the images
	// of documents of other enterprises to compare: those near (by the
	// hashes alone) one of the document's, and those with its EXIF key.
	MatchImages(ctx context.Context, j cpaudit.AnalysisJob, hashes []cpaudit.ImageHash, near func(mine, theirs cpaudit.ImageHash) bool) ([]cpaudit.ImageCandidate, error)
	// EnterpriseNames lists the enterprises of a tenant, for foreign_name.
	EnterpriseNames(ctx context.Context, tenantID string) ([]cpaudit.EnterpriseName, error)
	CompleteAnalysisJob(ctx context.Context, j cpaudit.AnalysisJob, texts []cpaudit.TextMatch, images []cpaudit.ImageMatch, names cpaudit.NameFinding) error
	// RetryAnalysisJob puts a failed job back, or gives it up after a few
	// attempts (and says so).
	RetryAnalysisJob(ctx context.Context, j cpaudit.AnalysisJob, cause error, backoff time.Duration) (bool, error)
	jobReleaser
	FigureQueue // key figures and identifying numbers (figures.go)
}

// DefaultBoilerplateEnterprises is how many enterprises' documents must
// share a fingerprint before it counts as common text rather than copying.
const DefaultBoilerplateEnterprises = 5

// AnalyzerConfig tunes an Analyzer; zero values take the defaults.
type AnalyzerConfig struct {
	Config
	Detect                 detect.Config // default detect.Defaults()
	BoilerplateEnterprises int           // default DefaultBoilerplateEnterprises
	// FigureTolerance is the relative difference tolerated between two
	// statements of one key figure; default detect.DefaultFigureTolerance.
	FigureTolerance float64
}

// Analyzer checks each document, once its text is extracted, against the
// rest of its tenant and records flags: duplicate files (by SHA-256, in
// storage), duplicate text (by winnowed fingerprints kept in the tenant
// database, see search/detect), duplicate images (perceptual hashes of a
// photo or of the images inside an Office file or a PDF, and EXIF capture
// time with camera serial), foreign names (other enterprises and places
// in a report or evidence), key figures that disagree within an audit and
// identifying numbers reused across enterprises (figures.go). A new document costs one indexed lookup of
// its fingerprints; only the documents that share enough with it are read,
// to find the exact passages.
type Analyzer struct {
	q           AnalysisQueue
	cfg         AnalyzerConfig
	log         *slog.Logger
	batch       int
	nameIndexes nameIndexes
}

// NewAnalyzer returns an analyser over q.
func NewAnalyzer(q AnalysisQueue, cfg AnalyzerConfig) *Analyzer {
	w := New(nil, nil, cfg.Config) // for the defaults
	cfg.Config = w.cfg
	if cfg.Detect.K == 0 {
		cfg.Detect = detect.Defaults()
	}
	if cfg.BoilerplateEnterprises <= 0 {
		cfg.BoilerplateEnterprises = DefaultBoilerplateEnterprises
	}
	if cfg.FigureTolerance <= 0 {
		cfg.FigureTolerance = detect.DefaultFigureTolerance
	}
	return &Analyzer{q: q, cfg: cfg, log: w.log, batch: 16}
}

// Run works until ctx ends.
func (x *Analyzer) Run(ctx context.Context) {
	scheduler.Rounds(x.cfg.Poll, x.log, "analysis", x.RunOnce)(ctx)
}

// RunOnce analyses the jobs due now, a batch per tenant, and says how many
// it handled.
func (x *Analyzer) RunOnce(ctx context.Context) (int, error) {
	tenants, err := x.q.Tenants(ctx)
	if err != nil {
		return 0, err
	}
	done := 0
	for _, t := range tenants {
		n, err := x.tenantOnce(ctx, t)
		done += n
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

func (x *Analyzer) tenantOnce(ctx context.Context, t cpaudit.Tenant) (int, error) {
	jobs, finish, err := gatedClaim(x.cfg.Gate, func(maxText int64) ([]cpaudit.AnalysisJob, error) {
		return x.q.ClaimAnalysisJobs(ctx, t.ID, x.batch, x.cfg.Lease, maxText)
	}, func(j cpaudit.AnalysisJob) int64 { return int64(len(j.Source.Text)) })
	defer finish()
	if err != nil {
		return 0, err
	}
	// The tenant's enterprises, read once for the batch: reading all of
	// them for every document cost more the larger the tenant.
	names := &batchNames{q: x.q, tenantID: t.ID, indexes: &x.nameIndexes}
	done := 0
	for _, j := range jobs {
		if err := x.process(ctx, j, names); err != nil {
			if ctx.Err() != nil {
				release(ctx, x.q, x.log, t.ID, j.ID, j.Attempts)
				return done, ctx.Err()
			}
			gaveUp, rerr := x.q.RetryAnalysisJob(ctx, j, err, x.cfg.Backoff)
			if rerr != nil {
				return done, rerr
			}
			if gaveUp {
				x.log.Error("analysis failed for good", "tenant", t.Slug, "document", j.Source.DocumentID, "attempts", j.Attempts, "err", err)
			} else {
				x.log.Warn("analysis will be retried", "tenant", t.Slug, "document", j.Source.DocumentID, "attempt", j.Attempts, "err", err)
			}
		}
		done++
	}
	return done, nil
}

// process analyses one document and stores what it found.
func (x *Analyzer) process(ctx context.Context, j cpaudit.AnalysisJob, enterprises *batchNames) (err error) {
	defer func() {
		if p := recover(); p != nil {
			x.log.Error("analysis panicked", "document", j.Source.DocumentID, "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("the analysis crashed: %v", p)
		}
	}()
	c := x.cfg.Detect
	src := j.Source
	// The fingerprints come straight from the text; the text is prepared
	// for matching (a rune array: 8 bytes a rune) only if another
	// document shares enough with it, so a long text is not held twice
	// over while its fingerprints are stored.
	var prints []cpaudit.Fingerprint
	var runes int
	if !src.Absent {
		prints, runes = detect.FingerprintsOf(src.Text, c)
	}
	matches, err := x.q.MatchFingerprints(ctx, j, prints, runes, x.cfg.BoilerplateEnterprises)
	if err != nil {
		return err
	}
	var a *detect.Text
	var texts []cpaudit.TextMatch
	for _, m := range matches {
		if !detect.Promising(m.Seeds, c) {
			continue
		}
		if a == nil {
			a = detect.Prepare(src.Text)
		}
		other, err := x.q.AnalysedText(ctx, j.TenantID, m.DocumentID)
		if cpaudit.IsKind(err, cpaudit.KindNotFound) {
			continue // analysed again meanwhile: that analysis will compare
		} else if err != nil {
			return err
		}
		res, bLen, whole := detect.MatchNear(a, other, m.Seeds, c.ForPair(src.Kind == cpaudit.DocReport && m.Kind == cpaudit.DocReport))
		if len(res.Passages) == 0 {
			continue
		}
		if !whole {
			bLen = m.Runes // its significant runes, counted when it was analysed
		}
		// The score is the share of the newer document that is copied.
		score := ratio(res.CoveredA, a.Len())
		if m.UploadedAt.After(src.UploadedAt) {
			score = ratio(res.CoveredB, bLen)
		}
		texts = append(texts, cpaudit.TextMatch{OtherID: m.DocumentID, Score: score, Passages: res.Passages})
	}
	images, err := x.images(ctx, j)
	if err != nil {
		return err
	}
	names, err := x.names(ctx, j, enterprises)
	if err != nil {
		return err
	}
	if err := x.figures(ctx, j); err != nil {
		return err
	}
	return x.q.CompleteAnalysisJob(ctx, j, texts, images, names)
}

// batchNames reads a tenant's enterprise names once, when a document of a
// batch first needs them, and takes their index from indexes.
type batchNames struct {
	q        AnalysisQueue
	tenantID string
	indexes  *nameIndexes
	all      []cpaudit.EnterpriseName
	index    *detect.NameIndex
}

func (b *batchNames) get(ctx context.Context) ([]cpaudit.EnterpriseName, *detect.NameIndex, error) {
	if b.index == nil {
		all, err := b.q.EnterpriseNames(ctx, b.tenantID)
		if err != nil {
			return nil, nil, err
		}
		b.all, b.index = all, b.indexes.of(b.tenantID, all)
	}
	return b.all, b.index, nil
}

// nameIndexes keeps each tenant's last name index: building one takes
// longer than reading the names (6.3 ms against 2,000 names,
// BenchmarkForeignNames/index), and the names seldom change between two
// batches, so reading them and comparing is enough to reuse it. Its zero
// value is ready to use.
type nameIndexes struct {
	mu      sync.Mutex
	tenants map[string]nameIndex
}

type nameIndex struct {
	all   []cpaudit.EnterpriseName
	index *detect.NameIndex
}

// of returns the index of all, built again only if all differs from the
// names of the tenant's last index.
func (n *nameIndexes) of(tenantID string, all []cpaudit.EnterpriseName) *detect.NameIndex {
	n.mu.Lock()
	defer n.mu.Unlock()
	if last, ok := n.tenants[tenantID]; ok && slices.Equal(last.all, all) {
		return last.index
	}
	if n.tenants == nil {
		n.tenants = map[string]nameIndex{}
	}
	x := detect.NewNameIndex(all)
	n.tenants[tenantID] = nameIndex{all: all, index: x}
	return x
}

// names finds, in a report's or an evidence's text, the names of the
// tenant's other enterprises and places outside its enterprise's region.
func (x *Analyzer) names(ctx context.Context, j cpaudit.AnalysisJob, enterprises *batchNames) (cpaudit.NameFinding, error) {
	src := j.Source
	if src.Absent || src.Guideline || src.EnterpriseID == "" || (src.Kind != cpaudit.DocReport && src.Kind != cpaudit.DocEvidence) {
		return cpaudit.NameFinding{}, nil
	}
	all, index, err := enterprises.get(ctx)
	if err != nil {
		return cpaudit.NameFinding{}, err
	}
	own := cpaudit.EnterpriseName{ID: src.EnterpriseID}
	for _, e := range all {
		if e.ID == src.EnterpriseID {
			own = e
		}
	}
	mentions, total := index.Foreign(src.Text, own)
	return cpaudit.NameFinding{Region: own.Region, Total: total, Mentions: mentions}, nil
}

// images hashes the images of the document (the file itself, or those
// inside an Office file or a PDF) and compares them with the images of other
// enterprises' documents. The score of a pair of documents is the share
// of the analysed document's images found in the other.
func (x *Analyzer) images(ctx context.Context, j cpaudit.AnalysisJob) ([]cpaudit.ImageMatch, error) {
	src := j.Source
	var hashes []cpaudit.ImageHash
	if !src.Deleted && !src.Guideline && src.EnterpriseID != "" && detect.MayHoldImages(src.Filename, src.ContentType) {
		rc, err := x.q.OpenAnalysisContent(ctx, j)
		if cpaudit.IsKind(err, cpaudit.KindNotFound) {
			rc = nil
		} else if err != nil {
			return nil, err
		}
		if rc != nil {
			data, err := io.ReadAll(io.LimitReader(rc, detect.MaxContainerBytes+1))
			rc.Close()
			if err != nil {
				return nil, err
			}
			if len(data) <= detect.MaxContainerBytes {
				hashes = detect.ImageHashes(src.Filename, src.ContentType, data)
			}
		}
		if exif := detect.ImageEXIF(src.Meta); exif != "" {
			for i := range hashes {
				if hashes[i].Entry == "" {
					hashes[i].EXIF = exif
				}
			}
		}
	}
	cands, err := x.q.MatchImages(ctx, j, hashes, detect.HashesNear)
	if err != nil || len(hashes) == 0 {
		return nil, err
	}
	var out []cpaudit.ImageMatch
	byDoc := map[string]int{}
	found := map[string]map[string]bool{} // other document -> my entries found in it
	for _, c := range cands {
		for _, h := range hashes {
			l := detect.SameImage(h, c.Theirs)
			sameEXIF := h.EXIF != "" && h.EXIF == c.Theirs.EXIF
			if !l.Same && !sameEXIF {
				continue
			}
			i, ok := byDoc[c.DocumentID]
			if !ok {
				i = len(out)
				byDoc[c.DocumentID] = i
				out = append(out, cpaudit.ImageMatch{OtherID: c.DocumentID})
				found[c.DocumentID] = map[string]bool{}
			}
			pair := cpaudit.ImagePair{AEntry: h.Entry, BEntry: c.Theirs.Entry, PHashDist: l.PHash, DHashDist: l.DHash, SameEXIF: sameEXIF}
			if l.HasThumb {
				pair.ThumbSimilarity = &l.Thumb
			}
			if sameEXIF {
				pair.EXIF = h.EXIF
			}
			out[i].Pairs = append(out[i].Pairs, pair)
			found[c.DocumentID][h.Entry] = true
		}
	}
	for i := range out {
		out[i].Score = ratio(len(found[out[i].OtherID]), len(hashes))
	}
	return out, nil
}

func ratio(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return min(1, float64(n)/float64(d))
}
