package storage

// This file owns the fingerprint store of the duplicate-text analysis
// (migration 014): the winnowed prints of every analysed text, kept in
// sorted runs like a log-structured merge tree, so that storing and
// looking up a report's prints costs about the same whatever the size of
// the tenant.
//
// One hash-ordered index, as before, put each of a report's ~11,000
// prints on a random leaf: a commit dirtied (and wrote twice, to the WAL
// and back) about one page per print, and once the index outgrew the
// cache each print also read its leaf, so a report cost more the larger
// the tenant. Here a document's prints, sorted, are appended as a run of
// their own (a few dozen new pages at the end of the table); runs are
// merged by sorted appends (detindex_print_merge.go), so each print is written at
// most three times, always sequentially. A lookup checks a Bloom filter of
// all prints, then each run's for the prints that may be somewhere
// (detindex_print_filters.go), and seeks only the runs a print may be in.

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/binary"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"

	"github.com/cpaudit/cpaudit"
)

// MatchFingerprints replaces the stored fingerprints of the job's
// document with prints (of a text of runes significant runes), marks as
// boilerplate the fingerprints now found in a guideline or in the
// documents of at least boilerplateMin enterprises (queueing again the
// flagged documents that hold them, whose flags may now be common text),
// and returns, per document of another enterprise, the fingerprints it
// shares with this one that are not boilerplate, in document id order. A
// guideline, or a document with nothing to analyse, shares nothing.
// It sorts prints in place (a long text's are tens of megabytes: not
// copied).
func (s *Store) MatchFingerprints(ctx context.Context, j cpaudit.AnalysisJob, prints []cpaudit.Fingerprint, runes, boilerplateMin int) ([]cpaudit.SeedMatch, error) {
	const op = "storage.MatchFingerprints"
	db, err := s.tenantDB(ctx, j.TenantID)
	if err != nil {
		return nil, err
	}
	src := j.Source
	prints = sortedPrints(prints)
	// The guideline library's common text is common here too
	// (library_prints.go).
	libCommon, err := s.libraryCommon(ctx, j, prints)
	if err != nil {
		return nil, err
	}
	var out []cpaudit.SeedMatch
	var run int64   // the document's own run
	var merged bool // whether it was merged away at once
	filters := s.runFilters.tenant(j.TenantID)
	filters.mu.Lock()
	defer filters.mu.Unlock()
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		// A new key for every analysis: the prints of the last one are
		// dead from now on, and go when their run is merged.
		var oldDoc, oldRun, oldPrints, oldSum int64
		err := tx.QueryRowContext(ctx, `DELETE FROM analysed_docs WHERE document_id = ? RETURNING doc, run, prints, prints_sum`,
			src.DocumentID).Scan(&oldDoc, &oldRun, &oldPrints, &oldSum)
		if err != nil && err != sql.ErrNoRows {
			return err
		}
		sum := printsSum(prints)
		// The same prints as last time: the hashes found shared then, or
		// by documents analysed since, are all that can be shared now.
		again := oldDoc != 0 && uint64(oldSum) == sum && !src.Guideline && !src.Absent
		var only map[uint64]bool
		if again {
			if only, err = sharedHashes(ctx, tx, oldDoc); err != nil {
				return err
			}
		} else if oldDoc != 0 {
			if _, err := tx.ExecContext(ctx, `DELETE FROM shared_hashes WHERE doc = ?`, oldDoc); err != nil {
				return err
			}
		}
		if oldRun != 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE print_runs SET dead = dead + ? WHERE run = ?`, oldPrints, oldRun); err != nil {
				return err
			}
		}
		if src.Absent {
			return nil
		}
		var ent int64 // 0: a guideline
		if !src.Guideline {
			if ent, err = enterpriseKey(ctx, tx, src.EnterpriseID); err != nil {
				return err
			}
		}
		var doc int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO analysed_docs (document_id, version, ent, runes, uploaded_at, analysed_at, prints_sum)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING doc`,
			src.DocumentID, src.Version, ent, runes, micros(src.UploadedAt), micros(s.clock()), int64(sum)).Scan(&doc); err != nil {
			return err
		}
		if again {
			if _, err := tx.ExecContext(ctx, `UPDATE shared_hashes SET doc = ? WHERE doc = ?`, doc, oldDoc); err != nil {
				return err
			}
		}
		if len(prints) == 0 {
			return nil
		}
		runs, err := listRuns(ctx, tx)
		if err != nil {
			return err
		}
		byRun, all, err := filters.forRuns(ctx, tx, runs)
		if err != nil {
			return err
		}
		if run, err = appendRun(ctx, tx, doc, prints); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE analysed_docs SET run = ?, prints = ? WHERE doc = ?`, run, len(prints), doc); err != nil {
			return err
		}
		shared, err := sharedPrints(ctx, tx, prints, only, libCommon, runs, byRun, all)
		if err != nil {
			return err
		}
		if err := recordShared(ctx, tx, doc, shared); err != nil {
			return err
		}
		filters.addAll(prints)
		common, err := s.markBoilerplate(ctx, tx, j, run, ent, shared, boilerplateMin)
		if err != nil {
			return err
		}
		if !src.Guideline {
			if out, err = seedMatches(ctx, tx, ent, shared, common); err != nil {
				return err
			}
		}
		merged, err = mergeRuns(ctx, tx)
		return err
	})
	if err != nil {
		return nil, dbError(op, err, "", "")
	}
	if run != 0 && !merged {
		b := newBloom(len(prints), runBloomBits)
		for _, p := range prints {
			b.add(p.Hash)
		}
		filters.put(run, b)
	}
	if err := s.libraryRecheck(ctx, j, prints); err != nil {
		return nil, err
	}
	return out, nil
}

// sortedPrints sorts prints, in place, in the order of the table's key: SQLite
// compares the hashes as signed integers.
func sortedPrints(prints []cpaudit.Fingerprint) []cpaudit.Fingerprint {
	slices.SortFunc(prints, func(x, y cpaudit.Fingerprint) int {
		return cmp.Or(cmp.Compare(int64(x.Hash), int64(y.Hash)), cmp.Compare(x.Pos, y.Pos))
	})
	return prints
}

// enterpriseKey returns the integer key of an enterprise in the print
// store, giving it one the first time.
func enterpriseKey(ctx context.Context, tx *sql.Tx, enterpriseID string) (int64, error) {
	var ent int64
	err := tx.QueryRowContext(ctx, `INSERT INTO analysis_enterprises (enterprise_id) VALUES (?)
		ON CONFLICT (enterprise_id) DO UPDATE SET enterprise_id = excluded.enterprise_id
		RETURNING ent`, enterpriseID).Scan(&ent)
	return ent, err
}

// printRun is a row of print_runs.
type printRun struct{ run, level, prints, dead int64 }

func listRuns(ctx context.Context, tx *sql.Tx) ([]printRun, error) {
	rows, err := tx.QueryContext(ctx, `SELECT run, level, prints, dead FROM print_runs ORDER BY run`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var runs []printRun
	for rows.Next() {
		var r printRun
		if err := rows.Scan(&r.run, &r.level, &r.prints, &r.dead); err != nil {
			return nil, err
		}
		runs = append(runs, r)
	}
	return runs, rows.Err()
}

// jsonPairs writes pairs of integers as a JSON array of two-element
// arrays, the one parameter through which a statement reads thousands of
// rows (json_each): binding them one by one would spend most of the time
// crossing into cgo and parsing placeholders.
func jsonPairs(n int, pair func(i int) (int64, int64)) string {
	b := make([]byte, 0, 32*n+2)
	b = append(b, '[')
	for i := range n {
		x, y := pair(i)
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = strconv.AppendInt(b, x, 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, y, 10)
		b = append(b, ']')
	}
	return string(append(b, ']'))
}

// appendRun writes the (sorted) prints of doc as a new run of level 0,
// in key order, so that they fill new pages at the end of the table, and
// returns the run.
func appendRun(ctx context.Context, tx *sql.Tx, doc int64, prints []cpaudit.Fingerprint) (int64, error) {
	var run int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO print_runs (level, prints) VALUES (0, ?) RETURNING run`, len(prints)).Scan(&run); err != nil {
		return 0, err
	}
	_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO prints (run, hash, doc, pos)
		SELECT ?, value ->> 0, ?, value ->> 1 FROM json_each(?)`,
		run, doc, jsonPairs(len(prints), func(i int) (int64, int64) { return int64(prints[i].Hash), int64(prints[i].Pos) }))
	return run, err
}

// sharedPrint is a print of another live document with the same hash as
// one of the analysed document's: at pos there, at at here.
type sharedPrint struct {
	hash     uint64
	at       int
	doc, ent int64
	pos      int
}

// sharedPrints returns the prints, in runs (committed before this
// document's), that share a hash not yet boilerplate with the (sorted)
// prints. A print is looked for in the runs only if the filter of all
// prints may hold it, and a run is sought only for the hashes its filter
// may hold.
//
// only, when not nil, holds the only hashes that may be shared (those of
// shared_hashes: see sharedHashes); the others are not looked for.
// libCommon holds hashes that are common text although not boilerplate
// here: the guideline library's (libraryCommon).
func sharedPrints(ctx context.Context, tx *sql.Tx, prints []cpaudit.Fingerprint, only, libCommon map[uint64]bool, runs []printRun, filters map[int64]*bloom, all *bloom) ([]sharedPrint, error) {
	type candidate struct {
		run  int64
		hash uint64
	}
	var maybe []uint64 // most prints are in no run
	for i, p := range prints {
		if (only != nil && !only[p.Hash]) || libCommon[p.Hash] {
			continue
		}
		if (i == 0 || prints[i-1].Hash != p.Hash) && all.mayHold(p.Hash) {
			maybe = append(maybe, p.Hash)
		}
	}
	maybe, err := notBoilerplate(ctx, tx, maybe)
	if err != nil {
		return nil, err
	}
	var cands []candidate
	for _, r := range runs { // a run at a time, one filter in the cache
		f := filters[r.run]
		for _, h := range maybe {
			if f.mayHold(h) {
				cands = append(cands, candidate{r.run, h})
			}
		}
	}
	if len(cands) == 0 {
		return nil, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT b.hash, b.doc, d.ent, b.pos
		FROM json_each(?) c
		CROSS JOIN prints b
		JOIN analysed_docs d ON d.doc = b.doc
		WHERE b.run = c.value ->> 0 AND b.hash = c.value ->> 1`,
		jsonPairs(len(cands), func(i int) (int64, int64) { return cands[i].run, int64(cands[i].hash) }))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sharedPrint
	for rows.Next() {
		var p sharedPrint
		var h int64
		if err := rows.Scan(&h, &p.doc, &p.ent, &p.pos); err != nil {
			return nil, err
		}
		p.hash = uint64(h)
		// Every place of the hash in the analysed text.
		i, _ := slices.BinarySearchFunc(prints, h, func(f cpaudit.Fingerprint, h int64) int { return cmp.Compare(int64(f.Hash), h) })
		for ; i < len(prints) && int64(prints[i].Hash) == h; i++ {
			p.at = prints[i].Pos
			out = append(out, p)
		}
	}
	return out, rows.Err()
}

// notBoilerplate returns the hashes (sorted, as signed integers) that
// are not boilerplate yet. Boilerplate is in the runs of many documents,
// so its hashes, left in, would pass many runs' filters and be sought in
// each of those runs only to be dropped: a cost per report that grew with
// the tenant.
func notBoilerplate(ctx context.Context, tx *sql.Tx, hashes []uint64) ([]uint64, error) {
	if len(hashes) == 0 {
		return hashes, nil
	}
	common, err := hashSet(ctx, tx, `SELECT b.hash FROM json_each(?) c JOIN boilerplate b ON b.hash = c.value`, jsonInts(hashes))
	if err != nil || len(common) == 0 {
		return hashes, err
	}
	out := hashes[:0]
	for _, h := range hashes {
		if !common[h] {
			out = append(out, h)
		}
	}
	return out, nil
}

// markBoilerplate records as boilerplate (caused by job j) the hashes of
// run found in a guideline or in the documents of at least min
// enterprises, the analysed one (of enterprise ent, 0 for a guideline)
// included, and queues again the flagged documents that hold them. It
// returns the hashes it marked.
func (s *Store) markBoilerplate(ctx context.Context, tx *sql.Tx, j cpaudit.AnalysisJob, run, ent int64, shared []sharedPrint, min int) (map[uint64]bool, error) {
	common := map[uint64]bool{}
	var added int64
	if ent == 0 || min <= 1 {
		// Every print of a guideline is common text (and, with a
		// threshold of one, every print of anything).
		res, err := tx.ExecContext(ctx, `INSERT INTO boilerplate (hash, cause)
			SELECT DISTINCT hash, ? FROM prints WHERE run = ? ORDER BY hash
			ON CONFLICT (hash) DO NOTHING`, j.ID, run)
		if err != nil {
			return nil, err
		}
		added, _ = res.RowsAffected()
		for _, p := range shared {
			common[p.hash] = true
		}
	} else {
		holders := map[uint64]map[int64]bool{}
		for _, p := range shared {
			if holders[p.hash] == nil {
				holders[p.hash] = map[int64]bool{ent: true}
			}
			holders[p.hash][p.ent] = true
		}
		var hashes []uint64
		for h, ents := range holders {
			if ents[0] || len(ents) >= min {
				common[h] = true
				hashes = append(hashes, h)
			}
		}
		slices.Sort(hashes)
		res, err := tx.ExecContext(ctx, `INSERT INTO boilerplate (hash, cause)
			SELECT value, ? FROM json_each(?) WHERE true
			ON CONFLICT (hash) DO NOTHING`, j.ID, jsonInts(hashes))
		if err != nil {
			return nil, err
		}
		added, _ = res.RowsAffected()
	}
	if added == 0 {
		return common, nil
	}
	// Flags raised before this text made their passages common are
	// re-examined.
	q, args := requeueFlaggedHolding(`SELECT hash FROM boilerplate WHERE cause = ?`, []any{j.ID}, j.Source.DocumentID, micros(s.clock()))
	_, err := tx.ExecContext(ctx, q, args...)
	return common, err
}

// requeueFlaggedHolding is the statement (and its arguments) that queues
// for analysis again the documents, but except, flagged duplicate_text
// or template_text that hold one of the hashes hashSource selects (a SELECT of one column,
// hash, taking sourceArgs), unless a job of theirs is already waiting:
// their flags were raised before those passages became common text.
func requeueFlaggedHolding(hashSource string, sourceArgs []any, except string, now int64) (string, []any) {
	q := `INSERT INTO jobs (kind, document_id, version, not_before, created_at)
		SELECT ?, x.id, x.versions, ?, ? FROM documents x
		WHERE x.id <> ?
			AND x.id IN (SELECT d.document_id FROM (` + hashSource + `) c
				CROSS JOIN print_runs r
				CROSS JOIN prints p
				JOIN analysed_docs d ON d.doc = p.doc
				WHERE p.run = r.run AND p.hash = c.hash)
			AND (x.id IN (SELECT doc_a FROM flags WHERE kind IN (?, ?)) OR x.id IN (SELECT doc_b FROM flags WHERE kind IN (?, ?)))
			AND NOT EXISTS (SELECT 1 FROM jobs q WHERE q.document_id = x.id AND q.kind = ? AND q.attempts = 0)`
	args := append([]any{jobAnalyse, now, now, except}, sourceArgs...)
	text, tmpl := string(cpaudit.FlagDuplicateText), string(cpaudit.FlagTemplateText)
	return q, append(args, text, tmpl, text, tmpl, jobAnalyse)
}

// jsonInts writes hashes as a JSON array of (signed) integers.
func jsonInts(hashes []uint64) string {
	b := make([]byte, 0, 21*len(hashes)+2)
	b = append(b, '[')
	for i, h := range hashes {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(h), 10)
	}
	return string(append(b, ']'))
}

// seedMatches groups the shared prints that are not common, of documents
// of enterprises other than ent and not deleted, by document.
func seedMatches(ctx context.Context, tx *sql.Tx, ent int64, shared []sharedPrint, common map[uint64]bool) ([]cpaudit.SeedMatch, error) {
	byDoc := map[int64][][2]int{}
	for _, p := range shared {
		if p.ent != 0 && p.ent != ent && !common[p.hash] {
			byDoc[p.doc] = append(byDoc[p.doc], [2]int{p.at, p.pos})
		}
	}
	out := make([]cpaudit.SeedMatch, 0, len(byDoc))
	for doc, seeds := range byDoc {
		m := cpaudit.SeedMatch{Seeds: seeds}
		var uploaded int64
		err := tx.QueryRowContext(ctx, `SELECT a.document_id, d.kind, a.runes, a.uploaded_at FROM analysed_docs a
			JOIN documents d ON d.id = a.document_id AND d.deleted_at IS NULL
			WHERE a.doc = ?`, doc).Scan(&m.DocumentID, &m.Kind, &m.Runes, &uploaded)
		if err == sql.ErrNoRows {
			continue
		} else if err != nil {
			return nil, err
		}
		m.UploadedAt = fromMicros(uploaded)
		slices.SortFunc(m.Seeds, func(x, y [2]int) int { return cmp.Or(cmp.Compare(x[0], y[0]), cmp.Compare(x[1], y[1])) })
		out = append(out, m)
	}
	slices.SortFunc(out, func(x, y cpaudit.SeedMatch) int { return strings.Compare(x.DocumentID, y.DocumentID) })
	return out, nil
}

// AnalysedText returns the text whose fingerprints are stored for a
// document (the offsets of MatchFingerprints refer to it); KindNotFound
// if there is none.
func (s *Store) AnalysedText(ctx context.Context, tenantID, docID string) (string, error) {
	db, err := s.tenantDB(ctx, tenantID)
	if err != nil {
		return "", err
	}
	var text string
	err = db.QueryRowContext(ctx, `SELECT t.text FROM analysed_docs a
		JOIN document_texts t ON t.document_id = a.document_id AND t.version = a.version
		WHERE a.document_id = ?`, docID).Scan(&text)
	return text, dbError("storage.AnalysedText", err, "no analysed text", "")
}

// printsSum identifies a list of sorted prints (FNV-1a of hashes and
// positions), never 0, which stands for unknown in analysed_docs.
func printsSum(prints []cpaudit.Fingerprint) uint64 {
	h := fnv.New64a()
	var b [16]byte
	for _, p := range prints {
		binary.LittleEndian.PutUint64(b[:8], p.Hash)
		binary.LittleEndian.PutUint64(b[8:], uint64(p.Pos))
		h.Write(b[:])
	}
	return h.Sum64() | 1
}

// sharedHashes returns the hashes recorded as shared for an analysis of a
// document (doc, its key then). They are every hash of that analysis
// that was, then or since, in another live document and not boilerplate:
// an analysis records the hashes it finds shared both for itself and for
// each document it finds them in (recordShared), so whichever of two
// documents was analysed later recorded what they share. So a document
// analysed again with the same prints, while boilerplate only grows, need
// look up no other hash: its result is the full lookup's
// (TestSharedHashesAgain).
func sharedHashes(ctx context.Context, tx *sql.Tx, doc int64) (map[uint64]bool, error) {
	return hashSet(ctx, tx, `SELECT hash FROM shared_hashes WHERE doc = ?`, doc)
}

// hashSet returns the hashes (one column) that query q selects.
func hashSet(ctx context.Context, tx *sql.Tx, q string, args ...any) (map[uint64]bool, error) {
	out := map[uint64]bool{}
	err := scanRows(ctx, tx, q, args, func(rows *sql.Rows) error {
		var h int64
		err := rows.Scan(&h)
		out[uint64(h)] = true
		return err
	})
	return out, err
}

// recordShared records the hashes of shared as shared for doc (the
// analysed document's key) and for the document each was found in.
func recordShared(ctx context.Context, tx *sql.Tx, doc int64, shared []sharedPrint) error {
	if len(shared) == 0 {
		return nil
	}
	seen := map[[2]int64]bool{}
	var pairs [][2]int64
	for _, p := range shared {
		for _, k := range [][2]int64{{doc, int64(p.hash)}, {p.doc, int64(p.hash)}} {
			if !seen[k] {
				seen[k] = true
				pairs = append(pairs, k)
			}
		}
	}
	_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO shared_hashes (doc, hash)
		SELECT value ->> 0, value ->> 1 FROM json_each(?)`,
		jsonPairs(len(pairs), func(i int) (int64, int64) { return pairs[i][0], pairs[i][1] }))
	return err
}
