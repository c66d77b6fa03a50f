package server_test

import (
	"io"
	"log/slog"

	"gdpr/api"
)

// apiTable is the route table of the API the server serves.
func apiTable(f *fixture) []api.Route {
	s := &api.Server{App: f.app, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	return s.Table()
}
