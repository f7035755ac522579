package storage

// This file owns the merging of print runs (see detindex_prints.go): which runs
// merge when, and the sorted append that merges them.

import (
	"context"
	"database/sql"
)

// runFanIn is how many runs of one level are merged into one of the
// next: the larger, the fewer times a print is rewritten and the more
// runs a lookup checks (cheap, through their filters).
const runFanIn = 8

// topLevel is the level of the largest runs (runFanIn^2 = 64 documents,
// about 700,000 prints of reports): they are not merged further, so a
// print is written at most three times (merging them too cost a rewrite
// of 5.6 million rows at the 512th report), and a report costs the same
// in a tenant of 250 or of 15,000 reports but for one filter check per
// top run and print (15,000 reports make about 230 top runs: some 2.5
// million checks of ~50 ns, mostly a cache miss, about 0.1 s a report).
// A top run is rewritten alone once half its prints are dead.
const topLevel = 2

// mergeRuns merges the newest runFanIn runs when they are of one level
// below topLevel, and so on up the levels, and rewrites the top runs
// that are mostly dead, dropping the prints of documents analysed again
// since; it says whether it merged anything.
func mergeRuns(ctx context.Context, tx *sql.Tx) (bool, error) {
	runs, err := listRuns(ctx, tx)
	if err != nil {
		return false, err
	}
	merged := false
	for level := int64(0); level < topLevel; level++ {
		k := 0
		for k < len(runs) && runs[len(runs)-1-k].level == level {
			k++
		}
		if k < runFanIn {
			break
		}
		into, err := mergeRange(ctx, tx, runs[len(runs)-k:], level+1)
		if err != nil {
			return false, err
		}
		runs = append(runs[:len(runs)-k], into)
		merged = true
	}
	for _, r := range runs {
		if r.level >= topLevel && 2*r.dead > r.prints {
			if _, err := mergeRange(ctx, tx, []printRun{r}, r.level); err != nil {
				return false, err
			}
		}
	}
	return merged, nil
}

// mergeRange merges the (consecutive) runs into a new run of level, with
// one sorted append, leaving out dead prints.
func mergeRange(ctx context.Context, tx *sql.Tx, runs []printRun, level int64) (printRun, error) {
	into := printRun{level: level}
	lo, hi := runs[0].run, runs[len(runs)-1].run
	var dead int64
	for _, r := range runs {
		dead += r.dead
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO print_runs (level, prints) VALUES (?, 0) RETURNING run`, level).Scan(&into.run); err != nil {
		return into, err
	}
	q := `INSERT INTO prints (run, hash, doc, pos)
		SELECT ?, hash, doc, pos FROM prints WHERE run BETWEEN ? AND ? ORDER BY hash, doc, pos`
	if dead > 0 {
		q = `INSERT INTO prints (run, hash, doc, pos)
			SELECT ?, hash, doc, pos FROM prints
			WHERE run BETWEEN ? AND ? AND doc IN (SELECT doc FROM analysed_docs)
			ORDER BY hash, doc, pos`
	}
	res, err := tx.ExecContext(ctx, q, into.run, lo, hi)
	if err != nil {
		return into, err
	}
	if into.prints, err = res.RowsAffected(); err != nil {
		return into, err
	}
	for _, q := range []string{`DELETE FROM prints WHERE run BETWEEN ? AND ?`, `DELETE FROM print_runs WHERE run BETWEEN ? AND ?`} {
		if _, err := tx.ExecContext(ctx, q, lo, hi); err != nil {
			return into, err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE analysed_docs SET run = ? WHERE run BETWEEN ? AND ?`, into.run, lo, hi); err != nil {
		return into, err
	}
	_, err = tx.ExecContext(ctx, `UPDATE print_runs SET prints = ? WHERE run = ?`, into.prints, into.run)
	return into, err
}
