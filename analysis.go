package cpaudit

import (
	"encoding/json"
	"time"
)

// FlagKind is what a flag says is suspicious.
type FlagKind string

const (
	FlagDuplicateFile      FlagKind = "duplicate_file"      // identical bytes uploaded for different enterprises
	FlagDuplicateText      FlagKind = "duplicate_text"      // passages shared by documents of different enterprises
	FlagTemplateText       FlagKind = "template_text"       // passages shared by documents of clients of one consultancy: its template
	FlagDuplicateImage     FlagKind = "duplicate_image"     // the same photo for different enterprises
	FlagInconsistentFigure FlagKind = "inconsistent_figure" // a figure that disagrees with its evidence
	FlagForeignName        FlagKind = "foreign_name"        // another enterprise's name or place in a report
)

// ParseFlagKind returns the kind named s, or a KindInvalid error.
func ParseFlagKind(s string) (FlagKind, error) {
	switch k := FlagKind(s); k {
	case FlagDuplicateFile, FlagDuplicateText, FlagTemplateText, FlagDuplicateImage, FlagInconsistentFigure, FlagForeignName, FlagDuplicateNumber, FlagMissingRequirement:
		return k, nil
	}
	return "", Refuse(KindInvalid, CodeFlagKindUnknown, "unknown flag kind %q: use duplicate_file, duplicate_text, template_text, duplicate_image, inconsistent_figure, foreign_name, duplicate_number or missing_requirement", s).With("value", s)
}

// Flag is evidence that documents of different enterprises share what
// they should not. DocumentIDs are in creation order (the older first),
// or one document for a foreign_name flag; Detail is the evidence, whose
// shape depends on Kind.
type Flag struct {
	ID          string          `json:"id"`
	Kind        FlagKind        `json:"kind"`
	Score       float64         `json:"score"`
	DocumentIDs []string        `json:"document_ids"`
	Detail      json.RawMessage `json:"detail"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
	// Status is open until a regulator or expert reviews the flag.
	Status FlagStatus  `json:"status"`
	Review *FlagReview `json:"review,omitempty"`
}

// FlagStatus is where a flag stands in its review.
type FlagStatus string

const (
	FlagOpen      FlagStatus = "open"
	FlagConfirmed FlagStatus = "confirmed" // a finding was recorded against the audits involved
	FlagDismissed FlagStatus = "dismissed"
)

// FlagReview is who decided on a flag, when and why.
type FlagReview struct {
	Reason     string    `json:"reason"`
	ReviewedBy string    `json:"reviewed_by"`
	ReviewedAt time.Time `json:"reviewed_at"`
}

// ParseFlagDecision reads a review decision: confirm or dismiss.
func ParseFlagDecision(s string) (FlagStatus, error) {
	switch s {
	case "confirm":
		return FlagConfirmed, nil
	case "dismiss":
		return FlagDismissed, nil
	}
	return "", Refuse(KindInvalid, CodeDecisionInvalid, "decision must be confirm or dismiss, not %q", s)
}

// FlagFilter selects flags; zero fields select everything.
type FlagFilter struct {
	ID         string // one flag
	Kind       FlagKind
	DocumentID string
	// AuditID and ConsultancyID select the flags with a document in that
	// audit, or in an audit that consultancy runs.
	AuditID       string
	ConsultancyID string
	Status        FlagStatus // "" for any
	Sort          FlagSort   // default FlagsByScore
	Limit         int        // default 100, at most 1000
	Offset        int
}

// FlagSort orders a list of flags.
type FlagSort string

const (
	FlagsByScore FlagSort = "score" // highest score first
	FlagsByDate  FlagSort = "date"  // newest first
)

// ParseFlagSort reads a sort order; "" is by score.
func ParseFlagSort(s string) (FlagSort, error) {
	switch s {
	case "", string(FlagsByScore):
		return FlagsByScore, nil
	case string(FlagsByDate):
		return FlagsByDate, nil
	}
	return "", Refuse(KindInvalid, CodeSortInvalid, "sort must be score or date, not %q", s).With("value", s)
}

// ParseFlagStatus reads a review status filter: open, confirmed or
// dismissed; "" is any.
func ParseFlagStatus(s string) (FlagStatus, error) {
	switch st := FlagStatus(s); st {
	case "", FlagOpen, FlagConfirmed, FlagDismissed:
		return st, nil
	}
	return "", Refuse(KindInvalid, CodeFlagStatusUnknown, "status must be open, confirmed or dismissed, not %q", s).With("value", s)
}

// Page clamps limit and offset to sane values.
func (f *FlagFilter) Page() {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	if f.Limit > 1000 {
		f.Limit = 1000
	}
	if f.Offset < 0 {
		f.Offset = 0
	}
}

// Passage is a stretch of text shared by two documents: rune offsets into
// the extracted text of each (start inclusive, end exclusive) and the text
// as it reads in the first.
type Passage struct {
	AStart int    `json:"a_start"`
	AEnd   int    `json:"a_end"`
	BStart int    `json:"b_start"`
	BEnd   int    `json:"b_end"`
	Text   string `json:"text"`
	BText  string `json:"b_text,omitempty"`
}

// Comparison is how much of two texts is shared, and where.
type Comparison struct {
	Similarity float64   `json:"similarity"` // 0..1: the share of both texts covered by passages
	Passages   []Passage `json:"passages"`
}

// Fingerprint is one selected k-gram hash of a text and the rune offset at
// which the k-gram starts (see search/detect).
type Fingerprint struct {
	Hash uint64
	Pos  int
}

// AnalysisSource is what the analysis reads of one document: its newest
// extracted text and who it belongs to. EnterpriseID is the audit's
// enterprise, else the uploading organisation when it is an enterprise,
// else "": documents of no enterprise are never flagged.
type AnalysisSource struct {
	DocumentID   string
	EnterpriseID string
	Guideline    bool
	Kind         DocKind
	Version      int // the version whose text this is, 0 when none
	Text         string
	Tables       []Table // read with Text, see ExtractedText
	UploadedAt   time.Time
	// The newest version's bytes, for the images in it, and the metadata
	// its extraction found (EXIF), whatever the extraction's outcome.
	SHA256      string
	Filename    string
	ContentType string
	Meta        map[string]string
	// Absent means the document has no text to analyse or was deleted.
	Absent  bool
	Deleted bool
}

// AnalysisJob asks for a document to be checked against the rest of its
// tenant. Like TextJob, it lives in the tenant database's outbox.
type AnalysisJob struct {
	ID       int64
	TenantID string
	Attempts int // including this one
	Source   AnalysisSource
}

// SeedMatch is, for one other document, the fingerprints it shares with
// the document being analysed, boilerplate left out: pairs of rune offsets
// (in the analysed document, in the other).
type SeedMatch struct {
	DocumentID string
	Kind       DocKind // the other document's kind
	Runes      int     // length of the other document's analysed text
	UploadedAt time.Time
	Seeds      [][2]int
}

// TextMatch is the duplicate_text evidence found between the analysed
// document (A) and another (B).
type TextMatch struct {
	OtherID  string
	Score    float64
	Passages []Passage // A offsets in the analysed document
}

// ImageHash is the perceptual hash of one image of a document (see
// search/detect): the document itself when it is a photo, or one image
// inside it, named by its Entry in the container.
type ImageHash struct {
	Entry string `json:"entry,omitempty"` // zip entry, e.g. word/media/image1.jpeg; "" for the file itself
	PHash uint64 `json:"-"`
	DHash uint64 `json:"-"`
	// CPHash and CDHash hash the image's centre, for cropped copies.
	CPHash uint64 `json:"-"`
	CDHash uint64 `json:"-"`
	// Thumb is a small greyscale thumbnail (detect.Thumbnail) that checks
	// a pair the hashes accept; nil for images stored before it was kept.
	Thumb  []byte `json:"-"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	// EXIF is the capture time and camera serial number of a photo
	// ("DateTimeOriginal|BodySerialNumber"), "" unless both are known.
	EXIF string `json:"exif,omitempty"`
}

// ImageCandidate is an image of a document of another enterprise that may
// be the same as one of the analysed document's.
type ImageCandidate struct {
	DocumentID string
	Theirs     ImageHash
}

// ImagePair is one image found in two documents: entries in A and B, the
// Hamming distances of their hashes, and whether EXIF capture time and
// camera serial are identical.
type ImagePair struct {
	AEntry    string `json:"a_entry"`
	BEntry    string `json:"b_entry"`
	PHashDist int    `json:"phash_distance"`
	DHashDist int    `json:"dhash_distance"`
	// ThumbSimilarity is the correlation (-1..1) of the two images'
	// thumbnails once their hashes matched; absent for images stored
	// before thumbnails were kept, or paired by EXIF alone.
	ThumbSimilarity *float64 `json:"thumb_similarity,omitempty"`
	SameEXIF        bool     `json:"same_exif,omitempty"`
	EXIF            string   `json:"exif,omitempty"`
}

// ImageMatch is the duplicate_image evidence found between the analysed
// document (A) and another (B).
type ImageMatch struct {
	OtherID string
	Score   float64
	Pairs   []ImagePair // A entries in the analysed document
}

// EnterpriseName is an enterprise of a tenant as foreign_name sees it.
type EnterpriseName struct {
	ID     string
	Name   string
	Region string // 6-digit GB/T 2260 code, "" when unknown
}

// ForeignMention is another enterprise's name, or a place outside the
// document's enterprise's region, found in its text: rune offsets of the
// mention and of its sentence in the extracted text.
type ForeignMention struct {
	Kind          string `json:"kind"`  // "enterprise" or "place"
	Found         string `json:"found"` // as written
	Start         int    `json:"start"`
	End           int    `json:"end"`
	Name          string `json:"name"`                    // registered or full place name
	EnterpriseID  string `json:"enterprise_id,omitempty"` // for Kind "enterprise"
	Code          string `json:"code,omitempty"`          // GB/T 2260, for Kind "place"
	Sentence      string `json:"sentence"`
	SentenceStart int    `json:"sentence_start"`
	SentenceEnd   int    `json:"sentence_end"`
}

// NameFinding is the foreign_name evidence of one document: the first
// mentions (search/detect.MaxForeignMentions) and how many there are.
type NameFinding struct {
	Region   string           `json:"region"` // the document's enterprise's
	Total    int              `json:"total"`
	Mentions []ForeignMention `json:"mentions"`
}

// SimilarDocument is a document whose text shares fingerprints with
// another's (GET /api/v1/documents/{id}/similar): Similarity is the share
// of the two texts' fingerprints they have in common, boilerplate left out
// of the shared ones, from 0 to 1 (storage.SimilarDocuments says how).
type SimilarDocument struct {
	DocumentID   string  `json:"document_id"`
	Similarity   float64 `json:"similarity"`
	Title        string  `json:"-"` // for pages, which never show ids
	SameIndustry bool    `json:"-"` // its enterprise's industry is the document's
}

// Limits of a similar-documents list.
const (
	SimilarDefault = 10
	SimilarMax     = 50
)
