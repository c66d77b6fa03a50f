// Package session identifies HTTP requests: API tokens (Authorization:
// Bearer) and browser sessions (an HttpOnly cookie whose secret is stored
// only as a hash), with CSRF protection for cookie-authenticated writes.
package session

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"gdpr"
	"gdpr/auth"
)

// SessionCookie names the session cookie.
const SessionCookie = "gdpr_session"

// CSRFHeader carries the session's CSRF token on API writes made with the
// session cookie (forms send the field "csrf").
const CSRFHeader = "X-CSRF-Token"

// AuthStore is what authentication needs of the store.
type AuthStore interface {
	FindSession(ctx context.Context, idHash string) (auth.Session, error)
	FindToken(ctx context.Context, hash string) (auth.Token, error)
}

// Authenticator identifies requests by API token (Authorization: Bearer)
// or session cookie and checks the role against what a route needs.
type Authenticator struct {
	Store AuthStore
}

// Identity is who sent a request.
type Identity struct {
	Actor   string // "user:NAME" or "token:NAME"
	Role    auth.Role
	Session *auth.Session // nil for tokens
}

// Identify returns the requester, or EUNAUTHORIZED.
func (a Authenticator) Identify(r *http.Request) (Identity, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || !strings.HasPrefix(tok, auth.TokenPrefix) {
			return Identity{}, gdpr.Errorf(gdpr.EUNAUTHORIZED, "use Authorization: Bearer %s…", auth.TokenPrefix)
		}
		t, err := a.Store.FindToken(r.Context(), auth.HashSecret(tok))
		if err != nil {
			return Identity{}, err
		}
		return Identity{Actor: "token:" + t.Name, Role: t.Role}, nil
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return Identity{}, gdpr.Errorf(gdpr.EUNAUTHORIZED, "sign in or send an API token")
	}
	ses, err := a.Store.FindSession(r.Context(), auth.HashSecret(c.Value))
	if err != nil {
		return Identity{}, err
	}
	return Identity{Actor: "user:" + ses.User.Name, Role: ses.User.Role, Session: &ses}, nil
}

// Authorize implements api.Authorizer. Writes made with a session cookie
// must carry the session's CSRF token (header or form field).
func (a Authenticator) Authorize(r *http.Request, p auth.Permission) (string, error) {
	id, err := a.Identify(r)
	if err != nil {
		return "", err
	}
	if id.Session != nil && !safeMethod(r.Method) && !CSRFValid(r, id.Session) {
		return "", gdpr.Errorf(gdpr.EFORBIDDEN, "missing or wrong CSRF token")
	}
	if !id.Role.Allows(p) {
		return "", gdpr.Errorf(gdpr.EFORBIDDEN, "the role %s may not do this", id.Role)
	}
	return id.Actor, nil
}

// Actor names the requester for the audit log, "unknown" when it cannot be
// identified.
func (a Authenticator) Actor(r *http.Request) string {
	id, err := a.Identify(r)
	if err != nil {
		return "unknown"
	}
	return id.Actor
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// CSRFValid compares the request's CSRF token with the session's in
// constant time.
func CSRFValid(r *http.Request, ses *auth.Session) bool {
	got := r.Header.Get(CSRFHeader)
	if got == "" {
		got = r.PostFormValue("csrf")
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(ses.CSRF)) == 1
}

// Start creates a session for user and sets its cookie. The cookie is
// HttpOnly and SameSite=Lax, and Secure whenever the request came over TLS
// (directly or through a proxy that says so).
func Start(ctx context.Context, w http.ResponseWriter, r *http.Request, create func(ctx context.Context, idHash, user, csrf string, expires time.Time) error, user string, now time.Time) error {
	id, err := auth.NewSecret("")
	if err != nil {
		return err
	}
	csrf, err := auth.NewSecret("")
	if err != nil {
		return err
	}
	expires := now.Add(auth.SessionTTL)
	if err := create(ctx, auth.HashSecret(id), user, csrf, expires); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: id, Path: "/", HttpOnly: true, Secure: Secure(r),
		SameSite: http.SameSiteLaxMode, Expires: expires, MaxAge: int(auth.SessionTTL.Seconds())})
	return nil
}

// Clear removes the session cookie.
func Clear(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: Secure(r), SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// Secure reports whether the request reached us over TLS.
func Secure(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}
