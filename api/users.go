package api

import (
	"net/http"

	"gdpr/audit"
	"gdpr/auth"
	"gdpr/httpx"
)

// Me describes who is asking.
type Me struct {
	Actor string    `json:"actor"`
	Role  auth.Role `json:"role"`
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	p, _ := auth.PrincipalFrom(r.Context())
	httpx.JSON(w, http.StatusOK, Me{Actor: p.Actor, Role: p.Role})
	return nil
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) error {
	us, err := s.App.Users(r.Context())
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, List[auth.User]{Items: us, Total: len(us), Limit: len(us)})
	return nil
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.App.Tokens(r.Context())
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, List[auth.Token]{Items: ts, Total: len(ts), Limit: len(ts)})
	return nil
}

func (s *Server) auditLog(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := httpx.Page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	es, total, err := s.App.AuditLog(r.Context(), audit.Filter{Actor: q.Get("actor"), Action: q.Get("action"), Outcome: q.Get("outcome"), Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, List[audit.Entry]{Items: es, Total: total, Limit: limit, Offset: offset})
	return nil
}
