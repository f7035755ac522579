package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/digest"
	"github.com/cpaudit/cpaudit/storage"
	"github.com/cpaudit/cpaudit/storage/blob"
)

// Config is every setting of cpaudit, from flags and CPAUDIT_* variables
// (a flag wins over its variable).
type Config struct {
	DataDir    string
	Addr       string
	S3         blob.S3Config
	MaxUpload  int64 // bytes
	LogLevel   string
	TLSCert    string
	TLSKey     string
	TrustProxy bool
	// SessionIdle ends a web session unused for this long.
	SessionIdle time.Duration
	// envErr is a CPAUDIT_* variable of serve's that did not parse: a
	// setting that the operator believes is in force must not be dropped
	// silently.
	envErr error
	// DeadlineTime is when (HH:MM, Asia/Shanghai) the daily deadline job
	// recomputes overdue audits; it also runs at start.
	DeadlineTime string
	// DigestTime is when (HH:MM, Asia/Shanghai) the daily notification
	// sweep runs and, with SMTP set, the e-mail digest is sent.
	DigestTime string
	// SMTP reaches the mail server of the digest; none by default.
	SMTP digest.Config
}

// newFlagSet registers the settings every command shares; defaults come
// from the environment.
func newFlagSet(name string, cfg *Config, getenv func(string) string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	// A mistake gets its one-line reason (parseArgs), not the whole flag
	// list; -h prints the list.
	fs.Usage = func() {}
	env := func(key, def string) string {
		if v := getenv("CPAUDIT_" + key); v != "" {
			return v
		}
		return def
	}
	envBool := func(key string, def bool) bool {
		if b, err := strconv.ParseBool(env(key, "")); err == nil {
			return b
		}
		return def
	}
	fs.StringVar(&cfg.DataDir, "data", env("DATA", "./data"), "data directory (CPAUDIT_DATA)")
	fs.StringVar(&cfg.S3.Endpoint, "s3-endpoint", env("S3_ENDPOINT", ""), "S3 endpoint HOST:PORT; empty keeps blobs under --data (CPAUDIT_S3_ENDPOINT)")
	fs.StringVar(&cfg.S3.AccessKey, "s3-access-key", env("S3_ACCESS_KEY", ""), "S3 access key (CPAUDIT_S3_ACCESS_KEY)")
	fs.StringVar(&cfg.S3.SecretKey, "s3-secret-key", env("S3_SECRET_KEY", ""), "S3 secret key (CPAUDIT_S3_SECRET_KEY)")
	fs.StringVar(&cfg.S3.Bucket, "s3-bucket", env("S3_BUCKET", "cpaudit"), "S3 bucket (CPAUDIT_S3_BUCKET)")
	fs.StringVar(&cfg.S3.Prefix, "s3-prefix", env("S3_PREFIX", ""), "key prefix inside the bucket (CPAUDIT_S3_PREFIX)")
	fs.StringVar(&cfg.S3.Region, "s3-region", env("S3_REGION", ""), "S3 region (CPAUDIT_S3_REGION)")
	fs.BoolVar(&cfg.S3.Secure, "s3-secure", envBool("S3_SECURE", true), "use HTTPS to reach S3 (CPAUDIT_S3_SECURE)")
	fs.Func("s3-timeout", "longest wait on S3 (connect, answer, upload progress), e.g. 30s; past it requests get 503 (CPAUDIT_S3_TIMEOUT)", func(v string) error {
		return parseTimeout(v, &cfg.S3.Timeout)
	})
	if v := env("S3_TIMEOUT", ""); v != "" {
		if err := parseTimeout(v, &cfg.S3.Timeout); err != nil {
			cfg.envErr = fmt.Errorf("CPAUDIT_S3_TIMEOUT=%q: %w", v, err)
		}
	}
	fs.StringVar(&cfg.LogLevel, "log-level", env("LOG_LEVEL", "info"), "debug, info, warn or error (CPAUDIT_LOG_LEVEL)")
	return fs
}

// parseTimeout reads a positive duration such as 30s or 2m.
func parseTimeout(s string, dst *time.Duration) error {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return fmt.Errorf("want a positive duration such as 30s")
	}
	*dst = d
	return nil
}

// parseArgs parses flags that may come before or after positional
// arguments, in any order, and returns the positionals.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				fmt.Fprintf(fs.Output(), "usage of cpaudit %s:\n", fs.Name())
				fs.PrintDefaults()
				return nil, usageError{}
			}
			msg := oneLine(err)
			if strings.HasPrefix(msg, "flag provided but not defined") {
				msg += " (put -- before an argument that starts with -)"
			}
			return nil, usageError{msg}
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

func (c *Config) logger(w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

// requireDataDir fails unless the data directory exists. Only serve and
// demo create it.
func (c *Config) requireDataDir() error {
	fi, err := os.Stat(c.DataDir)
	if err != nil {
		return fmt.Errorf("data directory %s does not exist (cpaudit serve or demo creates it)", c.DataDir)
	}
	if !fi.IsDir() {
		return fmt.Errorf("data directory %s is not a directory", c.DataDir)
	}
	return nil
}

// openStore opens the storage the configuration describes: blobs on the
// local file system under the data directory, or in S3.
func (c *Config) openStore(ctx context.Context, log *slog.Logger) (*storage.Store, error) {
	blobs, err := c.openBlobs(ctx)
	if err != nil {
		return nil, err
	}
	return storage.Open(ctx, storage.Config{DataDir: c.DataDir, Blobs: blobs, Logger: log})
}

// openBlobs opens the blob store the configuration describes.
func (c *Config) openBlobs(ctx context.Context) (blob.Store, error) {
	if c.S3.Endpoint != "" {
		if c.S3.AccessKey == "" || c.S3.SecretKey == "" {
			return nil, fmt.Errorf("--s3-endpoint needs --s3-access-key and --s3-secret-key")
		}
		s3, err := blob.NewS3(ctx, c.S3)
		if err != nil {
			return nil, fmt.Errorf("object storage at %s: %s", c.S3.Endpoint, describe(err))
		}
		return s3, nil
	}
	local, err := blob.NewLocal(filepath.Join(c.DataDir, "blobs"))
	if err != nil {
		return nil, err
	}
	return local, nil
}

// describe is the message of a cpaudit error, or its text.
func describe(err error) string {
	if msg := cpaudit.ErrorMessage(err); msg != "" {
		return msg
	}
	return strings.TrimSpace(err.Error())
}
