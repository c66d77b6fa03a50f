// Package server wires the HTTP handler of `gdpr serve`: the use cases,
// the JSON API, the pages, the health endpoint, metrics, security headers
// and request logging.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"gdpr/api"
	"gdpr/app"
	"gdpr/httpx"
	"gdpr/mail"
	"gdpr/session"
	"gdpr/store"
	"gdpr/web"
)

// Config holds what the handler needs.
type Config struct {
	Store *store.Store
	Log   *slog.Logger
	// Now is the one clock of the server and its store (tests fix it).
	Now func() time.Time
	// Proxies are the reverse proxies whose X-Forwarded-For and
	// X-Forwarded-Proto are believed.
	Proxies httpx.Proxies
	// HashSlots and ExportSlots bound concurrent password hashes and
	// PDF/XLSX exports (see app.Config).
	HashSlots, ExportSlots int
	// Vault holds the vault's keys (see app.VaultKeys).
	Vault app.VaultKeys
	// Mail sends the mails to requesters and the reminders (nil: none);
	// RemindTo and RemindDays see app.Config.
	Mail       mail.Sender
	RemindTo   string
	RemindDays []int
	// PublicURL is where people reach the server: the links in mails.
	PublicURL string
}

// Server is the handler of the whole server.
type Server struct {
	http.Handler
	App *app.App
}

// New returns the handler of the whole server. Close it to write what it
// holds back (token use).
func New(c Config) *Server {
	if c.Now == nil {
		c.Now = time.Now
	}
	m := newMetrics()
	a := app.New(app.Config{Store: c.Store, Now: c.Now, Log: c.Log, HashSlots: c.HashSlots, ExportSlots: c.ExportSlots, Vault: c.Vault, Sweeps: m,
		Mail: c.Mail, RemindTo: c.RemindTo, RemindDays: c.RemindDays})
	authn := session.Authenticator{ID: a, Proxies: c.Proxies}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.handler(authn, c))
	(&api.Server{App: a, Auth: authn, Log: c.Log, PublicURL: c.PublicURL}).Routes(mux)
	wh := web.New(a, authn, c.Log)
	wh.PublicURL = c.PublicURL
	wh.Routes(mux)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := a.Ping(ctx); err != nil {
			c.Log.Error("health check failed", "err", err)
			httpx.JSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
			return
		}
		httpx.JSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	return &Server{Handler: httpx.SecurityHeaders(m.wrap(httpx.Log(c.Log, mux))), App: a}
}

// Close writes what the server holds back.
func (s *Server) Close() { s.App.Close() }
