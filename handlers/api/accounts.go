package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
)

// decodeJSON reads a JSON object of at most 1 MiB into v, rejecting unknown
// trailing data. Bad JSON is the client's fault: KindInvalid.
func decodeJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeBodyNotJSON, "send the body as application/json")
	}
	if r.ContentLength > 1<<20 {
		// Refused before 100 Continue; a longer body of unknown length
		// fails to decode, cut off at 1 MiB.
		return cpaudit.Refuse(cpaudit.KindTooLarge, cpaudit.CodeBodyTooLarge, "the JSON body is larger than 1 MiB").With("max", "1 MiB")
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	if err := dec.Decode(v); err != nil {
		return &cpaudit.Error{Kind: cpaudit.KindInvalid, Code: cpaudit.CodeBodyMalformed, Op: "api.decodeJSON", Message: "the body is not a valid JSON object: " + jsonProblem(err), Err: err}
	}
	return nil
}

// jsonProblem describes a decoding error without echoing internals.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case err == io.EOF:
		return "the body is empty"
	case errors.As(err, &te):
		return "field " + te.Field + " has the wrong type"
	case errors.As(err, &se):
		return "syntax error"
	}
	return "it could not be read"
}

func (s *Handler) apiMe(w http.ResponseWriter, r *http.Request) error {
	a := httpx.ActorOf(r)
	t, err := s.store.TenantByID(r.Context(), a.TenantID)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, map[string]any{
		"tenant": t.Slug, "tenant_name": t.Name, "email": a.Email, "role": a.Role, "user_id": a.UserID, "org_id": a.OrgID,
	})
	return nil
}

func (s *Handler) apiCreateUser(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Email    string `json:"email"`
		Role     string `json:"role"`
		Password string `json:"password"`
		OrgID    string `json:"org_id"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	role, err := cpaudit.ParseRole(in.Role)
	if err != nil {
		return err
	}
	u, err := s.store.CreateUser(r.Context(), httpx.ActorOf(r), cpaudit.NewUser{Email: in.Email, Role: role, Password: in.Password, OrgID: in.OrgID})
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusCreated, u)
	return nil
}

func (s *Handler) apiCreateToken(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name string `json:"name"`
	}
	if r.ContentLength != 0 {
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
	}
	a := httpx.ActorOf(r)
	secret, t, err := s.store.CreateToken(r.Context(), a, a.UserID, in.Name)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusCreated, map[string]any{"id": t.ID, "name": t.Name, "created_at": t.CreatedAt, "token": secret})
	return nil
}

func (s *Handler) apiListTokens(w http.ResponseWriter, r *http.Request) error {
	a := httpx.ActorOf(r)
	tokens, err := s.store.Tokens(r.Context(), a, a.UserID)
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, map[string]any{"tokens": tokens})
	return nil
}

func (s *Handler) apiRevokeToken(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.RevokeToken(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// apiCreateOrg registers an organisation; kind "" takes the kind from the
// body (the generic /organisations route).
func (s *Handler) apiCreateOrg(kind cpaudit.OrgKind) httpx.APIFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in struct {
			Kind       string `json:"kind"`
			Name       string `json:"name"`
			CreditCode string `json:"credit_code"`
			Industry   string `json:"industry"`
			Region     string `json:"region"`
			ParentID   string `json:"parent_id"`
			// The profile (optional).
			Address      string `json:"address"`
			PermitNumber string `json:"permit_number"`
			Status       string `json:"status"`
		}
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		k := kind
		if k == "" {
			var err error
			if k, err = cpaudit.ParseOrgKind(in.Kind); err != nil {
				return err
			}
		}
		o, err := s.store.CreateOrganisation(r.Context(), httpx.ActorOf(r), cpaudit.Organisation{
			Kind: k, Name: in.Name, CreditCode: in.CreditCode, Industry: in.Industry, Region: in.Region, ParentID: in.ParentID,
			Address: in.Address, PermitNumber: in.PermitNumber, Status: cpaudit.OperatingStatus(in.Status),
		})
		if err != nil {
			return err
		}
		s.WriteJSON(w, r, http.StatusCreated, o)
		return nil
	}
}

func (s *Handler) apiGetOrg(w http.ResponseWriter, r *http.Request) error {
	o, err := s.store.Organisation(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"))
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, o)
	return nil
}

func (s *Handler) apiCreateAudit(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		EnterpriseID  string `json:"enterprise_id"`
		ConsultancyID string `json:"consultancy_id"`
		BatchID       string `json:"batch_id"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	au, err := s.store.StartAudit(r.Context(), httpx.ActorOf(r), cpaudit.NewAudit{
		EnterpriseID: in.EnterpriseID, ConsultancyID: in.ConsultancyID, BatchID: in.BatchID})
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusCreated, au)
	return nil
}

func (s *Handler) apiGetAudit(w http.ResponseWriter, r *http.Request) error {
	au, err := s.store.Audit(r.Context(), httpx.ActorOf(r), httpx.Param(r, "id"))
	if err != nil {
		return err
	}
	s.WriteJSON(w, r, http.StatusOK, au)
	return nil
}
