package storage

// The detector's indexes: what the duplicate analysis (search/detect, run
// by search/pipeline's Analyzer) keeps in each tenant database so that a
// new document is compared with the whole tenant without reading the other
// documents. They live in the files named detindex_*.go; the rest of this
// package is the tenant's records. Each index answers one question at a
// cost that does not grow with the tenant's size, which is what lets the
// analysis keep up as a province's reports pile up.
//
//   - Text fingerprints (detindex_prints.go, migration 014; tables
//     print_runs, prints, analysed_docs, analysis_enterprises): the
//     winnowed 13-gram hashes of every analysed text. A document's prints
//     are appended as one sorted run and runs merge like a log-structured
//     merge tree (detindex_print_merge.go), so storing a report writes a
//     few dozen pages at the end of a table instead of one random leaf per
//     print. "Which documents share prints with this one" checks Bloom
//     filters kept in memory (detindex_print_filters.go: one of every
//     print, one per run) before seeking a run. Prints found in a
//     guideline or in many enterprises' documents are marked boilerplate
//     and never seed a passage; the prints each document was found to
//     share are kept (shared_hashes, migration 017) so a re-analysis of
//     the same text starts from them; indexed by hash too (migration
//     027), they answer "which documents are most like this one"
//     (detindex_similar.go).
//   - Image hashes (detindex_image_bands.go, migrations 013, 016, 018;
//     tables image_hashes, image_bands): each 64-bit pHash and dHash cut
//     into four 16-bit bands under an indexed key. By the pigeonhole
//     principle any stored image within 7 bits of a new one shares a band
//     within 1 bit, so a lookup probes 17 keys a band instead of scanning
//     every hash; the covering index carries the four hashes, so only
//     images within the detector's thresholds are read (images.go).
//   - Figures and numbers (figures.go, migration 012; doc_figures,
//     doc_numbers): key figures per audit, and invoice, certificate and
//     monitoring report numbers under an index on the number, so "who else
//     used this number" is one indexed lookup.
//
// All of them are derived data: a document analysed again replaces its
// rows, and deleting a document removes them (document_delete.go).
