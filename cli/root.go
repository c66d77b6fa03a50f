// Package cli is the command line of gdpr (cobra). Commands stay thin: they
// parse flags, open the store and call the domain and export packages.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"gdpr"
	"gdpr/app"
	"gdpr/importer"
	"gdpr/locale"
	"gdpr/store"
)

// Version is set at build time with -ldflags "-X gdpr/cli.Version=...".
var Version = "dev"

// Exit codes. They are documented in the README and stable.
const (
	ExitOK       = 0
	ExitFindings = 1 // gdpr check found errors
	ExitInvalid  = 2 // bad input or usage
	ExitNotFound = 4
	ExitConflict = 5
	ExitDenied   = 6 // not allowed, or throttled
	ExitInternal = 70
)

// exitCode maps an error to the process exit code, once for every command.
func exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	switch gdpr.ErrorCode(err) {
	case "":
		return ExitOK
	case gdpr.EINVALID, gdpr.EPRECONDITION:
		return ExitInvalid
	case gdpr.ENOTFOUND:
		return ExitNotFound
	case gdpr.ECONFLICT:
		return ExitConflict
	case gdpr.EUNAUTHORIZED, gdpr.EFORBIDDEN, gdpr.ETHROTTLED:
		return ExitDenied
	}
	var ie *importer.Error
	if errors.As(err, &ie) {
		return ExitInvalid
	}
	return ExitInternal
}

// exitError ends a command with a code but no further message (e.g. check
// has printed its findings already).
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// env carries what every command needs; tests set the writers and the
// clock.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	db             string
	lang           locale.Lang
	langFlag       string
	// now is the one clock of the commands, the store and the use cases.
	now func() time.Time
}

func (e *env) open(ctx context.Context) (*store.Store, error) {
	return store.Open(ctx, e.db, store.WithClock(e.now))
}

// withStore runs fn with the opened store and closes it afterwards.
func (e *env) withStore(cmd *cobra.Command, fn func(s *store.Store) error) error {
	s, err := e.open(cmd.Context())
	if err != nil {
		return err
	}
	defer s.Close()
	return fn(s)
}

// withApp runs fn with the use cases over the opened store and the
// command line's principal in ctx.
func (e *env) withApp(cmd *cobra.Command, fn func(ctx context.Context, a *app.App) error) error {
	return e.withStore(cmd, func(s *store.Store) error {
		a := app.New(app.Config{Store: s, Now: e.now})
		defer a.Close()
		return fn(app.CLI(cmd.Context(), login()), a)
	})
}

// printList prints items as JSON ({"items","total"}) or as a table.
func (e *env) printList(format string, items any, total int, header []string, rows [][]string) error {
	if format == "json" {
		return writeJSON(e, map[string]any{"items": items, "total": total})
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// oneOf checks a --format value.
func oneOf(flag, value string, allowed ...string) error {
	for _, a := range allowed {
		if value == a {
			return nil
		}
	}
	return gdpr.Errorf(gdpr.EINVALID, "--%s: want %s, got %q", flag, strings.Join(allowed, " or "), value)
}

func (e *env) t(key string, args ...any) string { return locale.T(e.lang, key, args...) }

// login names who acts from the command line in revisions and the audit
// log: the operating-system user.
func login() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return ""
}

// Options are what a caller (tests) may set beside the arguments.
type Options struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// NewRoot builds the command tree.
func NewRoot(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root, _ := newRoot(stdin, stdout, stderr, Options{})
	return root
}

func newRoot(stdin io.Reader, stdout, stderr io.Writer, o Options) (*cobra.Command, *env) {
	if o.Now == nil {
		o.Now = time.Now
	}
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, now: o.Now}
	root := &cobra.Command{
		Use:   "gdpr",
		Short: "GDPR compliance engine: the register of processing activities as living data",
		Long: `gdpr keeps the Verzeichnis von Verarbeitungstätigkeiten (Art. 30 GDPR) and the
TOM catalogue (Art. 32) as data: import existing Word/Excel/HTML registers,
check them, export them for the supervisory authority, serve them over HTTP.

The store is a SQLite file (gdpr.db in the working directory) unless --db or
GDPR_DB name another file or a postgres:// URL.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			l, ok := locale.Parse(e.langFlag)
			if !ok {
				return gdpr.Errorf(gdpr.EINVALID, "--lang: unsupported language %q (want de or en)", e.langFlag)
			}
			e.lang = l
			return nil
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr(err) })
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().StringVar(&e.db, "db", envOr("GDPR_DB", store.DefaultPath), "store: SQLite file or postgres:// URL (env GDPR_DB)")
	root.PersistentFlags().StringVar(&e.langFlag, "lang", envOr("GDPR_LANG", "de"), "language of messages and documents: de or en (env GDPR_LANG)")
	root.AddCommand(newImport(e), newExport(e), newCheck(e), newSchema(e), newActivities(e), newTOMs(e), newRetention(e), newUsers(e), newTokens(e), newLogs(e), newVersion(e), newServe(e))
	return root, e
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// Execute runs the command line and returns the exit code.
func Execute(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return Run(ctx, Options{}, args, stdin, stdout, stderr)
}

// Run is Execute with options.
func Run(ctx context.Context, o Options, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root, e := newRoot(stdin, stdout, stderr, o)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	l := e.lang
	if l == "" {
		l, _ = locale.Parse(e.langFlag)
	}
	fmt.Fprintln(stderr, "gdpr:", gdpr.Localized(err, l))
	if strings.HasPrefix(err.Error(), "unknown command") {
		return ExitInvalid
	}
	return exitCode(err)
}

// usageErr marks cobra's flag and argument errors as invalid input.
func usageErr(err error) error {
	if err == nil {
		return nil
	}
	return &gdpr.Error{Code: gdpr.EINVALID, Message: err.Error()}
}

// nArgs is cobra.ExactArgs with an invalid-input error.
func nArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error { return usageErr(cobra.ExactArgs(n)(cmd, args)) }
}

func minArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error { return usageErr(cobra.MinimumNArgs(n)(cmd, args)) }
}

func noArgs(cmd *cobra.Command, args []string) error { return usageErr(cobra.NoArgs(cmd, args)) }

func newVersion(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(e.stdout, "gdpr", Version)
			return nil
		},
	}
}
