package httpx

import (
	"context"
	"log/slog"
)

// LetterRunner runs a tenant's queued letter jobs (letter.Service).
type LetterRunner interface {
	RunTenant(ctx context.Context, tenantID string) (int, error)
}

// RegenerateLettersNow runs the letter jobs a batch update wrote, within
// the request: a batch has tens to hundreds of letters, each filled in
// milliseconds. A failure is logged, not answered: the dates are saved,
// and the jobs stay in the outbox for the next run.
func RegenerateLettersNow(ctx context.Context, log *slog.Logger, letters LetterRunner, tenantID string) {
	if _, err := letters.RunTenant(ctx, tenantID); err != nil {
		log.Error("regenerating letters failed; the jobs stay queued", "tenant", tenantID, "err", err)
	}
}
