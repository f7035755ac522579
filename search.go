package cpaudit

import "time"

// SearchSource is what the full-text index holds of one document: the
// extracted text of its newest version that has one, and the facets a
// search filters on. Storage produces it; the index consumes it.
type SearchSource struct {
	DocumentID    string
	Title         string
	Kind          DocKind
	AuditID       string
	EnterpriseID  string // the audit's enterprise
	ConsultancyID string // the audit's consultancy
	OrgID         string // the organisation that uploaded the document
	CreatedByID   string // the user who uploaded it
	Industry      string // the enterprise's GB/T 4754 code
	Region        string // the enterprise's administrative division code
	Step          int    // 1..35, 0 when none
	Version       int    // the version whose text this is, 0 when none
	UploadedAt    time.Time
	Text          string
	// Absent means the index must not hold the document: it has no
	// extracted text (yet) or no longer exists.
	Absent bool
}

// IndexJob asks for one document's entry in the index to be brought up to
// date with Source. Like TextJob, it lives in the tenant database's outbox.
type IndexJob struct {
	ID       int64
	TenantID string
	Source   SearchSource
}

// SearchScope is what an actor may read, in the terms the index filters
// on; storage derives it from the same rule that guards every document
// route, so a search never counts what the caller could not open.
type SearchScope struct {
	All      bool      // everything in the tenant
	Kinds    []DocKind // kinds everyone may read (guidelines)
	UserID   string    // documents this user uploaded
	OrgIDs   []string  // documents these organisations uploaded
	AuditIDs []string  // documents of these audits
	Region   string    // documents of audits of enterprises in this region or below
	// Stale are documents whose entry in the index may say otherwise
	// than the rule above about who reads them (the index has not yet
	// followed a change of their readers, or their deletion), as storage
	// has them now, without text; Absent when the actor may not read
	// one. The index counts these by this, not by its entry.
	Stale []SearchSource
	// Library, when the installation has a guideline library and the
	// caller is not in it, is what the caller also reads in the library's
	// index: its guidelines. Nil otherwise.
	Library *LibraryScope
}

// LibraryScope is the guideline library's part of a search: the library
// tenant, whose index is searched for guidelines alone, and its Stale
// documents as SearchScope has them, judged for a reader of guidelines.
type LibraryScope struct {
	TenantID string
	Stale    []SearchSource
}

// SearchStatus says how much stored work has not reached the index or the
// analysis yet.
type SearchStatus struct {
	IndexPending    int `json:"index_pending"`
	AnalysisPending int `json:"analysis_pending"`
	// OCRPending counts the documents waiting for OCR (scans, photos);
	// they count in IndexPending and AnalysisPending too.
	OCRPending int `json:"ocr_pending"`
}

// RegionPrefix is the prefix that every division code inside region
// shares: "13" for the province 130000, "1301" for the city 130100, the
// whole code for a county. "" for an invalid code.
func RegionPrefix(region string) string {
	if ValidateRegion(region) != nil {
		return ""
	}
	switch {
	case region[2:] == "0000":
		return region[:2]
	case region[4:] == "00":
		return region[:4]
	}
	return region
}

// RegionAncestors lists region and the divisions that contain it,
// province first: "130102" gives 130000, 130100, 130102. A document is
// indexed under all of them so that a filter on any level finds it.
func RegionAncestors(region string) []string {
	if ValidateRegion(region) != nil {
		return nil
	}
	out := []string{region[:2] + "0000"}
	if c := region[:4] + "00"; c != out[0] {
		out = append(out, c)
	}
	if region != out[len(out)-1] {
		out = append(out, region)
	}
	return out
}
