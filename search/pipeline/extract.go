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
// log; people see the reason. The tables read with the text go with it,
// for the figures the analysis reads from them.
func ExtractWith(log *slog.Logger, lim extract.Limits) Extractor {
	return func(ctx context.Context, r io.ReaderAt, size int64, contentType, filename string) cpaudit.ExtractedText {
		res := extract.Extract(ctx, r, size, contentType, filename, lim)
		if res.Err != nil {
			log.Info("text extraction did not succeed", "file", filename, "status", res.Status, "format", res.Format, "err", res.Err)
		}
		if res.TablesCut {
			log.Info("the tables of a file were cut at their bound; figures are read from what was kept", "file", filename, "format", res.Format)
		}
		return cpaudit.ExtractedText{Status: res.Status, Text: res.Text, Reason: res.Reason, Meta: res.Meta, Tables: res.Tables}
	}
}
