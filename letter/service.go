package letter

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/cpaudit/cpaudit"
)

// Store is what the letter service needs from storage.
type Store interface {
	Tenants(ctx context.Context) ([]cpaudit.Tenant, error)
	TenantByID(ctx context.Context, id string) (cpaudit.Tenant, error)
	Audit(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.Audit, error)
	AuditParties(ctx context.Context, a cpaudit.Actor, auditID string) (ent, cons cpaudit.Organisation, err error)
	StepRequirements(ctx context.Context, a cpaudit.Actor) ([]cpaudit.StepRequirement, error)
	LetterTemplate(ctx context.Context, a cpaudit.Actor) ([]byte, string, error)
	MayIssueLetters(ctx context.Context, a cpaudit.Actor, auditID string) error
	Stage(r io.Reader, max int64) (cpaudit.Staged, error)
	SaveLetter(ctx context.Context, a cpaudit.Actor, auditID string, st cpaudit.Staged) (cpaudit.Document, error)
	ClaimLetterJobs(ctx context.Context, tenantID string, limit int, lease time.Duration) ([]cpaudit.LetterJob, error)
	CompleteLetterJob(ctx context.Context, j cpaudit.LetterJob, st cpaudit.Staged) (cpaudit.Document, error)
	FailLetterJob(ctx context.Context, j cpaudit.LetterJob) (gaveUp bool, err error)
	ReleaseJob(ctx context.Context, tenantID string, id int64, attempts int) error
}

// DefaultTemplateName is the file name the built-in template is served as.
const DefaultTemplateName = "一次性告知书模板.docx"

// Service builds audits' letters and keeps them current: a letter is made
// on request (Generate), and made again by the letter jobs that a change of
// a batch's dates writes to the outbox (RunOnce, RunTenant).
type Service struct {
	store Store
	now   func() time.Time
	log   *slog.Logger
}

// NewService returns a service over store; now and log may be nil.
func NewService(store Store, now func() time.Time, log *slog.Logger) *Service {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, now: now, log: log}
}

// Template returns the tenant's letter template and its file name, or the
// built-in default when the tenant has none.
func (s *Service) Template(ctx context.Context, a cpaudit.Actor) ([]byte, string, error) {
	docx, name, err := s.store.LetterTemplate(ctx, a)
	if cpaudit.IsKind(err, cpaudit.KindNotFound) {
		d, err := Default()
		if err != nil {
			return nil, "", cpaudit.Internal("letter.Template", err)
		}
		return d, DefaultTemplateName, nil
	}
	return docx, name, err
}

// Generate fills the tenant's template with the audit's facts and stores
// it as the audit's letter (a new version when it has one). Errors as the
// store's MayIssueLetters and SaveLetter.
func (s *Service) Generate(ctx context.Context, a cpaudit.Actor, auditID string) (cpaudit.Document, error) {
	if err := s.store.MayIssueLetters(ctx, a, auditID); err != nil {
		return cpaudit.Document{}, err
	}
	docx, err := s.build(ctx, a, auditID)
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

// build reads an audit's facts as a and fills the template.
func (s *Service) build(ctx context.Context, a cpaudit.Actor, auditID string) ([]byte, error) {
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
	tmpl, _, err := s.Template(ctx, a)
	if err != nil {
		return nil, err
	}
	facts := FactsOf(ent, au.Batch, reqs, t.Name, s.now().In(cpaudit.ChinaLocation()).Format(time.DateOnly))
	docx, err := Fill(tmpl, facts)
	var ce *cpaudit.Error
	if err != nil && !errors.As(err, &ce) { // zip writing failed
		return nil, cpaudit.Internal("letter.build", err)
	}
	return docx, err
}

// RunOnce works off the letter jobs of every tenant and says how many it
// handled: the background runner's round.
func (s *Service) RunOnce(ctx context.Context) (int, error) {
	tenants, err := s.store.Tenants(ctx)
	if err != nil {
		return 0, err
	}
	done := 0
	for _, t := range tenants {
		n, err := s.RunTenant(ctx, t.ID)
		done += n
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

// letterLease is how long a letter job is ours: a letter takes
// milliseconds to fill and store.
const letterLease = 5 * time.Minute

// RunTenant works off a tenant's letter jobs, written when a batch's dates
// change: each letter gets a new version with the new dates. A batch
// update calls it within the request (a batch has tens to hundreds of
// letters, each filled in milliseconds); the jobs stay in the outbox until
// done, so one that a crash cut off is done by the next round.
func (s *Service) RunTenant(ctx context.Context, tenantID string) (int, error) {
	done := 0
	for {
		jobs, err := s.store.ClaimLetterJobs(ctx, tenantID, 20, letterLease)
		if err != nil || len(jobs) == 0 {
			return done, err
		}
		for _, j := range jobs {
			err := s.regenerate(ctx, tenantID, j)
			done++
			if err == nil {
				continue
			}
			if ctx.Err() != nil {
				// Stopping: the job is due again at once, the attempt
				// not counted.
				if rerr := s.store.ReleaseJob(ctx, tenantID, j.ID, j.Attempts); rerr != nil {
					s.log.Warn("a letter job left unfinished at shutdown runs again when its lease ends", "tenant", tenantID, "err", rerr)
				}
				return done, ctx.Err()
			}
			// One letter that cannot be built must not hold up the
			// others: it stays leased (so this loop ends) and is tried
			// again later, up to the store's maximum of attempts.
			gaveUp, ferr := s.store.FailLetterJob(ctx, j)
			if ferr != nil {
				return done, ferr
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

func (s *Service) regenerate(ctx context.Context, tenantID string, j cpaudit.LetterJob) error {
	docx, err := s.build(ctx, cpaudit.SystemActor(tenantID), j.AuditID)
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
