package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"gdpr"
	"gdpr/app"
	"gdpr/auth"
	"gdpr/demo"
	"gdpr/httpx"
	"gdpr/jobs"
	"gdpr/locale"
	"gdpr/register"
	"gdpr/server"
	"gdpr/store"
)

func newServe(e *env) *cobra.Command {
	var addr string
	var withDemo bool
	var sweepEvery, scanEvery time.Duration
	var publicURL string
	var proxies []string
	var memLimit string
	cmd := &cobra.Command{
		Use:   "serve [--addr 127.0.0.1:8080] [--demo]",
		Short: "Serve the register: JSON API under /api/v1/, pages, /healthz",
		Long: `Serve starts the HTTP server. The JSON API lives under /api/v1/ (activities,
toms, findings, revisions, export), the register page at /, the health
check at /healthz.

--demo loads the register of the seed company allegro:it (its Verzeichnis and
TOM document) into a fresh store: a temporary file removed on exit, or the
--db store if it is given and empty.

Every page and API route except /healthz and /login needs a session (sign
in as a user from "gdpr users add") or an API token ("gdpr tokens create").
The server speaks plain HTTP, so it listens on loopback addresses only
(127.0.0.1, ::1, localhost): put a TLS reverse proxy in front for others.`,
		Example: "  gdpr serve --demo\n  gdpr serve --addr 127.0.0.1:9000 --db postgres://gdpr@localhost/gdpr",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if err := loopbackOnly(addr); err != nil {
				return err
			}
			trusted, err := httpx.ParseProxies(proxies)
			if err != nil {
				return gdpr.Keyed(gdpr.EINVALID, "trusted-proxy", "cli.wrap", "--trusted-proxy", err)
			}
			if err := applyMemoryLimit(memLimit, cmd.Flags().Changed("memory-limit") || os.Getenv("GDPR_MEMORY_LIMIT") != ""); err != nil {
				return err
			}
			log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
			// The address first: a port in use is reported before a demo
			// is loaded or a sign-in printed that would not work.
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return gdpr.Keyed(gdpr.EINVALID, "addr", "cli.wrap", "--addr "+addr, err)
			}
			defer ln.Close()
			dbExplicit := cmd.Flags().Changed("db") || os.Getenv("GDPR_DB") != ""
			if withDemo && !dbExplicit {
				dir, err := os.MkdirTemp("", "gdpr-demo-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(dir)
				e.db = filepath.Join(dir, "gdpr-demo.db")
			}
			if withDemo && e.vaultKeys == "" {
				// The demo's keys are as throwaway as its store: a
				// directory of their own, gone when the demo ends; with
				// them the vault and the signed log work as in earnest.
				dir, err := os.MkdirTemp("", "gdpr-demo-keys-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(dir)
				if _, err := initKeys(dir); err != nil {
					return err
				}
				e.vaultKeys = dir
				fmt.Fprintln(e.stdout, e.t("cli.serve.demokeys", dir))
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
				if os.Getenv(demo.ShopEnv) == "" {
					// The demo's system, the shop database, lives beside
					// the demo's store (or in a directory of its own).
					dir, err := os.MkdirTemp("", "gdpr-demo-shop-")
					if err != nil {
						return err
					}
					defer os.RemoveAll(dir)
					shop := filepath.Join(dir, "shop.db")
					if err := demo.ShopDB(ctx, shop, e.now()); err != nil {
						return err
					}
					os.Setenv(demo.ShopEnv, shop)
					fmt.Fprintln(e.stdout, e.t("cli.serve.demoshop", shop, demo.ShopEnv))
				}
				fmt.Fprintln(e.stdout, e.t("cli.serve.demo", s.Redacted()))
				pw, err := demoLogin(ctx, s)
				if err != nil {
					return err
				}
				fmt.Fprintln(e.stdout, e.t("cli.users.demo", demoUser, pw))
			}
			if n, err := s.CountUsers(ctx); err != nil {
				return err
			} else if n == 0 {
				fmt.Fprintln(e.stdout, e.t("cli.users.none"))
			}
			keys, err := e.keys()
			if err != nil {
				return err
			}
			sender, err := e.sender()
			if err != nil {
				return err
			}
			handler := server.New(server.Config{Store: s, Log: log, Now: e.now, Proxies: trusted, Vault: keys,
				Mail: sender, RemindTo: e.mail.remindTo, RemindDays: e.mail.remindDays, PublicURL: publicURLOf(publicURL, ln.Addr().String())})
			defer handler.Close()
			// With the keys, the people of entries stored without them
			// (an older store, a demo, an import without keys) go to the
			// vault before the first request.
			if keys.KEK != nil {
				n, m, err := handler.App.SealPeople(app.System(ctx, "vault"))
				if err != nil {
					return err
				}
				if n+m > 0 {
					fmt.Fprintln(e.stdout, e.t("cli.vault.sealed", locale.N(e.lang, "count.entry", n), locale.N(e.lang, "count.revision", m)))
				}
			}
			// Reminders of the requests' deadlines: checked every hour, sent
			// once a day (the day's mail is remembered).
			var remindEvery time.Duration
			if sender != nil && e.mail.remindTo != "" {
				remindEvery = time.Hour
			}
			if sweepEvery > 0 || scanEvery > 0 || remindEvery > 0 || keys.KEK != nil {
				// The scheduled sweeps and scans, and the consent ledger's
				// mails and webhooks (with the vault's keys), through River
				// in the store's own database: several servers on one
				// PostgreSQL share them.
				run, err := jobs.Start(ctx, jobs.Config{DSN: e.db, App: handler.App, Log: log, SweepEvery: sweepEvery, ScanEvery: scanEvery,
					RemindEvery: remindEvery})
				if err != nil {
					return err
				}
				defer func() {
					stop, cancel := context.WithTimeout(context.Background(), 30*time.Second)
					defer cancel()
					run.Stop(stop)
				}()
				if sweepEvery > 0 {
					fmt.Fprintln(e.stdout, e.t("cli.serve.sweeps", sweepEvery))
				}
				if scanEvery > 0 {
					fmt.Fprintln(e.stdout, e.t("cli.serve.scans", scanEvery))
				}
				if remindEvery > 0 {
					fmt.Fprintln(e.stdout, e.t("cli.serve.reminders", e.mail.remindTo))
				}
			}
			// A sweep started from a page ends its batch before the store
			// closes (a batch cut off is finished by the next run anyway).
			defer func() {
				wait, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				handler.App.WaitBackground(wait)
			}()
			srv := &http.Server{
				Handler:           handler,
				ReadHeaderTimeout: 10 * time.Second,
				ReadTimeout:       30 * time.Second,
				WriteTimeout:      2 * time.Minute,
				IdleTimeout:       2 * time.Minute,
				// Headers are small; a client's long method or header
				// costs no more than this.
				MaxHeaderBytes: 64 << 10,
				ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
			}
			fmt.Fprintln(e.stdout, e.t("cli.serve.listening", ln.Addr()))
			fmt.Fprintln(e.stdout, e.t("cli.serve.plainhttp"))
			errc := make(chan error, 1)
			go func() { errc <- srv.Serve(ln) }()
			go purge(ctx, handler.App, s, log, e.now)
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
	cmd.Flags().DurationVar(&sweepEvery, "sweep-every", envDuration("GDPR_SWEEP_EVERY"), "run the deletion sweep of every system this often (e.g. 24h; GDPR_SWEEP_EVERY; 0: never)")
	cmd.Flags().StringVar(&publicURL, "public-url", os.Getenv("GDPR_PUBLIC_URL"), "where people reach the server, for the links in mails (env GDPR_PUBLIC_URL; default http:// and the listen address); never taken from a request's Host header")
	cmd.Flags().DurationVar(&scanEvery, "scan-every", envDuration("GDPR_SCAN_EVERY"), "scan every system for personal data the register lacks this often (e.g. 168h; GDPR_SCAN_EVERY; 0: never)")
	cmd.Flags().StringVar(&memLimit, "memory-limit", envOr("GDPR_MEMORY_LIMIT", "192MiB"), "soft limit of the server's memory: the garbage collector works harder as it is neared (env GDPR_MEMORY_LIMIT; GOMEMLIMIT, when set, unless this is given; 0 for none)")
	cmd.Flags().StringSliceVar(&proxies, "trusted-proxy", splitEnv("GDPR_TRUSTED_PROXY"), "reverse proxies (addresses or CIDR prefixes) whose X-Forwarded-For and X-Forwarded-Proto are believed (env GDPR_TRUSTED_PROXY)")
	return cmd
}

// loopbackOnly refuses addresses other hosts could reach: over plain HTTP
// passwords, session cookies and the register (personal data of employees
// and contacts) would cross the network unencrypted.
func loopbackOnly(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return gdpr.Keyed(gdpr.EINVALID, "addr", "cli.wrap", "--addr "+addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return gdpr.Keyed(gdpr.EINVALID, "addr", "cli.serve.loopback", addr)
}

// loadDemo loads the demo register into an empty store.
func loadDemo(ctx context.Context, s *store.Store) error {
	_, n, err := s.FindActivities(ctx, register.Filter{IncludeArchived: true})
	if err != nil {
		return err
	}
	if n > 0 {
		return gdpr.Keyed(gdpr.ECONFLICT, "db", "cli.serve.notempty", s.Redacted(), n)
	}
	r, err := demo.Register()
	if err != nil {
		return err
	}
	_, err = s.Apply(auth.WithPrincipal(ctx, auth.Principal{Actor: "demo", Role: auth.Admin}), r, register.ApplyOptions{})
	return err
}

// demoUser is the sign-in that --demo creates.
const demoUser = "demo"

// demoLogin creates the demo user (an admin, so that every button works)
// with a fresh random password, and returns the password.
func demoLogin(ctx context.Context, s *store.Store) (string, error) {
	secret, err := auth.NewSecret("")
	if err != nil {
		return "", err
	}
	pw := secret[:16]
	hash, err := auth.HashPassword(pw)
	if err != nil {
		return "", err
	}
	if err := s.CreateUser(app.System(ctx, "demo"), demoUser, auth.Admin, hash); err != nil {
		return "", err
	}
	return pw, nil
}

// purge removes expired sessions, device cookies and throttle counters
// every hour while the server runs (expired ones are never accepted; this
// keeps the tables small and forgets client addresses), and attack lines
// older than seven days (seed 001).
func purge(ctx context.Context, a *app.App, s *store.Store, log *slog.Logger, now func() time.Time) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := a.Purge(ctx); err != nil && ctx.Err() == nil {
			log.Error("purge sessions", "err", err)
		} else if n > 0 {
			log.Info("purged expired sessions and sign-in counters", "count", n)
		}
		keep, _ := app.AttackRetention(app.MaxAttackRetention.String(), now())
		if _, err := s.PurgeExpiredAttacks(ctx, keep); err != nil && ctx.Err() == nil {
			log.Error("purge attack lines", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// splitEnv reads a comma-separated list from the environment.
func splitEnv(key string) []string {
	v := os.Getenv(key)
	if v == "" {
		return nil
	}
	return strings.Split(v, ",")
}

// applyMemoryLimit sets the runtime's soft memory limit. Without it the
// collector's target follows the largest live heap: after an import at the
// bounds (300 MiB live for a moment) the next collection waited until the
// heap had grown by half of that again, and the garbage of one request
// stacked on the next (454 MiB). GOMEMLIMIT in the environment wins unless
// the limit is given explicitly.
func applyMemoryLimit(s string, explicit bool) error {
	if os.Getenv("GOMEMLIMIT") != "" && !explicit {
		return nil
	}
	n, err := parseBytes(s)
	if err != nil {
		return gdpr.Keyed(gdpr.EINVALID, "memory-limit", "cli.wrap", "--memory-limit "+s, err)
	}
	if n == 0 {
		n = math.MaxInt64 // none
	}
	debug.SetMemoryLimit(n)
	return nil
}

// parseBytes reads a size: a number of bytes with an optional unit (KiB,
// MiB, GiB; KB, MB, GB as the same powers of two, as GOMEMLIMIT reads
// them).
func parseBytes(s string) (int64, error) {
	s = strings.TrimSpace(s)
	units := []struct {
		suffix string
		shift  uint
	}{{"KiB", 10}, {"MiB", 20}, {"GiB", 30}, {"KB", 10}, {"MB", 20}, {"GB", 30}, {"B", 0}}
	shift := uint(0)
	for _, u := range units {
		if rest, ok := strings.CutSuffix(s, u.suffix); ok {
			s, shift = strings.TrimSpace(rest), u.shift
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64>>shift {
		return 0, errors.New("want a size such as 192MiB")
	}
	return n << shift, nil
}

// envDuration reads a duration from the environment (0 when unset or
// not a duration: the flag's own check then has nothing to refuse).
func envDuration(name string) time.Duration {
	d, err := time.ParseDuration(os.Getenv(name))
	if err != nil {
		return 0
	}
	return d
}

// publicURLOf is the configured public URL, or the listen address.
func publicURLOf(configured, listen string) string {
	if configured != "" {
		return strings.TrimSuffix(configured, "/")
	}
	return "http://" + listen
}
