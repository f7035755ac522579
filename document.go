package cpaudit

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// DocKind is what a document is for.
type DocKind string

const (
	DocReport    DocKind = "report"    // an audit report (interim or final)
	DocEvidence  DocKind = "evidence"  // supporting evidence for a step
	DocGuideline DocKind = "guideline" // an industry guideline, readable by the whole tenant
	DocOther     DocKind = "other"
)

// ParseDocKind returns the kind named s, or a KindInvalid error.
func ParseDocKind(s string) (DocKind, error) {
	switch k := DocKind(s); k {
	case DocReport, DocEvidence, DocGuideline, DocOther:
		return k, nil
	case "":
		return "", Refuse(KindInvalid, CodeDocKindRequired, "kind is required: report, evidence, guideline or other")
	}
	return "", Refuse(KindInvalid, CodeDocKindUnknown, "unknown kind %q: use report, evidence, guideline or other", s).With("value", s)
}

// TextStatus is how far text extraction of a version has come.
type TextStatus string

const (
	TextPending     TextStatus = "pending"
	TextDone        TextStatus = "done"
	TextFailed      TextStatus = "failed"
	TextUnsupported TextStatus = "unsupported"
)

// Document is a named, versioned file in a tenant: a report, evidence, a
// guideline. Uploading again adds a version; old versions are kept.
type Document struct {
	ID        string    `json:"id"`
	Kind      DocKind   `json:"kind"`
	Title     string    `json:"title"`
	AuditID   string    `json:"audit_id,omitempty"`
	Step      int       `json:"step,omitempty"` // 1..35, 0 when not tied to a step
	OrgID     string    `json:"org_id,omitempty"`
	CreatedBy string    `json:"created_by"` // e-mail of the uploader
	CreatedAt time.Time `json:"created_at"`

	// Current is the newest version; its fields are repeated at the top level
	// of the API answer.
	Current  DocumentVersion   `json:"-"`
	Versions []DocumentVersion `json:"versions,omitempty"`
}

// DocumentVersion is one upload of a document's bytes.
type DocumentVersion struct {
	Number      int        `json:"number"`
	SHA256      string     `json:"sha256"`
	Size        int64      `json:"size"`
	ContentType string     `json:"content_type"`
	Filename    string     `json:"filename"`
	UploadedBy  string     `json:"uploaded_by"`
	UploadedAt  time.Time  `json:"uploaded_at"`
	TextStatus  TextStatus `json:"text_status"`
}

// NewDocument is what an upload says about the file besides its bytes.
type NewDocument struct {
	Kind        DocKind
	Title       string // defaults to the file name
	AuditID     string
	Step        int
	Filename    string
	ContentType string // sniffed from the bytes by the caller
}

// ValidateStep checks a step number (0 means none).
func ValidateStep(step int) error {
	if step < 0 || step > StepCount {
		return Refuse(KindInvalid, CodeStepOutOfRange, "step %d is outside 1..%d", step, StepCount)
	}
	return nil
}

// CleanFilename keeps the last path element of a client-supplied file name,
// cleaned by CleanName, so it is safe to store and to echo back.
func CleanFilename(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimSpace(CleanName(name))
	if r := []rune(name); len(r) > 200 {
		name = string(r[:200])
	}
	if name == "" || name == "." || name == ".." {
		return "file"
	}
	return name
}

// CleanName removes from a name that users give and others are shown (a
// file name, a document's title) the characters that make it display
// other than it reads: control characters, line and paragraph separators,
// and the bidirectional formatting controls (U+061C, U+200E, U+200F,
// U+202A-U+202E, U+2066-U+2069). With a right-to-left override,
// "报告\u202Efdp.exe" shows as 报告exe.pdf (issue 24). Joiners and
// other format characters that scripts and emoji need are kept.
func CleanName(name string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || unicode.In(r, unicode.Zl, unicode.Zp) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
}

// DocumentFilter selects a page of documents.
type DocumentFilter struct {
	Kind    DocKind
	AuditID string
	Limit   int // default 20, at most 200
	Offset  int
}

// Page clamps limit and offset to sane values.
func (f *DocumentFilter) Page() {
	if f.Limit <= 0 {
		f.Limit = 20
	}
	if f.Limit > 200 {
		f.Limit = 200
	}
	if f.Offset < 0 {
		f.Offset = 0
	}
}

// Staged is an upload received whole and hashed into a temporary file by
// the store (Stage), waiting to be stored together with its row. Only the
// store that staged it can store it; Close discards it and may be called
// more than once.
type Staged interface {
	// Sum is the SHA-256 (hex) and the size of the staged bytes.
	Sum() (sha256 string, size int64)
	Close() error
}
