// Package server wires the HTTP handler of `gdpr serve`: the JSON API, the
// pages, the health endpoint, security headers and request logging.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"gdpr/api"
	"gdpr/httpx"
	"gdpr/session"
	"gdpr/store"
	"gdpr/web"
)

// Config holds what the handler needs.
type Config struct {
	Store *store.Store
	Log   *slog.Logger
	Now   func() time.Time
}

// New returns the handler of the whole server.
func New(c Config) http.Handler {
	if c.Now == nil {
		c.Now = time.Now
	}
	authn := session.Authenticator{Store: c.Store}
	m := newMetrics()
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.handler(authn, c))
	(&api.Server{Service: c.Store, Users: c.Store, Auth: authn, Log: c.Log, Now: c.Now}).Routes(mux)
	web.New(c.Store, authn, c.Log, c.Now).Routes(mux)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := c.Store.Ping(ctx); err != nil {
			c.Log.Error("health check failed", "err", err)
			httpx.JSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
			return
		}
		httpx.JSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	return httpx.SecurityHeaders(m.wrap(httpx.Log(c.Log, mux)))
}
