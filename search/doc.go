// Package search owns what cpaudit does with the content of documents:
// extracting their text (search/extract), indexing it in bleve
// (search/index), finding passages that documents share (search/detect),
// and running that work off the upload path through the durable job queue
// (search/pipeline).
//
// It speaks domain types only: it never imports storage, net/http or a
// database driver. What it needs from storage it declares as small
// interfaces, which cmd/cpaudit satisfies with the real store.
package search
