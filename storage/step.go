package storage

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cpaudit/cpaudit"
)

// stepStateNames are the states as a person reads them in a refusal.
var stepStateNames = map[cpaudit.StepState]string{
	cpaudit.StepNotStarted: "not started",
	cpaudit.StepInProgress: "in progress",
	cpaudit.StepSubmitted:  "submitted",
	cpaudit.StepReturned:   "returned",
	cpaudit.StepAccepted:   "accepted",
}

// mayTransition says whether the actor's role allows the action on an
// audit it can see: the audit's consultancy or enterprise submits (an
// admin may too), a regulator or an expert reviews (and an admin).
func mayTransition(a cpaudit.Actor, au cpaudit.Audit, action cpaudit.StepAction) error {
	if a.Role == cpaudit.RoleAdmin {
		return nil
	}
	switch action {
	case cpaudit.StepSubmit:
		switch {
		case a.Role == cpaudit.RoleConsultant && a.OrgID != "" && a.OrgID == au.ConsultancyID,
			a.Role == cpaudit.RoleEnterprise && a.OrgID != "" && a.OrgID == au.EnterpriseID:
			return nil
		}
		return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeStepSubmitterNotAllowed, "a %s may not submit a step: only the audit's consultancy or its enterprise submits steps", a.Role)
	default:
		if a.Role == cpaudit.RoleRegulator || a.Role == cpaudit.RoleExpert {
			return nil
		}
		return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeStepReviewerNotAllowed, "a %s may not %s a step: only a regulator or an expert reviews steps", a.Role, action)
	}
}

// nextState is the state the action leads to from the current one, or a
// KindConflict error saying why the state does not allow it.
func nextState(step int, from cpaudit.StepState, action cpaudit.StepAction) (cpaudit.StepState, error) {
	switch action {
	case cpaudit.StepSubmit:
		switch from {
		case cpaudit.StepNotStarted, cpaudit.StepInProgress, cpaudit.StepReturned:
			return cpaudit.StepSubmitted, nil
		}
		return "", cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeStepLocked, "step %d is %s and cannot be submitted again", step, stepStateNames[from]).
			With("step", strconv.Itoa(step)).With("state", string(from))
	case cpaudit.StepReturn, cpaudit.StepAccept:
		if from == cpaudit.StepSubmitted {
			if action == cpaudit.StepReturn {
				return cpaudit.StepReturned, nil
			}
			return cpaudit.StepAccepted, nil
		}
		return "", cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeStepNotSubmitted, "step %d is %s: only a submitted step can be %s", step, stepStateNames[from], map[cpaudit.StepAction]string{
			cpaudit.StepReturn: "returned", cpaudit.StepAccept: "accepted"}[action]).
			With("step", strconv.Itoa(step)).With("state", string(from))
	}
	return "", cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeStepActionUnknown, "unknown step action %q: use submit, return or accept", action)
}

// maxReason bounds a return reason, in characters.
const maxReason = 4000

// TransitionStep submits, returns or accepts step n (1..35) of an audit,
// appends the transition to the audit log in the same transaction, records
// the assessment and acceptance gates when they open, and returns the
// audit as it now stands.
//
// KindInvalid: n outside 1..35, a missing or overlong reason, an unknown
// action. KindNotFound: no such audit, or one the actor cannot see.
// KindConflict: the actor's role or the step's state does not allow it, or
// a step of P6/P7 is submitted before P1-P5 are all accepted.
// KindUnprocessable: a document id that is not a document of the audit.
func (s *Store) TransitionStep(ctx context.Context, a cpaudit.Actor, auditID string, n int, c cpaudit.StepChange) (cpaudit.Audit, error) {
	const op = "storage.TransitionStep"
	if n < 1 || n > cpaudit.StepCount {
		return cpaudit.Audit{}, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeStepOutOfRange, "step %d is outside 1..35", n)
	}
	c.Reason = strings.TrimSpace(c.Reason)
	switch c.Action {
	case cpaudit.StepSubmit, cpaudit.StepAccept, cpaudit.StepReturn:
	default:
		return cpaudit.Audit{}, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeStepActionUnknown, "unknown step action %q: use submit, return or accept", c.Action)
	}
	if c.Action == cpaudit.StepReturn && c.Reason == "" {
		return cpaudit.Audit{}, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeReasonRequired, "reason is required to return a step")
	}
	if !utf8.ValidString(c.Reason) || utf8.RuneCountInString(c.Reason) > maxReason {
		return cpaudit.Audit{}, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeReasonTooLong, "reason must be valid text of at most %d characters", maxReason).
			With("max", strconv.Itoa(maxReason))
	}
	if c.Action != cpaudit.StepSubmit && len(c.DocumentIDs) > 0 {
		return cpaudit.Audit{}, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeDocumentIDsMisplaced, "document_ids go with a submission only")
	}
	if len(c.DocumentIDs) > 200 {
		return cpaudit.Audit{}, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeDocumentIDsTooMany, "at most 200 document_ids").With("max", "200")
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.Audit{}, err
	}
	var au cpaudit.Audit
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		cur, err := s.audit(ctx, tx, a, auditID)
		if err != nil {
			return dbError(op, err, "no such audit", "")
		}
		if err := mayTransition(a, cur, c.Action); err != nil {
			return err
		}
		from := cur.Steps[n-1].State
		to, err := nextState(n, from, c.Action)
		if err != nil {
			return err
		}
		if c.Action == cpaudit.StepSubmit && n > cpaudit.AssessmentLastStep {
			for _, st := range cur.Steps[:cpaudit.AssessmentLastStep] {
				if st.State != cpaudit.StepAccepted {
					return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodePhaseGateClosed,
						"step %d belongs to %s and cannot be submitted before the assessment (评估): step %s of %s is %s, and every step of P1-P5 must be accepted first",
						n, cpaudit.PhaseOfStep(n), st.Code, st.Phase, stepStateNames[st.State]).
						With("step", strconv.Itoa(n)).With("phase", cpaudit.PhaseOfStep(n)).With("blocking", st.Code)
				}
			}
		}
		docs := []string{}
		seen := map[string]bool{}
		for _, id := range c.DocumentIDs {
			if seen[id] {
				continue
			}
			seen[id] = true
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM documents WHERE id = ? AND audit_id = ? AND deleted_at IS NULL`, id, auditID).Scan(&one)
			if err == sql.ErrNoRows {
				return cpaudit.Refuse(cpaudit.KindUnprocessable, cpaudit.CodeDocumentNotOfAudit, "%q is not a document of this audit", id)
			}
			if err != nil {
				return err
			}
			docs = append(docs, id)
		}
		if c.Action == cpaudit.StepSubmit {
			if err := checkRequired(ctx, tx, auditID, n, docs); err != nil {
				return err
			}
		}
		now := s.clock()
		who := a.Email
		if who == "" {
			who = "system"
		}
		reason := ""
		if c.Action == cpaudit.StepReturn {
			reason = c.Reason
		}
		if c.Action == cpaudit.StepSubmit {
			_, err = tx.ExecContext(ctx, `UPDATE audit_steps SET state = ?, updated_at = ?, changed_by = ?, changed_at = ?, reason = ?, document_ids = ?
				WHERE audit_id = ? AND number = ?`, string(to), micros(now), who, micros(now), reason, mustJSON(docs), auditID, n)
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE audit_steps SET state = ?, updated_at = ?, changed_by = ?, changed_at = ?, reason = ?
				WHERE audit_id = ? AND number = ?`, string(to), micros(now), who, micros(now), reason, auditID, n)
		}
		if err != nil {
			return err
		}
		detail := map[string]any{"step": n, "from": string(from), "to": string(to)}
		if reason != "" {
			detail["reason"] = reason
		}
		if len(docs) > 0 {
			detail["document_ids"] = docs
		}
		if err := s.appendLog(ctx, tx, a, "step."+string(c.Action), "audit", auditID, detail); err != nil {
			return err
		}
		if to == cpaudit.StepAccepted {
			if err := s.openGates(ctx, tx, a, auditID, now); err != nil {
				return err
			}
		}
		if _, err := s.refreshProgress(ctx, tx, auditID); err != nil {
			return err
		}
		au, err = s.audit(ctx, tx, a, auditID)
		return err
	})
	if err != nil {
		return cpaudit.Audit{}, dbError(op, err, "", "")
	}
	return au, nil
}

// openGates records, once, when steps 1..27 (P1-P5) are all accepted — the
// assessment opens — and when all 35 are — the acceptance opens.
func (s *Store) openGates(ctx context.Context, tx *sql.Tx, a cpaudit.Actor, auditID string, now time.Time) error {
	for _, g := range []struct {
		column, action string
		last           int
	}{
		{"assessment_open_at", "audit.assessment_open", cpaudit.AssessmentLastStep},
		{"acceptance_open_at", "audit.acceptance_open", cpaudit.StepCount},
	} {
		var pending int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM audit_steps WHERE audit_id = ? AND number <= ? AND state <> ?`,
			auditID, g.last, string(cpaudit.StepAccepted)).Scan(&pending); err != nil {
			return err
		}
		if pending > 0 {
			continue
		}
		res, err := tx.ExecContext(ctx, `UPDATE audits SET `+g.column+` = ? WHERE id = ? AND `+g.column+` IS NULL`, micros(now), auditID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 1 {
			if err := s.appendLog(ctx, tx, a, g.action, "audit", auditID, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// startStep moves a step that is not started to in_progress when its
// first document is uploaded, and logs it; any other state stays (a
// returned step keeps its reason until it is submitted again).
func (s *Store) startStep(ctx context.Context, tx *sql.Tx, a cpaudit.Actor, auditID string, n int, now time.Time) error {
	if auditID == "" || n < 1 || n > cpaudit.StepCount {
		return nil
	}
	who := a.Email
	if who == "" {
		who = "system"
	}
	res, err := tx.ExecContext(ctx, `UPDATE audit_steps SET state = ?, updated_at = ?, changed_by = ?, changed_at = ?
		WHERE audit_id = ? AND number = ? AND state = ?`, string(cpaudit.StepInProgress), micros(now), who, micros(now),
		auditID, n, string(cpaudit.StepNotStarted))
	if err != nil {
		return err
	}
	if changed, err := res.RowsAffected(); err != nil || changed == 0 {
		return err
	}
	if _, err := s.refreshProgress(ctx, tx, auditID); err != nil {
		return err
	}
	return s.appendLog(ctx, tx, a, "step.start", "audit", auditID, map[string]any{
		"step": n, "from": string(cpaudit.StepNotStarted), "to": string(cpaudit.StepInProgress)})
}
