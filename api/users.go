package api

import (
	"context"
	"net/http"

	"gdpr/auth"
	"gdpr/httpx"
)

// UserStore is what the API needs of user and token storage.
type UserStore interface {
	ListUsers(ctx context.Context) ([]auth.User, error)
	ListTokens(ctx context.Context) ([]auth.Token, error)
	FindAudit(ctx context.Context, limit, offset int) ([]auth.AuditEntry, int, error)
	Audit(ctx context.Context, e auth.AuditEntry) error
}

// Me describes who is asking.
type Me struct {
	Actor string `json:"actor"`
}

func (s *Server) me(w http.ResponseWriter, _ *http.Request, actor string) error {
	httpx.JSON(w, http.StatusOK, Me{Actor: actor})
	return nil
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, _ string) error {
	us, err := s.Users.ListUsers(r.Context())
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, List[auth.User]{Items: us, Total: len(us), Limit: len(us)})
	return nil
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request, _ string) error {
	ts, err := s.Users.ListTokens(r.Context())
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, List[auth.Token]{Items: ts, Total: len(ts), Limit: len(ts)})
	return nil
}

func (s *Server) auditLog(w http.ResponseWriter, r *http.Request, _ string) error {
	limit, offset, err := httpx.Page(r)
	if err != nil {
		return err
	}
	es, total, err := s.Users.FindAudit(r.Context(), limit, offset)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, List[auth.AuditEntry]{Items: es, Total: total, Limit: limit, Offset: offset})
	return nil
}
