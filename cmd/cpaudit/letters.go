package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/cpaudit/cpaudit/handlers"
	"github.com/cpaudit/cpaudit/storage"
)

// regenerateLetters makes good letter jobs a crash left behind: a batch's
// date change writes them and regenerates the letters in the request; if
// the server died in between, they are done here, at start and every
// ten minutes.
func regenerateLetters(ctx context.Context, store *storage.Store, srv *handlers.Server, log *slog.Logger) {
	tick := time.NewTicker(10 * time.Minute)
	defer tick.Stop()
	for {
		tenants, err := store.Tenants(ctx)
		if err != nil && ctx.Err() == nil {
			log.Error("listing tenants for letters failed", "err", err)
		}
		for _, t := range tenants {
			if err := srv.RegenerateLetters(ctx, t.ID); err != nil && ctx.Err() == nil {
				log.Error("regenerating letters failed", "tenant", t.Slug, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
