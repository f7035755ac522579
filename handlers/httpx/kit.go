package httpx

import (
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Config is what a Kit is made from; the top handlers package fills it from
// its own Config.
type Config struct {
	Logger *slog.Logger
	// MaxUploadBytes limits one uploaded file (413 beyond); default 512 MiB.
	MaxUploadBytes int64
	// HSTS sends Strict-Transport-Security.
	HSTS bool
	// TrustProxy takes the client address from X-Forwarded-For.
	TrustProxy bool
	// StallTimeout is how long a body may send nothing, or a download take
	// nothing; default DefaultStallTimeout.
	StallTimeout time.Duration
	// Registry receives the request and upload metrics.
	Registry *prometheus.Registry
}

// Kit is the machinery the API and the web UI share: error answers, the
// form and upload readers with their buffer pool, stall detection,
// metrics, security headers, the client's address. It holds no store:
// the few helpers that need storage take the narrow interface they use.
type Kit struct {
	log       *slog.Logger
	maxUpload int64
	hsts      bool
	trust     bool
	stall     time.Duration
	metrics   *metrics
	// formBuffers recycles the read buffers of uploaded forms (OpenForm).
	formBuffers sync.Pool
}

// New builds a Kit, registering its metrics with cfg.Registry.
func New(cfg Config) *Kit {
	k := &Kit{log: cfg.Logger, maxUpload: cfg.MaxUploadBytes, hsts: cfg.HSTS, trust: cfg.TrustProxy, stall: cfg.StallTimeout}
	if k.log == nil {
		k.log = slog.New(slog.DiscardHandler)
	}
	if k.maxUpload <= 0 {
		k.maxUpload = 512 << 20
	}
	if k.stall <= 0 {
		k.stall = DefaultStallTimeout
	}
	reg := cfg.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	k.metrics = newMetrics(reg)
	return k
}

// Logger is the logger the Kit writes server errors to.
func (k *Kit) Logger() *slog.Logger { return k.log }

// MaxUpload is the largest file an upload may carry.
func (k *Kit) MaxUpload() int64 { return k.maxUpload }
