// Package search owns what cpaudit does with the content of documents:
// extracting their text (search/extract), running that work off the
// upload path through the durable job queue (search/pipeline), and, with
// the search issue, indexing it in bleve.
//
// It speaks domain types only: it never imports storage, net/http or a
// database driver. What it needs from storage it declares as small
// interfaces, which cmd/cpaudit satisfies with the real store.
package search
