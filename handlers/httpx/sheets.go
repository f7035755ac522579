package httpx

import (
	"bytes"
	"context"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/sheet"
)

// importLimits bound one uploaded enterprise sheet: a list of a
// province's enterprises is a few thousand rows and well under a MiB, so
// these leave room while refusing what can only be abuse.
func importLimits() sheet.Limits {
	return sheet.Limits{MaxBytes: 10 << 20, MaxUnzip: 100 << 20, MaxRows: 50_000, MaxCols: 64, Budget: 30 * time.Second}
}

const XLSXType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// ImportForm is a read enterprise import upload.
type ImportForm struct {
	Fields map[string]string // batch_id, consultancy_id, csrf
	Table  sheet.Table
}

// ReadImportForm reads a multipart form whose part "file" is an .xlsx
// sheet, within importLimits; other parts are short text fields.
func (k *Kit) ReadImportForm(w http.ResponseWriter, r *http.Request) (ImportForm, error) {
	form := ImportForm{}
	fields, err := k.readFileForm(w, r, "the sheet", func(part io.Reader, lim sheet.Limits) error {
		body := &bodyErrors{r: part}
		t, err := sheet.Read(r.Context(), body, lim)
		if body.err != nil { // cut off or too large, not a bad sheet
			return UploadReadError(body.err)
		}
		form.Table = t
		return err
	})
	form.Fields = fields
	return form, err
}

// readFileForm reads a multipart form of one part "file", given to
// readFile with the import limits, and at most 8 short text fields, which
// it returns; what names the file in messages.
func (k *Kit) readFileForm(w http.ResponseWriter, r *http.Request, what string, readFile func(io.Reader, sheet.Limits) error) (map[string]string, error) {
	lim := importLimits()
	limit := lim.MaxBytes + formSlack
	if r.ContentLength > limit {
		return nil, cpaudit.Refuse(cpaudit.KindTooLarge, cpaudit.CodeSheetTooLarge, "the sheet is larger than %d MiB", lim.MaxBytes>>20).With("max", strconv.FormatInt(lim.MaxBytes>>20, 10))
	}
	if err := LimitBody(w, r, limit, "the sheet"); err != nil {
		return nil, err
	}
	mr, release, err := k.OpenForm(r, "send "+what+" as multipart/form-data with a part named file")
	if err != nil {
		return nil, err
	}
	defer release()
	fields := map[string]string{}
	got := false
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, UploadReadError(err)
		}
		name := part.FormName()
		switch {
		case name == "file" && !got:
			if err := readFile(part, lim); err != nil {
				return nil, err
			}
			got = true
		case len(fields) < 8:
			b, err := io.ReadAll(io.LimitReader(part, 1024))
			if err != nil {
				return nil, UploadReadError(err)
			}
			fields[name] = strings.TrimSpace(string(b))
		default:
			return nil, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeUploadTooManyFields, "the form has too many fields")
		}
	}
	if !got {
		return nil, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeImportNoFile, "the form has no file: send %s in a part named file", what)
	}
	return fields, nil
}

// bodyErrors remembers the error of a request body read through it, so
// that a body that broke off inside the sheet is the client's 400 (or 413),
// where sheet.Read, which cannot tell its reader's errors apart, would
// make it ours.
type bodyErrors struct {
	r   io.Reader
	err error
}

// EnterpriseImporter stores an enterprise import.
type EnterpriseImporter interface {
	ImportEnterprises(ctx context.Context, a cpaudit.Actor, im cpaudit.EnterpriseImport) (cpaudit.ImportResult, error)
}

// ImportEnterprises parses the sheet's rows and imports the valid ones.
func ImportEnterprises(r *http.Request, store EnterpriseImporter, form ImportForm) (cpaudit.ImportResult, error) {
	valid, rejected, err := cpaudit.ParseEnterpriseRows(form.Table.Header, form.Table.TextRows())
	if err != nil {
		return cpaudit.ImportResult{}, err
	}
	return store.ImportEnterprises(r.Context(), ActorOf(r), cpaudit.EnterpriseImport{
		Rows: valid, Rejected: rejected, BatchID: form.Fields["batch_id"], ConsultancyID: form.Fields["consultancy_id"]})
}

// ServeImportTemplate is the handler that downloads ImportTemplate.
func ServeImportTemplate(w http.ResponseWriter, r *http.Request) error {
	return WriteSheet(w, "enterprise-import-template.xlsx", ImportTemplate())
}

// WriteRejected downloads the rows an import rejected as .xlsx, each with
// the reason reason gives for it.
func WriteRejected(w http.ResponseWriter, res cpaudit.ImportResult, reason func(cpaudit.ImportRejection) string) error {
	t := sheet.Table{Sheet: "未导入的行", Header: []string{"行号 (row)", "列 (column)", "原因 (reason)"}}
	for _, rj := range res.Rejected {
		t.Rows = append(t.Rows, []any{rj.Row, rj.Column, reason(rj)})
	}
	return WriteSheet(w, "rejected-"+res.ID+".xlsx", t)
}

// ImportTemplate is the sheet users fill in: Chinese headers, each with
// its English name and format as a cell comment, and one example row.
func ImportTemplate() sheet.Table {
	t := sheet.Table{Sheet: "企业名单"}
	example := make([]any, len(cpaudit.ImportColumns))
	for i, c := range cpaudit.ImportColumns {
		t.Header = append(t.Header, c.Zh)
		t.Notes = append(t.Notes, c.Note)
		example[i] = c.Example
	}
	// The example's credit code must pass its own check.
	example[1] = "91130100MA0CXXXX0" + string(cpaudit.CreditCodeCheck("91130100MA0CXXXX0"))
	t.Rows = [][]any{example}
	return t
}

// WriteSheet renders t into a buffer first, so a failure gives a clean
// error instead of half a workbook.
func WriteSheet(w http.ResponseWriter, filename string, t sheet.Table) error {
	var buf bytes.Buffer
	if err := sheet.Write(&buf, t); err != nil {
		return cpaudit.Internal("httpx.writeSheet", err)
	}
	w.Header().Set("Content-Type", XLSXType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": filename}))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
	return nil
}

func (b *bodyErrors) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		b.err = err
	}
	return n, err
}

// ReadDocxForm reads a multipart form whose part "file" is a Word
// template of at most max bytes (a larger one is read as max+1 bytes, for
// the template's own check to refuse); other parts are short text fields.
func (k *Kit) ReadDocxForm(w http.ResponseWriter, r *http.Request, max int64) (map[string]string, []byte, error) {
	var docx []byte
	fields, err := k.readFileForm(w, r, "the template", func(part io.Reader, _ sheet.Limits) error {
		b, err := io.ReadAll(io.LimitReader(part, max+1))
		if err != nil {
			return UploadReadError(err)
		}
		docx = b
		return nil
	})
	return fields, docx, err
}
