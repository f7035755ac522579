package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/cpaudit/cpaudit/letter"
)

// regenerateLetters makes good letter jobs a crash left behind: a batch's
// date change writes them and regenerates the letters in the request; if
// the server died in between, they are done here, at start and every
// ten minutes.
func regenerateLetters(ctx context.Context, letters *letter.Service, log *slog.Logger) {
	tick := time.NewTicker(10 * time.Minute)
	defer tick.Stop()
	for {
		if _, err := letters.RunOnce(ctx); err != nil && ctx.Err() == nil {
			log.Error("regenerating letters failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
