package app

import (
	"context"
	"strings"
	"sync"
	"time"

	"gdpr"
	"gdpr/auth"
	"gdpr/locale"
	"gdpr/request"
	"gdpr/vault"
)

// TokenStore keeps the self-service page's single-use links.
type TokenStore interface {
	CreateRequestToken(ctx context.Context, hash, id, purpose string, expires time.Time) error
	UseRequestToken(ctx context.Context, hash, purpose string, now time.Time) (string, error)
}

// ConfirmTTL is how long a confirmation link is valid.
const ConfirmTTL = 48 * time.Hour

// purposeConfirm is the link that confirms a request from the portal.
const purposeConfirm = "confirm"

// portalLimits: requests from the self-service page per hour, by e-mail
// address and by client address (a person asks seldom; a script fast).
const (
	perAddressHour = 5
	perClientHour  = 20
	limiterKeys    = 10_000 // keys remembered at most (then the oldest window goes)
)

// limiter counts attempts per key in fixed one-hour windows, in memory,
// bounded.
type limiter struct {
	mu     sync.Mutex
	window time.Time
	counts map[string]int
}

// allow counts one attempt of key at now and reports whether it is
// within max.
func (l *limiter) allow(key string, max int, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := now.Truncate(time.Hour)
	if !w.Equal(l.window) || l.counts == nil || len(l.counts) > limiterKeys {
		l.window, l.counts = w, map[string]int{}
	}
	l.counts[key]++
	return l.counts[key] <= max
}

// PortalRequest is a request from the self-service page: the person's
// e-mail address, the right, optional customer number, name and text.
type PortalRequest struct {
	Kind                     request.Kind
	Email, Customer, Name    string
	Message, Lang, ClientKey string // ClientKey: the client's address, only counted
}

// SubmitPortal registers a request from the self-service page and mails
// the person a link to confirm it (single-use, valid ConfirmTTL; only its
// hash is kept): the request counts from receipt, its identity from the
// confirmation. The answer is the same whether or not the engine knows the
// address (a request is registered and a mail sent in every case), so the
// page tells no one who is a customer. Too many requests for one address
// or from one client in an hour are refused (ETHROTTLED).
func (a *App) SubmitPortal(ctx context.Context, p PortalRequest, baseURL string) error {
	ctx = System(ctx, "portal")
	ts, ok := a.store.(TokenStore)
	if !ok {
		return gdpr.Keyed(gdpr.EINTERNAL, "", "request.nostore")
	}
	if a.mail == nil {
		return gdpr.Keyed(gdpr.EUNAVAILABLE, "", "request.portal.nomail")
	}
	email := strings.TrimSpace(p.Email)
	if _, err := vault.Normalise(vault.KindEmail, email); err != nil || email == "" {
		return gdpr.Keyed(gdpr.EINVALID, "email", "request.portal.email")
	}
	now := a.now()
	norm, _ := vault.Normalise(vault.KindEmail, email)
	if !a.portal.allow("c:"+p.ClientKey, perClientHour, now) || !a.portal.allow("e:"+auth.HashSecret(norm), perAddressHour, now) {
		return gdpr.Keyed(gdpr.ETHROTTLED, "", "request.portal.throttled")
	}
	rec := Record{"email": email, "name": strings.TrimSpace(p.Name), "customer_id": strings.TrimSpace(p.Customer)}
	for k, v := range rec {
		if v == "" {
			delete(rec, k)
		}
	}
	r, err := a.CreateRequest(ctx, NewRequest{Kind: p.Kind, Channel: request.Portal, Requester: rec, Note: p.Message, Lang: p.Lang})
	if err != nil {
		return err
	}
	token := newToken(32)
	expires := now.Add(ConfirmTTL)
	if err := ts.CreateRequestToken(ctx, auth.HashSecret(token), r.ID, purposeConfirm, expires); err != nil {
		return err
	}
	l := langOf(r.Lang)
	link := strings.TrimSuffix(baseURL, "/") + "/privacy/confirm?t=" + token + "&lang=" + string(l)
	_, err = a.mailRequester(ctx, r, request.MailConfirm, map[string]string{"Kind": locale.T(l, "value.request.kind."+string(r.Kind)), "Link": link,
		"Until": expires.In(request.Berlin).Format("02.01.2006 15:04")})
	return err
}

// ConfirmPortal spends a confirmation link: the request's identity is
// confirmed (the person controls the address) and it moves on. A link
// used, expired or unknown is ENOTFOUND, one answer for all.
func (a *App) ConfirmPortal(ctx context.Context, token string) (*request.Request, error) {
	ctx = System(ctx, "portal")
	ts, ok := a.store.(TokenStore)
	if !ok {
		return nil, gdpr.Keyed(gdpr.EINTERNAL, "", "request.nostore")
	}
	id, err := ts.UseRequestToken(ctx, auth.HashSecret(strings.TrimSpace(token)), purposeConfirm, a.now())
	if err != nil {
		return nil, err
	}
	r, err := a.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	return a.change(ctx, id, r.Version, func(r *request.Request, _ request.Period) (request.Event, error) {
		if r.State.Closed() {
			return request.Event{}, gdpr.Keyed(gdpr.ECONFLICT, "state", "request.closed", gdpr.Keyed("", "", "value.request.state."+string(r.State)))
		}
		r.Identity = request.IdentityConfirmed
		ev := request.Event{Action: "identity"}
		if r.State == request.Received {
			r.State, ev.To = request.Verified, request.Verified
		}
		return ev, nil
	})
}
