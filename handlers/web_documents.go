package handlers

import "github.com/gorilla/mux"

// webRoutes registers the document pages.
func (s *Server) webRoutes(r *mux.Router) {}
