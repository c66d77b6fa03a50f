package server_test

import (
	"io"
	"log/slog"
	"time"

	"gdpr/api"
)

// apiTable is the route table of the API the server serves.
func apiTable(f *fixture) []api.Route {
	s := &api.Server{Service: f.store, Users: f.store, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: time.Now}
	return s.Table()
}
