package api

import (
	"log/slog"

	"github.com/cpaudit/cpaudit/handlers/httpx"
	"github.com/cpaudit/cpaudit/letter"
)

// Config is what the API is built from.
type Config struct {
	Kit     *httpx.Kit     // the machinery shared with the web UI
	Store   Store          // storage, through the API's own interfaces
	Search  httpx.Searcher // the tenants' full-text indexes
	Letters Letters        // builds notification letters (letter.Service)
}

// Handler serves the JSON API. Its routes are in routes.go.
type Handler struct {
	*httpx.Kit
	store   Store
	search  httpx.Searcher
	letters Letters
	// opinions fills and stores opinions from the tenant's template.
	opinions *letter.Opinions
	log      *slog.Logger
}

// New builds the API's handler.
func New(cfg Config) *Handler {
	return &Handler{Kit: cfg.Kit, store: cfg.Store, search: cfg.Search, letters: cfg.Letters, log: cfg.Kit.Logger(),
		opinions: letter.NewOpinions(cfg.Store, nil)}
}
