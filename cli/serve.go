package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"gdpr"
	"gdpr/demo"
	"gdpr/register"
	"gdpr/server"
	"gdpr/store"
)

func newServe(e *env) *cobra.Command {
	var addr string
	var withDemo bool
	cmd := &cobra.Command{
		Use:   "serve [--addr 127.0.0.1:8080] [--demo]",
		Short: "Serve the register: JSON API under /api/v1/, pages, /healthz",
		Long: `Serve starts the HTTP server. The JSON API lives under /api/v1/ (activities,
toms, findings, revisions, export), the register page at /, the health
check at /healthz.

--demo loads the register of the seed company allegro:it (its Verzeichnis and
TOM document) into a fresh store: a temporary file removed on exit, or the
--db store if it is given and empty.

Sign-in does not exist yet, so the server only listens on loopback
addresses (127.0.0.1, ::1, localhost).`,
		Example: "  gdpr serve --demo\n  gdpr serve --addr 127.0.0.1:9000 --db postgres://gdpr@localhost/gdpr",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if err := loopbackOnly(addr); err != nil {
				return err
			}
			log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
			dbExplicit := cmd.Flags().Changed("db") || os.Getenv("GDPR_DB") != ""
			if withDemo && !dbExplicit {
				dir, err := os.MkdirTemp("", "gdpr-demo-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(dir)
				e.db = filepath.Join(dir, "gdpr-demo.db")
			}
			s, err := e.open(ctx)
			if err != nil {
				return err
			}
			defer s.Close()
			if withDemo {
				if err := loadDemo(ctx, s); err != nil {
					return err
				}
				fmt.Fprintln(e.stdout, e.t("cli.serve.demo", s.Redacted()))
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return gdpr.Errorf(gdpr.EINVALID, "--addr %s: %v", addr, err)
			}
			srv := &http.Server{
				Handler:           server.New(server.Config{Service: s, Store: s, Log: log}),
				ReadHeaderTimeout: 10 * time.Second,
				ReadTimeout:       30 * time.Second,
				WriteTimeout:      2 * time.Minute,
				IdleTimeout:       2 * time.Minute,
			}
			fmt.Fprintln(e.stdout, e.t("cli.serve.listening", ln.Addr()))
			fmt.Fprintln(e.stdout, e.t("cli.serve.noauth"))
			errc := make(chan error, 1)
			go func() { errc <- srv.Serve(ln) }()
			select {
			case err := <-errc:
				return err
			case <-ctx.Done():
				shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if err := srv.Shutdown(shut); err != nil && !errors.Is(err, http.ErrServerClosed) {
					return err
				}
				return nil
			}
		},
	}
	cmd.Flags().StringVar(&addr, "addr", envOr("GDPR_ADDR", "127.0.0.1:8080"), "listen address (env GDPR_ADDR); loopback only until sign-in exists")
	cmd.Flags().BoolVar(&withDemo, "demo", false, "load the demo register (seed company allegro:it) into a fresh store")
	return cmd
}

// loopbackOnly refuses addresses other hosts could reach: without sign-in
// the API would hand the register (personal data of employees and
// contacts) to anyone on the network.
func loopbackOnly(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return gdpr.Errorf(gdpr.EINVALID, "--addr %q: %v", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return gdpr.Errorf(gdpr.EINVALID, "--addr %q: sign-in is not available yet, so gdpr serves on loopback addresses only (127.0.0.1, ::1, localhost); put a reverse proxy with authentication in front if others must reach it", addr)
}

// loadDemo loads the demo register into an empty store.
func loadDemo(ctx context.Context, s *store.Store) error {
	_, n, err := s.FindActivities(ctx, register.Filter{IncludeArchived: true})
	if err != nil {
		return err
	}
	if n > 0 {
		return gdpr.Errorf(gdpr.ECONFLICT, "--demo loads into an empty store, but %s holds %d activities; leave out --db to use a temporary demo store", s.Redacted(), n)
	}
	r, err := demo.Register()
	if err != nil {
		return err
	}
	_, err = s.Apply(ctx, "demo", r)
	return err
}
