// Package session identifies HTTP requests: API tokens (Authorization:
// Bearer) and browser sessions (an HttpOnly cookie whose secret is stored
// only as a hash), with CSRF protection for cookie-authenticated writes.
// Who a request is travels on as an auth.Principal in its context.
package session

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"gdpr"
	"gdpr/auth"
	"gdpr/httpx"
)

// SessionCookie names the session cookie.
const SessionCookie = "gdpr_session"

// DeviceCookie names the cookie that marks a browser that signed in as a
// user before (it exempts that browser from the per-user throttle).
const DeviceCookie = "gdpr_device"

// CSRFHeader carries the session's CSRF token on API writes made with the
// session cookie (forms send the field "csrf").
const CSRFHeader = "X-CSRF-Token"

// Identifier finds tokens and sessions; app.App implements it.
type Identifier interface {
	IdentifyToken(ctx context.Context, secret string) (auth.Token, error)
	IdentifySession(ctx context.Context, cookie string) (auth.Session, error)
}

// Authenticator identifies requests by API token (Authorization: Bearer)
// or session cookie and checks the role against what a route needs.
type Authenticator struct {
	ID      Identifier
	Proxies httpx.Proxies
}

// Identity is who sent a request.
type Identity struct {
	Actor   string // "user:NAME" or "token:NAME"
	Role    auth.Role
	Session *auth.Session // nil for tokens
}

// Principal is the identity as the use cases see it.
func (id Identity) Principal() auth.Principal { return auth.Principal{Actor: id.Actor, Role: id.Role} }

// Known reports whether the request was identified.
func (id Identity) Known() bool { return id.Actor != "" }

// Identify returns the requester, or EUNAUTHORIZED.
func (a Authenticator) Identify(r *http.Request) (Identity, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || !strings.HasPrefix(tok, auth.TokenPrefix) {
			return Identity{}, gdpr.Keyed(gdpr.EUNAUTHORIZED, "", "auth.bearer", auth.TokenPrefix)
		}
		t, err := a.ID.IdentifyToken(r.Context(), tok)
		if err != nil {
			return Identity{}, err
		}
		return Identity{Actor: "token:" + t.Name, Role: t.Role}, nil
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return Identity{}, gdpr.Keyed(gdpr.EUNAUTHORIZED, "", "auth.required")
	}
	ses, err := a.ID.IdentifySession(r.Context(), c.Value)
	if err != nil {
		return Identity{}, err
	}
	return Identity{Actor: "user:" + ses.User.Name, Role: ses.User.Role, Session: &ses}, nil
}

// Authorize identifies the request and checks that it may do what p
// needs. Writes made with a session cookie must carry the session's CSRF
// token (header or form field). The identity is returned also when the
// check fails (EFORBIDDEN), so that the refusal can be recorded.
func (a Authenticator) Authorize(r *http.Request, p auth.Permission) (Identity, error) {
	id, err := a.Identify(r)
	if err != nil {
		return id, err
	}
	if id.Session != nil && !safeMethod(r.Method) && !CSRFValid(r, id.Session) {
		return id, gdpr.Keyed(gdpr.EFORBIDDEN, "", "auth.csrf")
	}
	if !id.Role.Allows(p) {
		return id, gdpr.Keyed(gdpr.EFORBIDDEN, "", "auth.role", gdpr.Keyed(gdpr.EFORBIDDEN, "", "value.role."+string(id.Role)))
	}
	return id, nil
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

// SetSession sets the session cookie: HttpOnly and SameSite=Lax, and
// Secure whenever the request came over TLS (directly or through a
// trusted proxy that says so).
func (a Authenticator) SetSession(w http.ResponseWriter, r *http.Request, id string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: id, Path: "/", HttpOnly: true, Secure: a.Proxies.Secure(r),
		SameSite: http.SameSiteLaxMode, Expires: expires, MaxAge: int(auth.SessionTTL.Seconds())})
}

// SetDevice sets the device cookie, sent only to the sign-in form.
func (a Authenticator) SetDevice(w http.ResponseWriter, r *http.Request, value string) {
	http.SetCookie(w, &http.Cookie{Name: DeviceCookie, Value: value, Path: "/login", HttpOnly: true, Secure: a.Proxies.Secure(r),
		SameSite: http.SameSiteStrictMode, MaxAge: int(auth.DeviceTTL.Seconds())})
}

// Clear removes the session cookie.
func (a Authenticator) Clear(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: a.Proxies.Secure(r), SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// WithPrincipal returns r with the identity's principal in its context.
func WithPrincipal(r *http.Request, id Identity) *http.Request {
	return r.WithContext(auth.WithPrincipal(r.Context(), id.Principal()))
}
