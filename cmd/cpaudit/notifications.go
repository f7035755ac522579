package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/digest"
	"github.com/cpaudit/cpaudit/scheduler"
	"github.com/cpaudit/cpaudit/storage"
)

// notificationJob, at start and daily at cfg.DigestTime in China time,
// announces the rectification orders due within 7 days or overdue (once
// each: the sweep is idempotent), then mails each user the digest of its
// notifications not yet mailed, when an SMTP server is configured.
func notificationJob(store *storage.Store, cfg *Config, log *slog.Logger) scheduler.Daily {
	return scheduler.Daily{
		Name: "notifications", At: cfg.DigestTime, Location: cpaudit.ChinaLocation(), Log: log,
		Job: func(ctx context.Context) error {
			n, err := store.SweepAllNotifications(ctx)
			log.Info("rectification notifications swept", "written", n)
			sent, derr := digest.Send(ctx, store, cfg.SMTP, log, time.Now())
			if cfg.SMTP.Enabled() {
				log.Info("notification digests mailed", "sent", sent)
			}
			return errors.Join(err, derr)
		},
	}
}

// checkDigest refuses a malformed --digest-time or SMTP setting before
// serving.
func checkDigest(cfg *Config) error {
	if cfg.DigestTime != "" {
		if _, _, err := scheduler.ParseAt(cfg.DigestTime); err != nil {
			return err
		}
	}
	return cfg.SMTP.Check()
}
