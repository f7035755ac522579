package pipeline

import (
	"context"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/search/index"
)

// Sources pages through a tenant's documents as the index sees them.
type Sources interface {
	SearchSources(ctx context.Context, tenantID, after string, limit int) ([]cpaudit.SearchSource, int, error)
}

// rebuildPage is how many documents are read and indexed at a time.
const rebuildPage = 256

// Rebuild builds the tenant's index in dir anew from the stored texts
// (see index.Rebuild), calling progress after each page with the documents
// done and the total. It returns how many documents hold text.
func Rebuild(ctx context.Context, src Sources, tenantID, dir string, progress func(done, total int)) (int, error) {
	indexed := 0
	err := index.Rebuild(ctx, dir, func(ix *index.Index) error {
		after, done := "", 0
		for {
			page, total, err := src.SearchSources(ctx, tenantID, after, rebuildPage)
			if err != nil {
				return err
			}
			if len(page) == 0 {
				if progress != nil {
					progress(total, total)
				}
				return nil
			}
			docs := make([]index.Doc, 0, len(page))
			for _, s := range page {
				if !s.Absent {
					docs = append(docs, index.DocFrom(s))
				}
			}
			if err := ix.Put(docs...); err != nil {
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			indexed += len(docs)
			done += len(page)
			after = page[len(page)-1].DocumentID
			if progress != nil {
				progress(min(done, total), total)
			}
		}
	})
	return indexed, err
}
