package handlers

import (
	"bytes"
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

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// importForm is a read enterprise import upload.
type importForm struct {
	fields map[string]string // batch_id, consultancy_id, csrf
	table  sheet.Table
}

// readImportForm reads a multipart form whose part "file" is an .xlsx
// sheet, within importLimits; other parts are short text fields.
func (s *Server) readImportForm(w http.ResponseWriter, r *http.Request) (importForm, error) {
	lim := importLimits()
	limit := lim.MaxBytes + formSlack
	if r.ContentLength > limit {
		return importForm{}, cpaudit.Refuse(cpaudit.KindTooLarge, cpaudit.CodeSheetTooLarge, "the sheet is larger than %d MiB", lim.MaxBytes>>20).With("max", strconv.FormatInt(lim.MaxBytes>>20, 10))
	}
	if err := limitBody(w, r, limit, "the sheet"); err != nil {
		return importForm{}, err
	}
	mr, release, err := s.openForm(r, "send the sheet as multipart/form-data with a part named file")
	if err != nil {
		return importForm{}, err
	}
	defer release()
	form := importForm{fields: map[string]string{}}
	got := false
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return importForm{}, uploadReadError(err)
		}
		name := part.FormName()
		switch {
		case name == "file" && !got:
			body := &bodyErrors{r: part}
			t, err := sheet.Read(r.Context(), body, lim)
			if body.err != nil { // cut off or too large, not a bad sheet
				return importForm{}, uploadReadError(body.err)
			}
			if err != nil {
				return importForm{}, err
			}
			form.table, got = t, true
		case len(form.fields) < 8:
			b, err := io.ReadAll(io.LimitReader(part, 1024))
			if err != nil {
				return importForm{}, uploadReadError(err)
			}
			form.fields[name] = strings.TrimSpace(string(b))
		default:
			return importForm{}, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeUploadTooManyFields, "the form has too many fields")
		}
	}
	if !got {
		return importForm{}, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeImportNoFile, "the form has no file: send the sheet in a part named file")
	}
	return form, nil
}

// bodyErrors remembers the error of a request body read through it, so
// that a body that broke off inside the sheet is the client's 400 (or 413),
// where sheet.Read, which cannot tell its reader's errors apart, would
// make it ours.
type bodyErrors struct {
	r   io.Reader
	err error
}

func (b *bodyErrors) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		b.err = err
	}
	return n, err
}

// importEnterprises parses the sheet's rows and imports the valid ones.
func (s *Server) importEnterprises(r *http.Request, form importForm) (cpaudit.ImportResult, error) {
	rows := make([][]string, len(form.table.Rows))
	for i, row := range form.table.Rows {
		rows[i] = make([]string, len(row))
		for j, c := range row {
			rows[i][j], _ = c.(string)
		}
	}
	valid, rejected, err := cpaudit.ParseEnterpriseRows(form.table.Header, rows)
	if err != nil {
		return cpaudit.ImportResult{}, err
	}
	return s.store.ImportEnterprises(r.Context(), actorOf(r), cpaudit.EnterpriseImport{
		Rows: valid, Rejected: rejected, BatchID: form.fields["batch_id"], ConsultancyID: form.fields["consultancy_id"]})
}

// apiImportEnterprises answers {"id","created","updated","audits_created","rejected"}.
func (s *Server) apiImportEnterprises(w http.ResponseWriter, r *http.Request) error {
	if a := actorOf(r); a.Role != cpaudit.RoleAdmin && a.Role != cpaudit.RoleRegulator {
		// Refuse before reading a sheet nobody may import.
		return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeImportNotAllowed, "only an admin or a regulator may import enterprises")
	}
	form, err := s.readImportForm(w, r)
	if err != nil {
		return err
	}
	res, err := s.importEnterprises(r, form)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, res)
	return nil
}

// importTemplate is the sheet users fill in: Chinese headers, each with
// its English name and format as a cell comment, and one example row.
func importTemplate() sheet.Table {
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

func (s *Server) apiImportTemplate(w http.ResponseWriter, r *http.Request) error {
	return writeSheet(w, "enterprise-import-template.xlsx", importTemplate())
}

// apiImportRejected downloads the rejected rows of an import as .xlsx.
func (s *Server) apiImportRejected(w http.ResponseWriter, r *http.Request) error {
	res, err := s.store.EnterpriseImportResult(r.Context(), actorOf(r), param(r, "id"))
	if err != nil {
		return err
	}
	t := sheet.Table{Sheet: "未导入的行", Header: []string{"行号 (row)", "列 (column)", "原因 (reason)"}}
	// Downloaded from a page, the reasons are in the page's language; the
	// API's are its English detail.
	wi, fromPage := r.Context().Value(webKey).(*webInfo)
	for _, rj := range res.Rejected {
		reason := rj.Reason
		if fromPage {
			reason = rejectionText(wi.Lang, rj)
		}
		t.Rows = append(t.Rows, []any{rj.Row, rj.Column, reason})
	}
	return writeSheet(w, "rejected-"+res.ID+".xlsx", t)
}

// writeSheet renders t into a buffer first, so a failure gives a clean
// error instead of half a workbook.
func writeSheet(w http.ResponseWriter, filename string, t sheet.Table) error {
	var buf bytes.Buffer
	if err := sheet.Write(&buf, t); err != nil {
		return cpaudit.Internal("handlers.writeSheet", err)
	}
	w.Header().Set("Content-Type", xlsxType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": filename}))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
	return nil
}
