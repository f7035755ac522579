package httpx

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/sheet"
)

// SourceForm is a read screening source upload: its text fields (name,
// csrf) and the table of its file, an .xlsx workbook or a UTF-8 CSV.
type SourceForm struct {
	Fields map[string]string
	Header []string
	Rows   [][]string
}

// ReadSourceForm reads a multipart form whose part "file" is the source
// data, within the limits of the enterprise import (importLimits): the
// same bounds on the file, its unzipped parts, rows and columns and wall
// time hold for .xlsx, and the bytes, rows and columns for CSV.
func (k *Kit) ReadSourceForm(w http.ResponseWriter, r *http.Request) (SourceForm, error) {
	form := SourceForm{}
	fields, err := k.readFileForm(w, r, "the source data", func(part io.Reader, lim sheet.Limits) error {
		data, err := io.ReadAll(io.LimitReader(part, lim.MaxBytes+1))
		if err != nil {
			return UploadReadError(err)
		}
		if int64(len(data)) > lim.MaxBytes {
			return cpaudit.Refuse(cpaudit.KindTooLarge, cpaudit.CodeSheetTooLarge, "the sheet is larger than %d MiB", lim.MaxBytes>>20).With("max", strconv.FormatInt(lim.MaxBytes>>20, 10))
		}
		form.Header, form.Rows, err = ReadSourceTable(r.Context(), data, lim)
		return err
	})
	form.Fields = fields
	return form, err
}

// ReadSourceTable reads data, an .xlsx workbook (by its zip signature)
// or else a CSV in UTF-8 (a byte order mark allowed) or GB18030, into a header and rows
// of text, within lim.
func ReadSourceTable(ctx context.Context, data []byte, lim sheet.Limits) ([]string, [][]string, error) {
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		t, err := sheet.Read(ctx, bytes.NewReader(data), lim)
		if err != nil {
			return nil, nil, err
		}
		return t.Header, t.TextRows(), nil
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		// Excel on Chinese Windows saves CSV in GB18030 (GBK): accept
		// it when it decodes cleanly, refuse anything else.
		decoded, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
		if err != nil || !utf8.Valid(decoded) || bytes.ContainsRune(decoded, utf8.RuneError) || bytes.IndexByte(decoded, 0) >= 0 {
			return nil, nil, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeScreeningCSVInvalid, "the file is neither an .xlsx workbook nor a UTF-8 or GB18030 CSV")
		}
		data = decoded
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord, cr.LazyQuotes = -1, true
	var header []string
	var rows [][]string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeScreeningCSVInvalid, "the CSV cannot be read: %v", err)
		}
		if len(rec) > lim.MaxCols && lim.MaxCols > 0 {
			rec = rec[:lim.MaxCols]
		}
		if header == nil {
			header = rec
			continue
		}
		if lim.MaxRows > 0 && len(rows) >= lim.MaxRows {
			return nil, nil, cpaudit.Refuse(cpaudit.KindTooLarge, cpaudit.CodeSheetTooManyRows, "the sheet has more than %d rows", lim.MaxRows).With("max", strconv.Itoa(lim.MaxRows))
		}
		rows = append(rows, rec)
	}
	if header == nil {
		return nil, nil, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeSheetEmpty, "the sheet is empty: it needs a header row")
	}
	return header, rows, nil
}

// SourceLimits are the bounds of one source upload, for programs that
// read source files outside a request (the benchmark).
func SourceLimits() sheet.Limits { return importLimits() }

// rejectedProblem is a problem whose rows were refused: the problem's
// members and, as an extension member, each rejected row with why.
type rejectedProblem struct {
	problem
	Rejected []cpaudit.ImportRejection `json:"rejected"`
}

// WriteRejectedRows answers an upload refused for its rows: 422 with the
// code screening_rows_rejected and the rows, each with its column, code
// and English reason.
func (k *Kit) WriteRejectedRows(w http.ResponseWriter, r *http.Request, rejected []cpaudit.ImportRejection) {
	status := http.StatusUnprocessableEntity
	body, _ := json.Marshal(rejectedProblem{problem: problem{Type: "about:blank", Title: http.StatusText(status), Status: status,
		Detail: strconv.Itoa(len(rejected)) + " row(s) are wrong, so nothing was imported", Code: string(cpaudit.CodeScreeningRowsRejected)},
		Rejected: rejected})
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(body)
}
