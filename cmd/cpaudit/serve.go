package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"time"

	"github.com/cpaudit/cpaudit/handlers"
	"github.com/cpaudit/cpaudit/letter"
	"github.com/cpaudit/cpaudit/scheduler"
	"github.com/cpaudit/cpaudit/search/extract"
	"github.com/cpaudit/cpaudit/search/index"
	"github.com/cpaudit/cpaudit/search/ocr"
	"github.com/cpaudit/cpaudit/search/pipeline"
	"github.com/cpaudit/cpaudit/storage"
	"github.com/cpaudit/cpaudit/templates"
)

func cmdServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := serveFlags(&cfg, getenv, stderr)
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	return serve(ctx, &cfg, stderr, nil)
}

func serveFlags(cfg *Config, getenv func(string) string, stderr io.Writer) *flag.FlagSet {
	fs := newFlagSet("serve", cfg, getenv, stderr)
	env := func(key, def string) string {
		if v := getenv("CPAUDIT_" + key); v != "" {
			return v
		}
		return def
	}
	fs.StringVar(&cfg.Addr, "addr", env("ADDR", "127.0.0.1:8080"), "address to listen on (CPAUDIT_ADDR)")
	fs.Func("max-upload-mb", "largest upload in MiB, default 512 (CPAUDIT_MAX_UPLOAD_MB)", func(s string) error {
		return parseMiB(s, &cfg.MaxUpload)
	})
	if v := env("MAX_UPLOAD_MB", ""); v != "" {
		if err := parseMiB(v, &cfg.MaxUpload); err != nil {
			cfg.envErr = fmt.Errorf("CPAUDIT_MAX_UPLOAD_MB=%q: %w", v, err)
		}
	}
	trust := false
	if v := env("TRUST_PROXY", ""); v != "" {
		var err error
		if trust, err = strconv.ParseBool(v); err != nil {
			cfg.envErr = fmt.Errorf("CPAUDIT_TRUST_PROXY=%q: want true or false", v)
		}
	}
	fs.StringVar(&cfg.TLSCert, "tls-cert", env("TLS_CERT", ""), "TLS certificate file; with --tls-key serves HTTPS (CPAUDIT_TLS_CERT)")
	fs.StringVar(&cfg.TLSKey, "tls-key", env("TLS_KEY", ""), "TLS key file (CPAUDIT_TLS_KEY)")
	fs.BoolVar(&cfg.TrustProxy, "trust-proxy", trust, "take client addresses from the proxy's X-Forwarded-For hop (CPAUDIT_TRUST_PROXY)")
	idle := handlers.DefaultSessionIdle
	if v := env("SESSION_IDLE", ""); v != "" {
		if err := parseIdle(v, &idle); err != nil {
			cfg.envErr = fmt.Errorf("CPAUDIT_SESSION_IDLE=%q: %w", v, err)
		}
	}
	cfg.SessionIdle = idle
	fs.Func("session-idle", "end a web session unused for this long, e.g. 30m or 2h; default 30m (CPAUDIT_SESSION_IDLE)", func(s string) error {
		return parseIdle(s, &cfg.SessionIdle)
	})
	fs.StringVar(&cfg.DeadlineTime, "deadline-time", env("DEADLINE_TIME", "01:00"), "daily time (HH:MM, Asia/Shanghai) to recompute overdue audits (CPAUDIT_DEADLINE_TIME)")
	fs.StringVar(&cfg.DigestTime, "digest-time", env("DIGEST_TIME", "07:30"), "daily time (HH:MM, Asia/Shanghai) to announce rectifications due soon or overdue and mail the digest (CPAUDIT_DIGEST_TIME)")
	fs.StringVar(&cfg.SMTP.Addr, "smtp-addr", env("SMTP_ADDR", ""), "SMTP server HOST:PORT for the daily e-mail digest; empty: no e-mail (CPAUDIT_SMTP_ADDR)")
	fs.StringVar(&cfg.SMTP.From, "smtp-from", env("SMTP_FROM", ""), "sender address of the digest (CPAUDIT_SMTP_FROM)")
	fs.StringVar(&cfg.SMTP.Username, "smtp-user", env("SMTP_USER", ""), "SMTP user name, optional (CPAUDIT_SMTP_USER)")
	fs.StringVar(&cfg.SMTP.Password, "smtp-password", env("SMTP_PASSWORD", ""), "SMTP password (CPAUDIT_SMTP_PASSWORD)")
	return fs
}

func parseIdle(s string, dst *time.Duration) error {
	d, err := time.ParseDuration(s)
	if err != nil || d < time.Minute {
		return fmt.Errorf("want a duration of at least 1m, such as 30m or 2h")
	}
	*dst = d
	return nil
}

func parseMiB(s string, dst *int64) error {
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil || n <= 0 {
		return fmt.Errorf("want a positive number of MiB")
	}
	*dst = n << 20
	return nil
}

// serve runs the server until ctx is cancelled (SIGTERM), then stops
// accepting connections and waits for in-flight requests, uploads
// included, to finish. ready, if not nil, receives the listening address.
func serve(ctx context.Context, cfg *Config, stderr io.Writer, ready func(addr string)) error {
	if cfg.envErr != nil {
		return cfg.envErr
	}
	log := cfg.logger(stderr)
	if err := checkDeadlineTime(cfg); err != nil {
		return err
	}
	if err := checkDigest(cfg); err != nil {
		return err
	}
	store, err := cfg.openStore(ctx, log)
	if err != nil {
		return err
	}
	defer store.Close()
	indexes := openIndexes(store)
	defer indexes.Close()
	// Extraction, indexing and analysis take turns at long texts.
	longTexts := pipeline.NewGate(0)
	indexer := pipeline.NewIndexer(store, indexes, pipeline.Config{Logger: log, Gate: longTexts})
	if err := indexer.Open(ctx); err != nil {
		return fmt.Errorf("opening the search indexes: %w", err)
	}
	// The indexes' locks are ours now, so no other server runs on this
	// data directory: jobs still leased by an earlier run are orphans.
	if n, err := store.ReclaimLeases(ctx); err != nil {
		return fmt.Errorf("reclaiming the jobs of an earlier run: %w", err)
	} else if n > 0 {
		log.Info("jobs left by an earlier run are due again", "jobs", n)
	}
	letters := letter.NewService(store, nil, log)
	tempDir := filepath.Join(cfg.DataDir, "tmp")
	// OCR runs when Tesseract with its Chinese model is installed; without
	// it, scans and photos are marked unsupported with the reason.
	ocrEngine, ocrErr := ocr.Find(tempDir)
	ocrLine := "unavailable: "
	if ocrErr != nil {
		ocrLine += ocrErr.Error()
		log.Warn("OCR is off: scans and photos are not read", "reason", ocrErr)
	} else {
		ocrLine = ocrEngine.Describe()
	}
	srv, err := handlers.New(handlers.Config{
		Store: store, Search: indexes, Letters: letters, Templates: templates.FS, Logger: log, MaxUploadBytes: cfg.MaxUpload, OCR: ocrLine,
		SecureCookies: cfg.TLSCert != "", HSTS: cfg.TLSCert != "", TrustProxy: cfg.TrustProxy,
		SessionIdle: cfg.SessionIdle,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	httpServer := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		// No ReadTimeout or WriteTimeout: a 512 MiB upload or download on a
		// slow intranet link may take many minutes.
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
	}
	log.Info("cpaudit listening", "addr", ln.Addr().String(), "url", scheme+"://"+ln.Addr().String(), "data", cfg.DataDir, "blobs", blobsName(cfg))
	if ready != nil {
		ready(ln.Addr().String())
	}
	// The background work runs beside the server: text extraction,
	// indexing and analysis fed by the jobs each upload writes, letters,
	// garbage collection and the daily deadlines. It stops with the server
	// (which waits for it before closing the indexes) and picks up where it
	// left off.
	ctx, stopBackground := context.WithCancel(ctx)
	background := make(chan struct{})
	defer func() { stopBackground(); <-background }() // also when serving fails
	pcfg := pipeline.Config{TempDir: tempDir, Logger: log, Gate: longTexts}
	worker := pipeline.New(store, pipeline.ExtractWithOCR(log, extract.DefaultLimits(), ocrErr), pcfg)
	// The OCR worker also runs without OCR: it marks the scans an earlier
	// run with OCR had queued unsupported rather than leave them pending.
	why := ""
	if ocrErr != nil {
		why = ocrErr.Error()
	}
	ocrWorker := pipeline.NewOCR(store, pipeline.OCRWith(log, extract.DefaultLimits(), ocrEngine, why, tempDir), pipeline.Config{TempDir: tempDir, Logger: log})
	analyzer := pipeline.NewAnalyzer(store, pipeline.AnalyzerConfig{Config: pcfg})
	runner := scheduler.NewRunner(log)
	runner.Add("text extraction", worker.Run)
	runner.Add("OCR", ocrWorker.Run)
	runner.Add("indexing", indexer.Run)
	runner.Add("analysis", analyzer.Run)
	// A batch's date change regenerates its letters in the request; a
	// crash in between leaves jobs that this finds.
	runner.Add("letters", scheduler.Rounds(time.Minute, log, "letter regeneration", letters.RunOnce))
	runner.Add("garbage collection", scheduler.Every(time.Hour, log, "garbage collection", collectGarbage(store, log)))
	runner.Add("deadlines", func(ctx context.Context) { deadlineJob(store, cfg, log).Run(ctx) })
	runner.Add("notifications", func(ctx context.Context) { notificationJob(store, cfg, log).Run(ctx) })
	go func() { runner.Run(ctx); close(background) }()

	errc := make(chan error, 1)
	go func() {
		if cfg.TLSCert != "" {
			errc <- httpServer.ServeTLS(ln, cfg.TLSCert, cfg.TLSKey)
		} else {
			errc <- httpServer.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: waiting for requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := httpServer.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// openIndexes returns the tenants' full-text indexes, each in its
// tenant's directory, opened on first use.
func openIndexes(store *storage.Store) *index.Set {
	return index.NewSet(func(ctx context.Context, tenantID string) (string, error) {
		t, err := store.TenantByID(ctx, tenantID)
		if err != nil {
			return "", err
		}
		return store.IndexDir(t.Slug), nil
	})
}

func blobsName(cfg *Config) string {
	if cfg.S3.Endpoint != "" {
		return "s3://" + cfg.S3.Endpoint + "/" + cfg.S3.Bucket
	}
	return "local"
}

// collectGarbage removes orphan blobs and stale temporary files (at start
// and every hour after, see serve). Anything younger than an hour is left
// alone: another process may be uploading.
func collectGarbage(store *storage.Store, log *slog.Logger) func(context.Context) error {
	return func(ctx context.Context) error {
		if err := store.CleanTemp(time.Hour); err != nil {
			log.Error("cleaning temporary files failed", "err", err)
		}
		n, err := store.CollectGarbage(ctx, time.Hour)
		if n > 0 {
			log.Info("garbage collection", "removed", n)
		}
		return err
	}
}
