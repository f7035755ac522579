package pipeline

import (
	"context"
	"errors"
	"io"
	"log/slog"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/search/extract"
)

// ExtractWith is the Extractor of a server without OCR: package extract
// with its time and memory budgets, and images and scanned pages left
// unread (see withoutOCR). The cause of a failure goes to the log; people
// see the reason. The tables read with the text go with it, for the
// figures the analysis reads from them. The server itself uses
// ExtractWithOCR.
func ExtractWith(log *slog.Logger, lim extract.Limits) Extractor {
	return ExtractWithOCR(log, lim, errNoOCR)
}

var errNoOCR = errors.New("OCR is disabled")

func extractLogged(ctx context.Context, log *slog.Logger, r io.ReaderAt, size int64, contentType, filename string, lim extract.Limits) extract.Result {
	res := extract.Extract(ctx, r, size, contentType, filename, lim)
	if res.Err != nil {
		log.Info("text extraction did not succeed", "file", filename, "status", res.Status, "format", res.Format, "err", res.Err)
	}
	if res.TablesCut {
		log.Info("the tables of a file were cut at their bound; figures are read from what was kept", "file", filename, "format", res.Format)
	}
	return res
}

func textOf(res extract.Result) cpaudit.ExtractedText {
	return cpaudit.ExtractedText{Status: res.Status, Text: res.Text, Reason: res.Reason, Meta: res.Meta, Tables: res.Tables}
}
