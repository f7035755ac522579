package pipeline

import (
	"context"
	"io"
	"log/slog"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/search/extract"
)

// ExtractWith is the production Extractor: package extract with its
// default time and memory budgets. The cause of a failure goes to the
// log; people see the reason.
func ExtractWith(log *slog.Logger, lim extract.Limits) Extractor {
	return func(ctx context.Context, r io.ReaderAt, size int64, contentType, filename string) cpaudit.ExtractedText {
		res := extract.Extract(ctx, r, size, contentType, filename, lim)
		if res.Err != nil {
			log.Info("text extraction did not succeed", "file", filename, "status", res.Status, "format", res.Format, "err", res.Err)
		}
		return cpaudit.ExtractedText{Status: res.Status, Text: res.Text, Reason: res.Reason, Meta: res.Meta}
	}
}
