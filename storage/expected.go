package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/cpaudit/cpaudit"
)

// StepRequirements returns the 35 steps with the documents the actor's
// tenant expects for each: the embedded defaults
// (cpaudit.DefaultStepRequirements) with the tenant's own lists in their
// place where it set one. Every user of the tenant may read them.
func (s *Store) StepRequirements(ctx context.Context, a cpaudit.Actor) ([]cpaudit.StepRequirement, error) {
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	reqs, err := stepRequirements(ctx, db)
	return reqs, dbError("storage.StepRequirements", err, "", "")
}

func stepRequirements(ctx context.Context, q querier) ([]cpaudit.StepRequirement, error) {
	reqs, err := cpaudit.DefaultStepRequirements()
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT step, documents FROM step_expected`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var n int
		var docs string
		if err := rows.Scan(&n, &docs); err != nil {
			return nil, err
		}
		list := []cpaudit.ExpectedDocument{}
		if err := json.Unmarshal([]byte(docs), &list); err != nil {
			return nil, err
		}
		reqs[n-1].Documents = list
	}
	return reqs, rows.Err()
}

// SetStepExpected replaces the tenant's list of expected documents of step
// n and logs the lists before and after. Admins and regulators may
// (KindConflict otherwise). KindInvalid for n outside 1..35 or a malformed
// list, KindUnprocessable for a list that breaks a rule (see
// cpaudit.ValidateExpected).
func (s *Store) SetStepExpected(ctx context.Context, a cpaudit.Actor, n int, docs []cpaudit.ExpectedDocument) (cpaudit.StepRequirement, error) {
	const op = "storage.SetStepExpected"
	if a.Role != cpaudit.RoleAdmin && a.Role != cpaudit.RoleRegulator {
		return cpaudit.StepRequirement{}, cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeExpectedNotAllowed, "only an admin or a regulator may configure the expected documents")
	}
	if n < 1 || n > cpaudit.StepCount {
		return cpaudit.StepRequirement{}, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeStepOutOfRange, "step %d is outside 1..35", n)
	}
	if docs == nil {
		docs = []cpaudit.ExpectedDocument{}
	}
	if err := cpaudit.ValidateExpected(docs); err != nil {
		return cpaudit.StepRequirement{}, err
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.StepRequirement{}, err
	}
	var out cpaudit.StepRequirement
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		reqs, err := stepRequirements(ctx, tx)
		if err != nil {
			return err
		}
		before := reqs[n-1].Documents
		now := s.clock()
		if _, err := tx.ExecContext(ctx, `INSERT INTO step_expected (step, documents, updated_by, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (step) DO UPDATE SET documents = excluded.documents, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			n, mustJSON(docs), a.Email, micros(now)); err != nil {
			return err
		}
		out = reqs[n-1]
		out.Documents = docs
		return s.appendLog(ctx, tx, a, "step.expected", "step", strconv.Itoa(n),
			map[string]any{"step": n, "before": before, "after": docs})
	})
	if err != nil {
		return cpaudit.StepRequirement{}, dbError(op, err, "", "")
	}
	return out, nil
}

// stepDocs are the live documents of an audit, by the step they were
// uploaded to (0 for none).
func stepDocs(ctx context.Context, q querier, auditID string) (map[int][]cpaudit.Document, map[string]cpaudit.Document, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, kind, title, COALESCE(step, 0) FROM documents
		WHERE audit_id = ? AND deleted_at IS NULL ORDER BY created_at, id`, auditID)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	byStep := map[int][]cpaudit.Document{}
	byID := map[string]cpaudit.Document{}
	for rows.Next() {
		var d cpaudit.Document
		var kind string
		if err := rows.Scan(&d.ID, &kind, &d.Title, &d.Step); err != nil {
			return nil, nil, err
		}
		d.Kind = cpaudit.DocKind(kind)
		byStep[d.Step] = append(byStep[d.Step], d)
		byID[d.ID] = d
	}
	return byStep, byID, rows.Err()
}

// attachedTo is what serves a step's expected documents: the documents
// uploaded to the step, then those handed in with it from elsewhere in the
// audit.
func attachedTo(n int, byStep map[int][]cpaudit.Document, byID map[string]cpaudit.Document, submitted []string) []cpaudit.Document {
	out := append([]cpaudit.Document(nil), byStep[n]...)
	for _, id := range submitted {
		if d, ok := byID[id]; ok && d.Step != n {
			out = append(out, d)
		}
	}
	return out
}

// fillExpected sets each step's Expected list of an audit read by s.audit.
func fillExpected(ctx context.Context, q querier, au *cpaudit.Audit) error {
	reqs, err := stepRequirements(ctx, q)
	if err != nil {
		return err
	}
	byStep, byID, err := stepDocs(ctx, q, au.ID)
	if err != nil {
		return err
	}
	for i := range au.Steps {
		st := &au.Steps[i]
		st.Expected = cpaudit.MatchExpected(reqs[i].Documents, attachedTo(i+1, byStep, byID, st.DocumentIDs))
	}
	return nil
}

// checkRequired refuses (KindConflict) to submit step n while a required
// expected document has nothing attached, naming what is missing.
func checkRequired(ctx context.Context, q querier, auditID string, n int, submitted []string) error {
	reqs, err := stepRequirements(ctx, q)
	if err != nil {
		return err
	}
	byStep, byID, err := stepDocs(ctx, q, auditID)
	if err != nil {
		return err
	}
	matched := cpaudit.MatchExpected(reqs[n-1].Documents, attachedTo(n, byStep, byID, submitted))
	if missing := cpaudit.MissingRequired(matched); len(missing) > 0 {
		var zh, en []string
		for _, e := range matched {
			if e.Required && e.DocumentID == "" {
				zh, en = append(zh, e.Zh), append(en, e.En)
			}
		}
		return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeDocumentsRequired, "step %d cannot be submitted: required documents are missing: %s; upload them to the step or submit them with it",
			n, strings.Join(missing, "; ")).
			With("step", strconv.Itoa(n)).With("documents_zh", strings.Join(zh, "、")).With("documents_en", strings.Join(en, "; "))
	}
	return nil
}
