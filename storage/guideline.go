package storage

// Guideline versions (issue 22, item 2): the publication facts of a
// guideline document, its series and its state. A version lives in the
// tenant of its document: the library's versions are read by every
// tenant (published or superseded ones only, through libraryReader), a
// tenant's local ones by that tenant alone. Drafts are read only by the
// admins of their own tenant and the publisher who registered them.

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"time"

	"github.com/cpaudit/cpaudit"
)

const guidelineColumns = `id, series_id, version, document_id, title, issuing_body, effective_date, industries, state,
	COALESCE(supersedes_id, ''), COALESCE((SELECT n.id FROM guidelines n WHERE n.supersedes_id = guidelines.id AND n.state <> 'draft'), ''),
	created_by, created_at, published_at`

func scanGuideline(row interface{ Scan(...any) error }) (cpaudit.Guideline, error) {
	var g cpaudit.Guideline
	var industries, state string
	var created int64
	var published sql.NullInt64
	err := row.Scan(&g.ID, &g.SeriesID, &g.Version, &g.DocumentID, &g.Title, &g.IssuingBody, &g.EffectiveDate, &industries,
		&state, &g.Supersedes, &g.SupersededBy, &g.CreatedBy, &created, &published)
	if err != nil {
		return g, err
	}
	g.State, g.CreatedAt = cpaudit.GuidelineState(state), fromMicros(created)
	if published.Valid {
		t := fromMicros(published.Int64)
		g.PublishedAt = &t
	}
	if err := json.Unmarshal([]byte(industries), &g.Industries); err != nil {
		return g, err
	}
	return g, nil
}

// draftsOf says whose drafts of its own tenant a reads: "*" every one (an
// admin), a user id (a publisher: its own), "" none.
func draftsOf(a cpaudit.Actor) string {
	switch {
	case a.Role == cpaudit.RoleAdmin:
		return "*"
	case a.Role == cpaudit.RolePublisher && a.UserID != "":
		return a.UserID
	}
	return ""
}

// publishes refuses anyone but an admin or a publisher.
func publishes(a cpaudit.Actor) error {
	if a.Role != cpaudit.RoleAdmin && a.Role != cpaudit.RolePublisher {
		return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeGuidelineNotAllowed, "only an admin or a publisher may publish guidelines; a %s may not", a.Role)
	}
	return nil
}

// guidelineVisible is the WHERE clause (and its argument) of the versions
// one reads whose drafts are drafts (draftsOf).
func guidelineVisible(drafts string) (string, []any) {
	switch drafts {
	case "*":
		return "1 = 1", nil
	case "":
		return "state <> 'draft'", nil
	}
	return "(state <> 'draft' OR created_by_id = ?)", []any{drafts}
}

func guidelineByID(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, id string, drafts string) (cpaudit.Guideline, error) {
	where, args := guidelineVisible(drafts)
	g, err := scanGuideline(q.QueryRowContext(ctx, `SELECT `+guidelineColumns+` FROM guidelines WHERE id = ? AND `+where, append([]any{id}, args...)...))
	return g, dbError("storage.Guideline", err, "no such guideline", "")
}

// guidelineIn finds guideline version id as a reads it: in a's tenant,
// else among the library's published and superseded versions. It returns
// the tenant that holds it.
func (s *Store) guidelineIn(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.Guideline, *tenantHandle, error) {
	h, err := s.tenant(ctx, a.TenantID)
	if err != nil {
		return cpaudit.Guideline{}, nil, err
	}
	g, err := guidelineByID(ctx, h.db, id, draftsOf(a))
	if !cpaudit.IsKind(err, cpaudit.KindNotFound) {
		return g, h, err
	}
	lib, ok, lerr := s.libraryReader(ctx, a)
	if lerr != nil || !ok {
		return cpaudit.Guideline{}, nil, cmpErr(lerr, err)
	}
	lh, lerr := s.tenant(ctx, lib.TenantID)
	if lerr != nil {
		return cpaudit.Guideline{}, nil, lerr
	}
	g, lerr = guidelineByID(ctx, lh.db, id, "")
	if cpaudit.IsKind(lerr, cpaudit.KindNotFound) {
		return cpaudit.Guideline{}, nil, err
	}
	g.Library = true
	return g, lh, lerr
}

// cmpErr is first when set, else second.
func cmpErr(first, second error) error {
	if first != nil {
		return first
	}
	return second
}

// Guideline returns version id as a reads it; KindNotFound when it does
// not exist, is a draft a may not read, or is another tenant's.
func (s *Store) Guideline(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.Guideline, error) {
	g, _, err := s.guidelineIn(ctx, a, id)
	return g, err
}

// Guidelines lists the versions a reads, its tenant's then the library's,
// newest series first and in a series newest version first. With
// industry set, only those that apply to it (C27 applies to C2710).
func (s *Store) Guidelines(ctx context.Context, a cpaudit.Actor, industry string) ([]cpaudit.Guideline, error) {
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	out, err := listGuidelines(ctx, db, draftsOf(a), false, industry)
	if err != nil {
		return nil, err
	}
	lib, ok, err := s.libraryReader(ctx, a)
	if err != nil || !ok {
		return out, err
	}
	ldb, err := s.tenantDB(ctx, lib.TenantID)
	if err != nil {
		return nil, err
	}
	more, err := listGuidelines(ctx, ldb, "", true, industry)
	return append(out, more...), err
}

func listGuidelines(ctx context.Context, db *sqlDB, drafts string, library bool, industry string) ([]cpaudit.Guideline, error) {
	const op = "storage.Guidelines"
	where, args := guidelineVisible(drafts)
	rows, err := db.QueryContext(ctx, `SELECT `+guidelineColumns+` FROM guidelines WHERE `+where+`
		ORDER BY (SELECT MIN(f.created_at) FROM guidelines f WHERE f.series_id = guidelines.series_id) DESC, series_id, version DESC`, args...)
	if err != nil {
		return nil, dbError(op, err, "", "")
	}
	defer rows.Close()
	out := []cpaudit.Guideline{}
	for rows.Next() {
		g, err := scanGuideline(rows)
		if err != nil {
			return nil, dbError(op, err, "", "")
		}
		g.Library = library
		if industry == "" || g.AppliesTo(industry) {
			out = append(out, g)
		}
	}
	return out, dbError(op, rows.Err(), "", "")
}

// CreateGuideline makes a draft version of a guideline document a's tenant
// holds: a new series, or the next version of the series of ng.Supersedes.
// KindConflict (guideline_not_allowed) for anyone but an admin or a
// publisher, (guideline_document_used) for a document already a version;
// KindNotFound for a document or version a may not read; KindUnprocessable
// for bad facts or a document that is not a guideline.
func (s *Store) CreateGuideline(ctx context.Context, a cpaudit.Actor, ng cpaudit.NewGuideline) (cpaudit.Guideline, error) {
	const op = "storage.CreateGuideline"
	if err := publishes(a); err != nil {
		return cpaudit.Guideline{}, err
	}
	if err := ng.Validate(); err != nil {
		return cpaudit.Guideline{}, err
	}
	h, err := s.tenant(ctx, a.TenantID)
	if err != nil {
		return cpaudit.Guideline{}, err
	}
	d, createdByID, err := s.document(ctx, h.db, a, ng.DocumentID)
	if err != nil {
		return cpaudit.Guideline{}, err
	}
	// Every user reads the tenant's guidelines; a publisher publishes its
	// own uploads only, an admin any.
	if a.Role == cpaudit.RolePublisher && createdByID != a.UserID {
		return cpaudit.Guideline{}, cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeGuidelineNotAllowed, "document %s is not this publisher's upload", d.ID)
	}
	if d.Kind != cpaudit.DocGuideline {
		return cpaudit.Guideline{}, cpaudit.Refuse(cpaudit.KindUnprocessable, cpaudit.CodeGuidelineDocumentKind, "document %s is a %s, not a guideline", d.ID, d.Kind)
	}
	now := s.clock()
	g := cpaudit.Guideline{ID: cpaudit.NewID("gl", now), DocumentID: d.ID, Title: ng.Title, IssuingBody: ng.IssuingBody,
		EffectiveDate: ng.EffectiveDate, Industries: ng.Industries, State: cpaudit.GuidelineDraft, Supersedes: ng.Supersedes,
		CreatedBy: a.Email, CreatedAt: now}
	if g.Title == "" {
		g.Title = d.Title
	}
	g.SeriesID, g.Version = g.ID, 1
	err = inTx(ctx, h.db, func(tx *sql.Tx) error {
		if ng.Supersedes != "" {
			prev, err := guidelineByID(ctx, tx, ng.Supersedes, draftsOf(a))
			if err != nil {
				return err
			}
			g.SeriesID = prev.SeriesID
			if err := tx.QueryRowContext(ctx, `SELECT MAX(version) + 1 FROM guidelines WHERE series_id = ?`, g.SeriesID).Scan(&g.Version); err != nil {
				return err
			}
		}
		var used int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM guidelines WHERE document_id = ?`, d.ID).Scan(&used); err != nil {
			return err
		}
		if used > 0 {
			return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeGuidelineDocumentUsed, "document %s is already a guideline version", d.ID)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO guidelines (id, series_id, version, document_id, title, issuing_body,
			effective_date, industries, state, supersedes_id, created_by_id, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, ''), ?, ?, ?)`,
			g.ID, g.SeriesID, g.Version, g.DocumentID, g.Title, g.IssuingBody, g.EffectiveDate, mustJSON(g.Industries),
			string(g.State), g.Supersedes, a.UserID, g.CreatedBy, micros(now)); err != nil {
			return err
		}
		return s.appendLog(ctx, tx, a, "guideline.create", "guideline", g.ID, map[string]any{
			"document_id": g.DocumentID, "series_id": g.SeriesID, "version": g.Version, "issuing_body": g.IssuingBody,
			"effective_date": g.EffectiveDate, "industries": g.Industries, "supersedes": g.Supersedes})
	})
	if err != nil {
		return cpaudit.Guideline{}, dbError(op, err, "", "")
	}
	return g, nil
}

// PublishGuideline publishes draft version id of a's tenant; the series'
// version published until then becomes superseded, and is the one the new
// version supersedes. KindConflict for anyone but an admin or a publisher
// (guideline_not_allowed) and for a version not a draft
// (guideline_not_draft); KindNotFound for a version a may not read.
func (s *Store) PublishGuideline(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.Guideline, error) {
	const op = "storage.PublishGuideline"
	h, err := s.tenant(ctx, a.TenantID)
	if err != nil {
		return cpaudit.Guideline{}, err
	}
	// Only a's own tenant is looked in: a library version is no other
	// tenant's to publish, 404 like one that does not exist.
	if _, err := guidelineByID(ctx, h.db, id, draftsOf(a)); err != nil {
		return cpaudit.Guideline{}, err
	}
	if err := publishes(a); err != nil {
		return cpaudit.Guideline{}, err
	}
	now := s.clock()
	var g cpaudit.Guideline
	var requeue []string
	err = inTx(ctx, h.db, func(tx *sql.Tx) error {
		cur, err := guidelineByID(ctx, tx, id, "*")
		if err != nil {
			return err
		}
		if cur.State != cpaudit.GuidelineDraft {
			return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeGuidelineNotDraft, "guideline %s is %s, not a draft", id, cur.State)
		}
		var prev string
		err = tx.QueryRowContext(ctx, `SELECT id FROM guidelines WHERE series_id = ? AND state = 'published'`, cur.SeriesID).Scan(&prev)
		if err != nil && err != sql.ErrNoRows {
			return err
		}
		if prev != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE guidelines SET state = 'superseded' WHERE id = ?`, prev); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE guidelines SET state = 'published', published_at = ?,
			supersedes_id = COALESCE(NULLIF(?, ''), supersedes_id) WHERE id = ?`, micros(now), prev, id); err != nil {
			return err
		}
		if g, err = guidelineByID(ctx, tx, id, "*"); err != nil {
			return err
		}
		var prevG cpaudit.Guideline
		if prev != "" {
			if prevG, err = guidelineByID(ctx, tx, prev, "*"); err != nil {
				return err
			}
		}
		// The audits of its industries have their coverage (and flag)
		// judged again against the versions now published.
		if requeue, err = s.coverageIndustries(ctx, tx, g, prevG); err != nil {
			return err
		}
		if err := s.requeueCoverage(ctx, tx, requeue); err != nil {
			return err
		}
		return s.appendLog(ctx, tx, a, "guideline.publish", "guideline", id, map[string]any{
			"series_id": g.SeriesID, "version": g.Version, "supersedes": g.Supersedes})
	})
	if err != nil {
		return cpaudit.Guideline{}, dbError(op, err, "", "")
	}
	// The library's version changes every tenant's audits of its
	// industries. The publication stands whatever happens here: a tenant
	// whose queue could not be written is logged, and its flags follow at
	// the next analysis of a report.
	if len(requeue) > 0 {
		if lib, err := s.LibraryID(ctx); err != nil || lib == a.TenantID {
			if err == nil {
				err = s.requeueLibrary(ctx, lib, requeue)
			}
			if err != nil {
				s.log.Error("queueing requirement coverage after a library publication failed", "guideline", id, "err", err)
			}
		}
	}
	return g, nil
}

// GuidelinePrevious returns version id and the version it supersedes, as
// a reads them (both in the same tenant). KindNotFound as Guideline;
// KindUnprocessable (guideline_no_previous) for a version that supersedes
// none.
func (s *Store) GuidelinePrevious(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.Guideline, cpaudit.Guideline, error) {
	g, h, err := s.guidelineIn(ctx, a, id)
	if err != nil {
		return g, cpaudit.Guideline{}, err
	}
	if g.Supersedes == "" {
		return g, cpaudit.Guideline{}, cpaudit.Refuse(cpaudit.KindUnprocessable, cpaudit.CodeGuidelineNoPrevious, "guideline %s supersedes no earlier version", id)
	}
	drafts := draftsOf(a)
	if g.Library {
		drafts = ""
	}
	p, err := guidelineByID(ctx, h.db, g.Supersedes, drafts)
	p.Library = g.Library
	return g, p, err
}

// GuidelineNotices lists the versions published since since, the
// tenant's and the library's, that apply to the industry of an audit a
// sees (issue 22, item 5), newest first. Only regulators and consultants
// get notices: none for the other roles.
func (s *Store) GuidelineNotices(ctx context.Context, a cpaudit.Actor, since time.Time) ([]cpaudit.GuidelineNotice, error) {
	const op = "storage.GuidelineNotices"
	out := []cpaudit.GuidelineNotice{}
	if a.Role != cpaudit.RoleRegulator && a.Role != cpaudit.RoleConsultant {
		return out, nil
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT DISTINCT o.industry FROM audits au JOIN organisations o ON o.id = au.enterprise_id
		WHERE o.industry <> '' AND `+auditVisible+` ORDER BY o.industry`, auditVisibleArgs(a)...)
	if err != nil {
		return nil, dbError(op, err, "", "")
	}
	var industries []string
	for rows.Next() {
		var ind string
		if err := rows.Scan(&ind); err != nil {
			rows.Close()
			return nil, dbError(op, err, "", "")
		}
		industries = append(industries, ind)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, dbError(op, err, "", "")
	}
	if len(industries) == 0 {
		return out, nil
	}
	gs, err := s.Guidelines(ctx, a, "")
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		if g.State != cpaudit.GuidelinePublished || g.PublishedAt == nil || g.PublishedAt.Before(since) {
			continue
		}
		n := cpaudit.GuidelineNotice{Guideline: g}
		for _, ind := range industries {
			if g.AppliesTo(ind) {
				n.Industries = append(n.Industries, ind)
			}
		}
		if len(n.Industries) == 0 {
			continue
		}
		if g.Supersedes != "" {
			_, prev, err := s.GuidelinePrevious(ctx, a, g.ID)
			if err != nil && !cpaudit.IsKind(err, cpaudit.KindNotFound) {
				return nil, err
			}
			n.PreviousDocumentID = prev.DocumentID
		}
		out = append(out, n)
	}
	slices.SortStableFunc(out, func(x, y cpaudit.GuidelineNotice) int {
		return y.Guideline.PublishedAt.Compare(*x.Guideline.PublishedAt)
	})
	return out, nil
}
