package cpaudit

import "time"

// MaxXMLDepth is the deepest nesting of elements that text extraction
// reads in an Office file's XML; deeper parts are hostile, not documents.
// Whatever cpaudit accepts to fill in later (letter templates) is held to
// the same bound, so that what it makes can always be read back.
const MaxXMLDepth = 256

// ExtractedText is what text extraction made of one version of a
// document. Search, comparison and duplicate detection all read this one
// extraction, so a file is parsed once.
type ExtractedText struct {
	Status TextStatus        `json:"text_status"`
	Text   string            `json:"text,omitempty"` // normalised, see docs/api-contract.md
	Reason string            `json:"reason,omitempty"`
	Meta   map[string]string `json:"meta,omitempty"` // e.g. EXIF fields of a photo
	At     time.Time         `json:"extracted_at"`
	// Tables are the document's tables, read in the same pass as the
	// text, for the key figures a table's layout ties to its headers.
	// They are not part of the text API.
	Tables []Table `json:"-"`
	// NeedsOCR hands the extraction on to the OCR queue instead of
	// storing it: the file's text is (partly) in images. Only the
	// extraction worker sets it, and only when OCR is available.
	NeedsOCR bool `json:"-"`
}

// Table is one table of a document as the text of its cells: a sheet of
// a workbook, a table of a Word document. The text flattens a table into
// a line, which cannot say which value sits under which header; a Table
// keeps every cell in its column (an empty cell is "", so the third
// cell of a row is under the third of the header) and every row in its
// place (Rows[i] is the sheet's row i+1). Trailing empty cells of a row
// may be left out.
type Table struct {
	Name string     `json:"name"` // the sheet's name, or 表1, 表2… in document order
	Rows [][]string `json:"rows"`
}

// TextJob asks for the text of one version to be extracted. Jobs live in
// the tenant database (an outbox written in the same transaction as the
// upload), so none is lost if the process dies in between.
type TextJob struct {
	ID          int64
	TenantID    string
	DocumentID  string
	Version     int
	Attempts    int // including this one
	SHA256      string
	Size        int64
	ContentType string
	Filename    string
}
