package storage

// Bottom-line requirements of guideline versions (issue 22, item 3), and
// what an audit's reports address of them. The requirements live beside
// their version (the library's or a tenant's); the coverage of an audit is
// computed in its tenant from the published versions of its enterprise's
// industry, the library's read through libraryReader as any guideline is.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"

	"github.com/cpaudit/cpaudit"
)

// SetGuidelineRequirements replaces the requirements of draft version id
// of a's tenant. KindConflict for anyone but an admin or a publisher
// (guideline_not_allowed) and for a version not a draft
// (guideline_not_draft); KindNotFound for a version a may not read;
// KindUnprocessable for a bad list (cpaudit.ValidateRequirements).
func (s *Store) SetGuidelineRequirements(ctx context.Context, a cpaudit.Actor, id string, rs []cpaudit.Requirement) ([]cpaudit.Requirement, error) {
	const op = "storage.SetGuidelineRequirements"
	h, err := s.tenant(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	g, err := guidelineByID(ctx, h.db, id, draftsOf(a))
	if err != nil {
		return nil, err
	}
	if err := publishes(a); err != nil {
		return nil, err
	}
	if g.State != cpaudit.GuidelineDraft {
		return nil, cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeGuidelineNotDraft, "guideline %s is %s: its requirements are fixed", id, g.State)
	}
	if err := cpaudit.ValidateRequirements(rs); err != nil {
		return nil, err
	}
	err = inTx(ctx, h.db, func(tx *sql.Tx) error {
		var state string
		if err := tx.QueryRowContext(ctx, `SELECT state FROM guidelines WHERE id = ?`, id).Scan(&state); err != nil {
			return err
		}
		if state != string(cpaudit.GuidelineDraft) {
			return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeGuidelineNotDraft, "guideline %s is %s: its requirements are fixed", id, state)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM guideline_requirements WHERE guideline_id = ?`, id); err != nil {
			return err
		}
		for _, r := range rs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO guideline_requirements (guideline_id, number, text, steps, phrases, veto)
				VALUES (?, ?, ?, ?, ?, ?)`, id, r.Number, r.Text, mustJSON(r.Steps), mustJSON(r.Phrases), r.Veto); err != nil {
				return err
			}
		}
		return s.appendLog(ctx, tx, a, "guideline.requirements", "guideline", id, map[string]any{"requirements": rs})
	})
	if err != nil {
		return nil, dbError(op, err, "", "")
	}
	return rs, nil
}

// GuidelineRequirements returns the requirements of version id as a reads
// it (KindNotFound as Guideline).
func (s *Store) GuidelineRequirements(ctx context.Context, a cpaudit.Actor, id string) ([]cpaudit.Requirement, error) {
	_, h, err := s.guidelineIn(ctx, a, id)
	if err != nil {
		return nil, err
	}
	return requirementsOf(ctx, h.db, id)
}

func requirementsOf(ctx context.Context, q querier, id string) ([]cpaudit.Requirement, error) {
	const op = "storage.GuidelineRequirements"
	rows, err := q.QueryContext(ctx, `SELECT number, text, steps, phrases, veto FROM guideline_requirements
		WHERE guideline_id = ? ORDER BY number`, id)
	if err != nil {
		return nil, dbError(op, err, "", "")
	}
	defer rows.Close()
	out := []cpaudit.Requirement{}
	for rows.Next() {
		var r cpaudit.Requirement
		var steps, phrases string
		if err := rows.Scan(&r.Number, &r.Text, &steps, &phrases, &r.Veto); err != nil {
			return nil, dbError(op, err, "", "")
		}
		if err := json.Unmarshal([]byte(steps), &r.Steps); err != nil {
			return nil, cpaudit.Internal(op, err)
		}
		if err := json.Unmarshal([]byte(phrases), &r.Phrases); err != nil {
			return nil, cpaudit.Internal(op, err)
		}
		out = append(out, r)
	}
	return out, dbError(op, rows.Err(), "", "")
}

// AuditRequirements says which requirements of the published guideline
// versions of the audit's enterprise's industry its reports address, as a
// reads them: only the reports a may read are searched. KindNotFound for
// an audit a may not see.
func (s *Store) AuditRequirements(ctx context.Context, a cpaudit.Actor, auditID string) (cpaudit.AuditRequirements, error) {
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.AuditRequirements{}, err
	}
	if _, err := s.audit(ctx, db, a, auditID); err != nil {
		return cpaudit.AuditRequirements{}, dbError("storage.AuditRequirements", err, "no such audit", "")
	}
	return s.auditRequirements(ctx, db, a, auditID)
}

// auditRequirements is AuditRequirements once the audit is known to be
// a's to see.
func (s *Store) auditRequirements(ctx context.Context, db *sqlDB, a cpaudit.Actor, auditID string) (cpaudit.AuditRequirements, error) {
	const op = "storage.AuditRequirements"
	out := cpaudit.AuditRequirements{AuditID: auditID, Guidelines: []cpaudit.GuidelineCoverage{}}
	err := db.QueryRowContext(ctx, `SELECT o.industry FROM audits au JOIN organisations o ON o.id = au.enterprise_id WHERE au.id = ?`,
		auditID).Scan(&out.Industry)
	if err != nil {
		return out, dbError(op, err, "no such audit", "")
	}
	if out.Industry == "" {
		return out, nil
	}
	gs, err := s.Guidelines(ctx, a, out.Industry)
	if err != nil {
		return out, err
	}
	// The reports' texts are read only once a published version applies:
	// the analysis of every report asks, and most industries have none.
	var texts []cpaudit.RequirementText
	textsRead := false
	lib, hasLib, err := s.libraryReader(ctx, a)
	if err != nil {
		return out, err
	}
	for _, g := range gs {
		if g.State != cpaudit.GuidelinePublished {
			continue
		}
		gdb := db
		if g.Library && hasLib {
			if gdb, err = s.tenantDB(ctx, lib.TenantID); err != nil {
				return out, err
			}
		}
		rs, err := requirementsOf(ctx, gdb, g.ID)
		if err != nil {
			return out, err
		}
		if len(rs) > 0 && !textsRead {
			if texts, err = auditReportTexts(ctx, db, a, auditID); err != nil {
				return out, err
			}
			textsRead = true
		}
		gc := cpaudit.GuidelineCoverage{Guideline: g, Requirements: []cpaudit.RequirementCoverage{}}
		for _, r := range rs {
			c := cpaudit.CoverRequirement(r, texts)
			if !c.Addressed {
				out.Missing++
				if r.Veto {
					out.MissingVeto++
				}
			}
			gc.Requirements = append(gc.Requirements, c)
		}
		out.Guidelines = append(out.Guidelines, gc)
	}
	return out, nil
}

// auditReportTexts reads the newest extracted text of each document of
// the audit that a may read and that may cover a requirement's steps
// (cpaudit.RequirementText.Covers): its reports, and its other documents
// tied to a step. Oldest first.
func auditReportTexts(ctx context.Context, db *sqlDB, a cpaudit.Actor, auditID string) ([]cpaudit.RequirementText, error) {
	const op = "storage.AuditRequirements"
	args := append([]any{auditID}, docVisibleArgs(a)...)
	rows, err := db.QueryContext(ctx, `SELECT d.id, d.title, d.kind, COALESCE(d.step, 0), t.text FROM documents d
		JOIN document_texts t ON t.document_id = d.id AND t.version = (SELECT MAX(x.version) FROM document_texts x
			WHERE x.document_id = d.id AND x.status = 'done')
		WHERE d.audit_id = ? AND (d.kind = 'report' OR d.step IS NOT NULL) AND `+docVisible+` ORDER BY d.created_at, d.id`, args...)
	if err != nil {
		return nil, dbError(op, err, "", "")
	}
	defer rows.Close()
	var out []cpaudit.RequirementText
	for rows.Next() {
		var t cpaudit.RequirementText
		if err := rows.Scan(&t.DocumentID, &t.Title, &t.Kind, &t.Step, &t.Text); err != nil {
			return nil, dbError(op, err, "", "")
		}
		out = append(out, t)
	}
	return out, dbError(op, rows.Err(), "", "")
}

// requirementFlagPlan is what the analysis of a report decides about its
// audit's missing_requirement flag: the audit's reports, and the veto
// requirements none of them addresses.
type requirementFlagPlan struct {
	auditID string
	missing []cpaudit.MissingRequirement
}

// planRequirementFlag computes, before the analysis's transaction, the
// missing_requirement flag of the audit of doc (nil when doc is neither a
// report of an audit nor another of its documents tied to a step, the
// documents a requirement is looked for in). It reads as the tenant's
// system actor: every document counts, and the flag is shown only to who
// may read the document it sits on.
func (s *Store) planRequirementFlag(ctx context.Context, tenantID string, src cpaudit.AnalysisSource) (*requirementFlagPlan, error) {
	if src.Deleted || src.DocumentID == "" || src.Kind == cpaudit.DocGuideline {
		return nil, nil
	}
	db, err := s.tenantDB(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	var auditID sql.NullString
	var step sql.NullInt64
	if err := db.QueryRowContext(ctx, `SELECT audit_id, step FROM documents WHERE id = ?`, src.DocumentID).Scan(&auditID, &step); err != nil {
		return nil, dbError("storage.planRequirementFlag", err, "", "")
	}
	if auditID.String == "" || (src.Kind != cpaudit.DocReport && !step.Valid) {
		return nil, nil
	}
	ar, err := s.auditRequirements(ctx, db, cpaudit.SystemActor(tenantID), auditID.String)
	if err != nil {
		return nil, err
	}
	return &requirementFlagPlan{auditID: auditID.String, missing: ar.VetoGaps()}, nil
}

// applyRequirementFlag makes the plan's flag the audit's only
// missing_requirement flag, or none when nothing is missing. It sits on
// the audit's newest report, where a reviewer looks for what a report
// lacks; on doc (the evidence analysed) when the audit has no report yet.
func (s *Store) applyRequirementFlag(ctx context.Context, tx *sql.Tx, doc string, p *requirementFlagPlan) error {
	if p == nil {
		return nil
	}
	var report string
	err := tx.QueryRowContext(ctx, `SELECT id FROM documents WHERE audit_id = ? AND kind = 'report' AND deleted_at IS NULL
		ORDER BY created_at DESC, id DESC LIMIT 1`, p.auditID).Scan(&report)
	switch {
	case err == nil:
		doc = report
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM flags WHERE kind = ? AND doc_a IN (SELECT id FROM documents WHERE audit_id = ?)`,
		string(cpaudit.FlagMissingRequirement), p.auditID); err != nil {
		return err
	}
	if len(p.missing) == 0 {
		return nil
	}
	detail, err := json.Marshal(map[string]any{"audit_id": p.auditID, "requirements": p.missing})
	if err != nil {
		return err
	}
	n := float64(len(p.missing))
	return s.upsertFlag(ctx, tx, cpaudit.FlagMissingRequirement, doc, doc, n/(n+1), detail)
}

// auditChecklist is a campaign's checklist for one of its audits, with
// the veto requirements its reports miss (all its reports count, as for
// the flag).
func (s *Store) auditChecklist(ctx context.Context, tenantID string, cl cpaudit.Checklist, auditID string) (cpaudit.Checklist, error) {
	db, err := s.tenantDB(ctx, tenantID)
	if err != nil {
		return cl, err
	}
	ar, err := s.auditRequirements(ctx, db, cpaudit.SystemActor(tenantID), auditID)
	if err != nil {
		return cl, err
	}
	return cl.WithMissingRequirements(ar.VetoGaps()), nil
}

// requeueCoverage queues again, in one tenant, the analysis of the newest
// report of every audit of the industries (a code covers the longer
// ones), or of its newest document tied to a step when it has no report
// yet, so that their missing_requirement flags follow a version's
// publication. A document whose analysis waits already is left as it is.
func (s *Store) requeueCoverage(ctx context.Context, tx *sql.Tx, industries []string) error {
	now := micros(s.clock())
	for _, ind := range industries {
		if _, err := tx.ExecContext(ctx, `INSERT INTO jobs (kind, document_id, version, not_before, created_at)
			SELECT ?, d.id, d.versions, ?, ? FROM audits au JOIN organisations o ON o.id = au.enterprise_id
			JOIN documents d ON d.id = (SELECT d2.id FROM documents d2 WHERE d2.audit_id = au.id
				AND (d2.kind = 'report' OR d2.step IS NOT NULL) AND d2.deleted_at IS NULL AND d2.versions > 0
				ORDER BY d2.kind = 'report' DESC, d2.created_at DESC, d2.id DESC LIMIT 1)
			WHERE substr(o.industry, 1, length(?)) = ?
				AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.document_id = d.id AND j.kind = ? AND j.attempts = 0)`,
			jobAnalyse, now, now, ind, ind, jobAnalyse); err != nil {
			return err
		}
	}
	return nil
}

// hasVeto says whether version id has a veto requirement.
func hasVeto(ctx context.Context, q querier, id string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM guideline_requirements WHERE guideline_id = ? AND veto = 1`, id).Scan(&n)
	return n > 0, err
}

// coverageIndustries are the industries whose audits' coverage a
// published version (g) and the one it superseded (prev, may be zero)
// change: theirs, when either has a veto requirement; none otherwise.
func (s *Store) coverageIndustries(ctx context.Context, tx *sql.Tx, g, prev cpaudit.Guideline) ([]string, error) {
	veto, err := hasVeto(ctx, tx, g.ID)
	if err != nil {
		return nil, err
	}
	if !veto && prev.ID != "" {
		if veto, err = hasVeto(ctx, tx, prev.ID); err != nil {
			return nil, err
		}
	}
	if !veto {
		return nil, nil
	}
	inds := slices.Clone(g.Industries)
	for _, c := range prev.Industries {
		if !slices.Contains(inds, c) {
			inds = append(inds, c)
		}
	}
	return inds, nil
}

// requeueLibrary queues the coverage of the industries in every tenant
// but the library, after the library published a version.
func (s *Store) requeueLibrary(ctx context.Context, libraryID string, industries []string) error {
	ts, err := s.Tenants(ctx)
	if err != nil {
		return err
	}
	for _, t := range ts {
		if t.ID == libraryID {
			continue
		}
		db, err := s.tenantDB(ctx, t.ID)
		if err != nil {
			return err
		}
		if err := inTx(ctx, db, func(tx *sql.Tx) error { return s.requeueCoverage(ctx, tx, industries) }); err != nil {
			return dbError("storage.PublishGuideline", err, "", "")
		}
	}
	return nil
}
