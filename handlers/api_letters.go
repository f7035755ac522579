package handlers

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/letter"
	"github.com/cpaudit/cpaudit/storage"
)

// letterStore is what the letter routes and assigning a consultancy need
// from storage.
type letterStore interface {
	LetterTemplate(ctx context.Context, a cpaudit.Actor) ([]byte, string, error)
	SetLetterTemplate(ctx context.Context, a cpaudit.Actor, docx []byte, filename string) error
	MayIssueLetters(ctx context.Context, a cpaudit.Actor, auditID string) error
	SaveLetter(ctx context.Context, a cpaudit.Actor, auditID string, st *storage.Staged) (cpaudit.Document, error)
	Letter(ctx context.Context, a cpaudit.Actor, auditID string) (cpaudit.Document, error)
	ClaimLetterJobs(ctx context.Context, tenantID string, limit int, lease time.Duration) ([]storage.LetterJob, error)
	CompleteLetterJob(ctx context.Context, j storage.LetterJob, st *storage.Staged) (cpaudit.Document, error)
	FailLetterJob(ctx context.Context, j storage.LetterJob) (gaveUp bool, err error)
	ReleaseJob(ctx context.Context, tenantID string, id int64, attempts int) error
	SetAuditConsultancy(ctx context.Context, a cpaudit.Actor, auditID, consultancyID string) (cpaudit.Audit, error)
	AuditParties(ctx context.Context, a cpaudit.Actor, auditID string) (ent, cons cpaudit.Organisation, err error)
}

const docxType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

// template returns the tenant's letter template, or the default.
func (s *Server) letterTemplate(ctx context.Context, a cpaudit.Actor) ([]byte, string, error) {
	docx, name, err := s.store.LetterTemplate(ctx, a)
	if cpaudit.IsKind(err, cpaudit.KindNotFound) {
		d, err := letter.Default()
		if err != nil {
			return nil, "", cpaudit.Internal("handlers.letterTemplate", err)
		}
		return d, "一次性告知书模板.docx", nil
	}
	return docx, name, err
}

func (s *Server) apiGetLetterTemplate(w http.ResponseWriter, r *http.Request) error {
	docx, name, err := s.letterTemplate(r.Context(), actorOf(r))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", docxType)
	w.Header().Set("Content-Disposition", contentDisposition(name))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(docx)
	return nil
}

// apiPutLetterTemplate replaces the tenant's template with the body, a
// .docx of at most letter.MaxTemplateBytes checked by letter.Check.
func (s *Server) apiPutLetterTemplate(w http.ResponseWriter, r *http.Request) error {
	a := actorOf(r)
	if a.Role != cpaudit.RoleAdmin && a.Role != cpaudit.RoleRegulator {
		// Refused before the body is read.
		return cpaudit.Errorf(cpaudit.KindConflict, "only an admin or a regulator may change the letter template")
	}
	if err := limitBody(w, r, letter.MaxTemplateBytes, "the template"); err != nil {
		return err
	}
	docx, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	if err := letter.Check(docx); err != nil {
		return err
	}
	name := r.URL.Query().Get("filename")
	if name == "" {
		name = "一次性告知书模板.docx"
	}
	if err := s.store.SetLetterTemplate(r.Context(), a, docx, name); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// apiGenerateLetter generates an audit's letter (again) and answers the
// document.
func (s *Server) apiGenerateLetter(w http.ResponseWriter, r *http.Request) error {
	d, err := s.generateLetter(r.Context(), actorOf(r), param(r, "id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusCreated, documentJSON(d))
	return nil
}

// generateLetter fills the tenant's template with the audit's facts and
// stores it as the audit's letter (a new version when it has one).
func (s *Server) generateLetter(ctx context.Context, a cpaudit.Actor, auditID string) (cpaudit.Document, error) {
	if err := s.store.MayIssueLetters(ctx, a, auditID); err != nil {
		return cpaudit.Document{}, err
	}
	docx, err := s.buildLetter(ctx, a, auditID)
	if err != nil {
		return cpaudit.Document{}, err
	}
	st, err := s.store.Stage(bytes.NewReader(docx), int64(len(docx))+1)
	if err != nil {
		return cpaudit.Document{}, err
	}
	defer st.Close()
	return s.store.SaveLetter(ctx, a, auditID, st)
}

// buildLetter reads an audit's facts as a and fills the template.
func (s *Server) buildLetter(ctx context.Context, a cpaudit.Actor, auditID string) ([]byte, error) {
	au, err := s.store.Audit(ctx, a, auditID)
	if err != nil {
		return nil, err
	}
	ent, _, err := s.store.AuditParties(ctx, a, auditID)
	if err != nil {
		return nil, err
	}
	reqs, err := s.store.StepRequirements(ctx, a)
	if err != nil {
		return nil, err
	}
	t, err := s.store.TenantByID(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	tmpl, _, err := s.letterTemplate(ctx, a)
	if err != nil {
		return nil, err
	}
	facts := letter.FactsOf(ent, au.Batch, reqs, t.Name, s.now().In(chinaTime).Format(time.DateOnly))
	docx, err := letter.Fill(tmpl, facts)
	var ce *cpaudit.Error
	if err != nil && !errors.As(err, &ce) { // zip writing failed
		return nil, cpaudit.Internal("handlers.buildLetter", err)
	}
	return docx, err
}

// RegenerateLetters works off a tenant's letter jobs, written when a
// batch's dates change: each letter gets a new version with the new
// dates. The batch update runs it right away; the jobs stay in the outbox
// until done, so a crash in between is made good by the next run (every
// PATCH of a batch, and the background loop of cmd/cpaudit).
func (s *Server) RegenerateLetters(ctx context.Context, tenantID string) error {
	for {
		jobs, err := s.store.ClaimLetterJobs(ctx, tenantID, 20, 5*time.Minute)
		if err != nil || len(jobs) == 0 {
			return err
		}
		for _, j := range jobs {
			err := s.regenerateLetter(ctx, tenantID, j)
			if err == nil {
				continue
			}
			if ctx.Err() != nil {
				// Stopping: the job is due again at once, the attempt
				// not counted.
				if rerr := s.store.ReleaseJob(ctx, tenantID, j.ID, j.Attempts); rerr != nil {
					s.log.Warn("a letter job left unfinished at shutdown runs again when its lease ends", "tenant", tenantID, "err", rerr)
				}
				return ctx.Err()
			}
			// One letter that cannot be built must not hold up the
			// others: it stays leased (so this loop ends) and is tried
			// again later, up to storage.MaxLetterAttempts times.
			gaveUp, ferr := s.store.FailLetterJob(ctx, j)
			if ferr != nil {
				return ferr
			}
			if gaveUp {
				s.log.Error("letter regeneration failed for good; the letter keeps its last version",
					"tenant", tenantID, "audit", j.AuditID, "attempts", j.Attempts, "err", err)
			} else {
				s.log.Warn("letter regeneration failed; it will be retried",
					"tenant", tenantID, "audit", j.AuditID, "attempts", j.Attempts, "err", err)
			}
		}
	}
}

func (s *Server) regenerateLetter(ctx context.Context, tenantID string, j storage.LetterJob) error {
	docx, err := s.buildLetter(ctx, cpaudit.SystemActor(tenantID), j.AuditID)
	if err != nil {
		return err
	}
	st, err := s.store.Stage(bytes.NewReader(docx), int64(len(docx))+1)
	if err != nil {
		return err
	}
	defer st.Close()
	_, err = s.store.CompleteLetterJob(ctx, j, st)
	return err
}

// apiPatchAudit assigns, changes or removes (consultancy_id "") an
// audit's consultancy.
func (s *Server) apiPatchAudit(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		ConsultancyID *string `json:"consultancy_id"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.ConsultancyID == nil {
		return cpaudit.Errorf(cpaudit.KindInvalid, "consultancy_id is required (\"\" makes it a self-audit)")
	}
	au, err := s.store.SetAuditConsultancy(r.Context(), actorOf(r), param(r, "id"), *in.ConsultancyID)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, au)
	return nil
}

// regenerateLettersNow runs the letter jobs a batch update wrote, within
// the request: a batch has tens to hundreds of letters, each filled in
// milliseconds. A failure is logged, not answered: the dates are saved,
// and the jobs stay in the outbox for the next run.
func (s *Server) regenerateLettersNow(ctx context.Context, tenantID string) {
	if err := s.RegenerateLetters(ctx, tenantID); err != nil {
		s.log.Error("regenerating letters failed; the jobs stay queued", "tenant", tenantID, "err", err)
	}
}
