package cpaudit

import "time"

// ExtractedText is what text extraction made of one version of a
// document. Search, comparison and duplicate detection all read this one
// extraction, so a file is parsed once.
type ExtractedText struct {
	Status TextStatus        `json:"text_status"`
	Text   string            `json:"text,omitempty"` // normalised, see ../shared/API.md
	Reason string            `json:"reason,omitempty"`
	Meta   map[string]string `json:"meta,omitempty"` // e.g. EXIF fields of a photo
	At     time.Time         `json:"extracted_at"`
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
