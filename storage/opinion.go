package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/cpaudit/cpaudit"
)

// Opinions (技术审查意见 / 验收意见, issue 18): once every reviewer of a
// sampled audit has submitted, an admin or regulator who may read the
// campaign issues the opinion. Filling the .docx is package letter's; here
// are the rights, the facts, the document and the milestone.
//
// The opinion is a document of the audit (kind other, like the letter),
// so the audit's enterprise and consultancy read it through the audit.
// Issuing it again adds a version. At the assessment and acceptance
// stages it also records the audit's assessment_done / acceptance_done
// milestone (a pass with conditions is a pass, the note says so), when
// cpaudit.CheckMilestone allows it; when it does not (the gate is not
// open, the obligation was met already) the opinion is still issued and
// says why no milestone was recorded.

// OpinionBasis reads what the opinion on audit auditID of campaign
// campaignID is made from. KindNotFound for a campaign out of reach or an
// audit not in its sample; KindConflict for anyone but an admin or a
// regulator (opinion_not_allowed) or while a reviewer has not submitted
// (opinion_reviews_pending). A vetoed audit still waits for every
// reviewer: the opinion quotes them all.
func (s *Store) OpinionBasis(ctx context.Context, a cpaudit.Actor, campaignID, auditID string) (cpaudit.OpinionBasis, error) {
	const op = "storage.OpinionBasis"
	c, err := s.managedCampaign(ctx, a, campaignID, cpaudit.CodeOpinionNotAllowed, "issue an opinion")
	if cpaudit.IsKind(err, cpaudit.KindConflict) && !slices.Contains(c.AuditIDs, auditID) {
		return cpaudit.OpinionBasis{}, cpaudit.Refuse(cpaudit.KindNotFound, cpaudit.CodeNoSuchAudit, "no such audit in this campaign")
	}
	if err != nil {
		return cpaudit.OpinionBasis{}, err
	}
	if !slices.Contains(c.AuditIDs, auditID) {
		return cpaudit.OpinionBasis{}, cpaudit.Refuse(cpaudit.KindNotFound, cpaudit.CodeNoSuchAudit, "no such audit in this campaign")
	}
	ent, cons, err := s.AuditParties(ctx, a, auditID)
	if err != nil {
		return cpaudit.OpinionBasis{}, err
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.OpinionBasis{}, err
	}
	cl := c.Checklist
	ar, err := auditOutcome(ctx, db, c.ID, auditID, cl.PassMark)
	if err != nil {
		return cpaudit.OpinionBasis{}, dbError(op, err, "", "")
	}
	if ar.Assigned == 0 || ar.Submitted < ar.Assigned {
		return cpaudit.OpinionBasis{}, cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeOpinionReviewsPending,
			"%d of the audit's %d reviewers have submitted; the opinion waits for all", ar.Submitted, ar.Assigned).
			With("submitted", strconv.Itoa(ar.Submitted)).With("assigned", strconv.Itoa(ar.Assigned))
	}
	t, err := s.TenantByID(ctx, a.TenantID)
	if err != nil {
		return cpaudit.OpinionBasis{}, err
	}
	return cpaudit.OpinionBasis{Campaign: c, Checklist: cl, Reviews: ar, Enterprise: ent.Name, Consultancy: cons.Name,
		Authority: t.Name}, nil
}

// opinionObligation is the milestone an opinion at a stage records.
func opinionObligation(stage cpaudit.CampaignStage) string {
	switch stage {
	case cpaudit.StageAssessment:
		return "assessment_done"
	case cpaudit.StageAcceptance:
		return "acceptance_done"
	}
	return ""
}

// SaveOpinion stores an opinion the caller filled from OpinionBasis (read
// again here, so the rights and the completeness hold at the time of
// storing): the first time as a new document of the audit titled by the
// stage, afterwards as a new version, with the result and the milestone
// in the same transaction. result is pass, pass_with_conditions or fail.
// Errors as OpinionBasis.
func (s *Store) SaveOpinion(ctx context.Context, a cpaudit.Actor, campaignID, auditID, result, title string, upload cpaudit.Staged) (cpaudit.Opinion, error) {
	const op = "storage.SaveOpinion"
	st, err := staged(op, upload)
	if err != nil {
		return cpaudit.Opinion{}, err
	}
	basis, err := s.OpinionBasis(ctx, a, campaignID, auditID)
	if err != nil {
		return cpaudit.Opinion{}, err
	}
	if (result == "fail") != (basis.Reviews.Result == cpaudit.ReviewFail) || (result != "fail" && result != "pass" && result != "pass_with_conditions") {
		return cpaudit.Opinion{}, cpaudit.Internal(op, fmt.Errorf("result %q for reviews that %s", result, basis.Reviews.Result))
	}
	h, err := s.tenant(ctx, a.TenantID)
	if err != nil {
		return cpaudit.Opinion{}, err
	}
	if err := s.storeBlob(ctx, h.slug, st); err != nil {
		return cpaudit.Opinion{}, err
	}
	defer s.uploads.RUnlock()
	now := s.clock()
	out := cpaudit.Opinion{CampaignID: campaignID, AuditID: auditID, Result: result}
	if basis.Reviews.Mean != nil {
		out.Mean = *basis.Reviews.Mean
	}
	v := cpaudit.DocumentVersion{SHA256: st.SHA256, Size: st.Size, ContentType: docxType, Filename: title + ".docx",
		UploadedBy: a.Email, UploadedAt: now, TextStatus: cpaudit.TextPending}
	var docID string
	err = inTx(ctx, h.db, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT document_id FROM opinions WHERE campaign_id = ? AND audit_id = ?`, campaignID, auditID).Scan(&docID)
		switch {
		case err == nil:
			if err := tx.QueryRowContext(ctx, `UPDATE documents SET versions = versions + 1 WHERE id = ? RETURNING versions`, docID).Scan(&v.Number); err != nil {
				return err
			}
			if err := s.insertVersion(ctx, tx, a, docID, v, "document.version"); err != nil {
				return err
			}
		case errors.Is(err, sql.ErrNoRows):
			docID, v.Number = cpaudit.NewID("d", now), 1
			if _, err := tx.ExecContext(ctx, `INSERT INTO documents (id, kind, title, audit_id, step, org_id, created_by_id, created_by, created_at, versions)
				VALUES (?, ?, ?, ?, NULL, NULL, ?, ?, ?, 1)`, docID, string(cpaudit.DocOther), title, auditID, a.UserID, a.Email, micros(now)); err != nil {
				return err
			}
			if err := s.insertVersion(ctx, tx, a, docID, v, "document.upload"); err != nil {
				return err
			}
		default:
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO opinions (campaign_id, audit_id, document_id, result, mean, issued_by, issued_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (campaign_id, audit_id) DO UPDATE SET result = excluded.result,
			mean = excluded.mean, issued_by = excluded.issued_by, issued_at = excluded.issued_at`,
			campaignID, auditID, docID, result, out.Mean, a.Email, micros(now)); err != nil {
			return err
		}
		detail := map[string]any{"campaign_id": campaignID, "document_id": docID, "version": v.Number, "result": result, "mean": out.Mean}
		if obligation := opinionObligation(basis.Campaign.Stage); obligation != "" {
			m := cpaudit.NewMilestone{Obligation: obligation, Date: s.today(), Result: cpaudit.ResultPass, Note: title}
			switch result {
			case "fail":
				m.Result = cpaudit.ResultFail
			case "pass_with_conditions":
				m.Note = title + "：有条件通过"
			}
			f, err := s.auditFacts(ctx, tx, auditID)
			if err != nil {
				return err
			}
			var refused *cpaudit.Error
			if err := cpaudit.CheckMilestone(f, &m, s.today(), s.loc); errors.As(err, &refused) {
				out.MilestoneRefused = refused
				detail["milestone_refused"] = string(refused.Code)
			} else if err != nil {
				return err
			} else {
				ms := cpaudit.Milestone{ID: cpaudit.NewID("m", now), AuditID: auditID, Obligation: m.Obligation, Date: m.Date,
					Result: m.Result, Note: m.Note, RecordedBy: a.Email, RecordedAt: now}
				if _, err := tx.ExecContext(ctx, `INSERT INTO audit_milestones (id, audit_id, obligation, date, result, note, recorded_by, recorded_at)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, ms.ID, auditID, ms.Obligation, ms.Date, string(ms.Result), ms.Note,
					ms.RecordedBy, micros(now)); err != nil {
					return err
				}
				if err := s.appendLog(ctx, tx, a, "audit.milestone", "audit", auditID, map[string]any{"milestone_id": ms.ID,
					"obligation": ms.Obligation, "date": ms.Date, "result": string(ms.Result), "note": ms.Note}); err != nil {
					return err
				}
				if _, err := s.refreshProgress(ctx, tx, auditID); err != nil {
					return err
				}
				out.Milestone = &ms
				detail["milestone_id"] = ms.ID
			}
		}
		return s.appendLog(ctx, tx, a, "audit.opinion", "audit", auditID, detail)
	})
	if err != nil {
		return cpaudit.Opinion{}, dbError(op, err, "", "")
	}
	out.Document, err = s.Document(ctx, a, docID)
	return out, err
}
