package storage

// This file makes the guideline library's text common text for the
// duplicate analysis of every tenant (issue 22). The library is a tenant
// like the others, so its guidelines are analysed by its own pipeline and
// their fingerprints, every one of them, end in its boilerplate table
// (markBoilerplate). Two things follow here:
//
//   - pull: a document analysed in another tenant looks its fingerprints
//     up in the library's boilerplate table first (one indexed join), and
//     those found there are never looked for among the tenant's documents,
//     exactly as the tenant's own boilerplate is not (sharedPrints);
//   - push: once a library guideline is analysed, every other tenant
//     queues again its documents flagged duplicate_text that hold one of
//     the guideline's fingerprints, so a flag raised before the guideline
//     was published goes, as it does for a tenant's own guideline.
//
// Nothing of a tenant is written to the library or read by it, and no
// tenant reads another's rows: each tenant only asks the library's table
// whether hashes of its own text are common.

import (
	"context"
	"slices"

	"github.com/cpaudit/cpaudit"
)

// libraryCommon returns the hashes of prints (sorted) that are common
// text in the guideline library, for the analysis of job j in another
// tenant; nil when there is no library, j is in it, or j's document is a
// guideline or gone (those share nothing anyway).
func (s *Store) libraryCommon(ctx context.Context, j cpaudit.AnalysisJob, prints []cpaudit.Fingerprint) (map[uint64]bool, error) {
	if j.Source.Absent || j.Source.Guideline || len(prints) == 0 {
		return nil, nil
	}
	lib, err := s.LibraryID(ctx)
	if err != nil || lib == "" || lib == j.TenantID {
		return nil, err
	}
	db, err := s.tenantDB(ctx, lib)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT b.hash FROM json_each(?) c JOIN boilerplate b ON b.hash = c.value`,
		jsonInts(distinctHashes(prints)))
	if err != nil {
		return nil, dbError("storage.libraryCommon", err, "", "")
	}
	defer rows.Close()
	common := map[uint64]bool{}
	for rows.Next() {
		var h int64
		if err := rows.Scan(&h); err != nil {
			return nil, dbError("storage.libraryCommon", err, "", "")
		}
		common[uint64(h)] = true
	}
	return common, dbError("storage.libraryCommon", rows.Err(), "", "")
}

// libraryRecheck, after a guideline of the library has been analysed
// (job j, its prints sorted), queues again in every other tenant the
// documents flagged duplicate_text that hold one of its hashes: their
// passages may now be common text. It is run before the job completes,
// so a crash runs it again; documents already waiting are not queued
// twice.
func (s *Store) libraryRecheck(ctx context.Context, j cpaudit.AnalysisJob, prints []cpaudit.Fingerprint) error {
	if !j.Source.Guideline || j.Source.Absent || len(prints) == 0 {
		return nil
	}
	lib, err := s.LibraryID(ctx)
	if err != nil || lib != j.TenantID {
		return err
	}
	tenants, err := s.Tenants(ctx)
	if err != nil {
		return err
	}
	hashes := jsonInts(distinctHashes(prints))
	for _, t := range tenants {
		if t.ID == lib {
			continue
		}
		db, err := s.tenantDB(ctx, t.ID)
		if err != nil {
			return err
		}
		q, args := requeueFlaggedHolding(`SELECT value AS hash FROM json_each(?)`, []any{hashes}, "", micros(s.clock()))
		_, err = db.exec(ctx, q, args...)
		if err != nil {
			return dbError("storage.libraryRecheck", err, "", "")
		}
	}
	return nil
}

// distinctHashes returns the hashes of sorted prints, each once.
func distinctHashes(prints []cpaudit.Fingerprint) []uint64 {
	hashes := make([]uint64, 0, len(prints))
	for _, p := range prints {
		hashes = append(hashes, p.Hash)
	}
	return slices.Compact(hashes)
}
