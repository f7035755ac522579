package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/cpaudit/cpaudit"
)

// The tenant's review settings (issue 18): the scoring checklist of each
// campaign stage and the Word template of the opinion. Every user of the
// tenant reads them (they are the rules reviews are held to); admins and
// regulators change them, logged. A campaign copies its stage's checklist
// when it is drawn (CreateCampaign), so an edit applies to later
// campaigns only.

// checklistFor is the tenant's checklist of stage, or the default.
func checklistFor(ctx context.Context, q querier, stage cpaudit.CampaignStage) (cpaudit.Checklist, bool, error) {
	var raw string
	err := q.QueryRowContext(ctx, `SELECT checklist FROM checklists WHERE stage = ?`, string(stage)).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return cpaudit.DefaultChecklist(stage), false, nil
	} else if err != nil {
		return cpaudit.Checklist{}, false, err
	}
	var cl cpaudit.Checklist
	if err := json.Unmarshal([]byte(raw), &cl); err != nil {
		return cl, false, err
	}
	cl.Stage = stage
	return cl, true, nil
}

// Checklists answers the checklist of every campaign stage, and for each
// whether it is the tenant's own (false: the built-in default).
func (s *Store) Checklists(ctx context.Context, a cpaudit.Actor) ([]cpaudit.Checklist, []bool, error) {
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, nil, err
	}
	var out []cpaudit.Checklist
	var own []bool
	for _, st := range []cpaudit.CampaignStage{cpaudit.StageInProgress, cpaudit.StageAssessment, cpaudit.StageAcceptance, cpaudit.StageAfterAcceptance} {
		cl, mine, err := checklistFor(ctx, db, st)
		if err != nil {
			return nil, nil, dbError("storage.Checklists", err, "", "")
		}
		out, own = append(out, cl), append(own, mine)
	}
	return out, own, nil
}

// SetChecklist replaces the tenant's checklist of cl.Stage, logged; the
// campaigns drawn afterwards use it. KindConflict (checklist_not_allowed)
// for anyone but an admin or a regulator; KindUnprocessable for a
// checklist that cpaudit.Checklist.Validate refuses.
func (s *Store) SetChecklist(ctx context.Context, a cpaudit.Actor, cl cpaudit.Checklist) (cpaudit.Checklist, error) {
	if err := authorityOnly(a, cpaudit.CodeChecklistNotAllowed, "change the checklist"); err != nil {
		return cl, err
	}
	if err := cl.Validate(cl.Stage); err != nil {
		return cl, err
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cl, err
	}
	return cl, dbError("storage.SetChecklist", inTx(ctx, db, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO checklists (stage, checklist, updated_by, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (stage) DO UPDATE SET checklist = excluded.checklist, updated_by = excluded.updated_by,
			updated_at = excluded.updated_at`, string(cl.Stage), mustJSON(cl), a.Email, micros(s.clock())); err != nil {
			return err
		}
		return s.appendLog(ctx, tx, a, "checklist.set", "checklist", string(cl.Stage), map[string]any{"checklist": cl})
	}), "", "")
}

// OpinionTemplate returns the tenant's own opinion template and its file
// name; KindNotFound while it has none (the caller then uses the default).
// Every user of the tenant may read it.
func (s *Store) OpinionTemplate(ctx context.Context, a cpaudit.Actor) ([]byte, string, error) {
	return s.tenantTemplate(ctx, a, "opinion_template", "storage.OpinionTemplate")
}

// SetOpinionTemplate stores a template the caller has checked
// (letter.CheckOpinion). KindConflict (opinion_template_not_allowed)
// unless the actor is an admin or a regulator.
func (s *Store) SetOpinionTemplate(ctx context.Context, a cpaudit.Actor, docx []byte, filename string) error {
	if err := authorityOnly(a, cpaudit.CodeOpinionTemplateNotAllowed, "change the opinion template"); err != nil {
		return err
	}
	return s.setTenantTemplate(ctx, a, "opinion_template", "storage.SetOpinionTemplate", docx, filename)
}

// ResetChecklist drops the tenant's own checklist of stage, logged, so the
// campaigns drawn afterwards use the built-in default again; campaigns
// drawn before keep the copy they took. Resetting a stage that has no
// checklist of its own changes nothing and logs nothing. KindConflict
// (checklist_not_allowed) for anyone but an admin or a regulator;
// KindUnprocessable (campaign_stage_unknown) for an unknown stage.
func (s *Store) ResetChecklist(ctx context.Context, a cpaudit.Actor, stage cpaudit.CampaignStage) error {
	if err := authorityOnly(a, cpaudit.CodeChecklistNotAllowed, "change the checklist"); err != nil {
		return err
	}
	def := cpaudit.DefaultChecklist(stage)
	if err := def.Validate(stage); err != nil {
		return err
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return err
	}
	return dbError("storage.ResetChecklist", inTx(ctx, db, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM checklists WHERE stage = ?`, string(stage))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return s.appendLog(ctx, tx, a, "checklist.reset", "checklist", string(stage), nil)
	}), "", "")
}
