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
	"regexp"
	"runtime/debug"
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
	ExitOK          = 0
	ExitFindings    = 1 // gdpr check found errors
	ExitInvalid     = 2 // bad input or usage
	ExitNotFound    = 4
	ExitConflict    = 5
	ExitDenied      = 6  // not allowed, or throttled
	ExitUnavailable = 69 // a company system did not answer (EX_UNAVAILABLE)
	ExitInternal    = 70
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
	case gdpr.EUNAVAILABLE:
		return ExitUnavailable
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
	vaultKeys      string // directory of the vault's keys
	loaded         *app.VaultKeys
	// now is the one clock of the commands, the store and the use cases.
	now func() time.Time
	// mail is how mails go out (the SMTP flags).
	mail mailSettings
}

// open opens the store; with the key directory, the store signs the
// log's checkpoints with its log key.
func (e *env) open(ctx context.Context) (*store.Store, error) {
	keys, err := e.keys()
	if err != nil {
		return nil, err
	}
	return store.Open(ctx, e.db, store.WithClock(e.now), store.WithLogKey(keys.LogKey))
}

// keys reads the key directory once (none named: no keys).
func (e *env) keys() (app.VaultKeys, error) {
	if e.loaded == nil && e.vaultKeys == "" {
		return app.VaultKeys{}, nil
	}
	if e.loaded == nil {
		k, err := loadVaultKeys(e.vaultKeys)
		if err != nil {
			return app.VaultKeys{}, err
		}
		e.loaded = &k
	}
	return *e.loaded, nil
}

// createsStore marks the commands that may make a new store (import, the
// first user or token): every other command refuses to read a store that
// is not there, rather than make an empty one and report nothing.
var createsStore = map[string]string{"store": "create"}

// withStore runs fn with the opened store and closes it afterwards.
func (e *env) withStore(cmd *cobra.Command, fn func(s *store.Store) error) error {
	if cmd.Annotations["store"] != "create" && !storeExists(e.db) {
		return gdpr.Keyed(gdpr.ENOTFOUND, "db", "cli.nostore", strings.TrimPrefix(e.db, "sqlite:"))
	}
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
	keys, err := e.keys()
	if err != nil {
		return err
	}
	return e.withStore(cmd, func(s *store.Store) error {
		sender, err := e.sender()
		if err != nil {
			return err
		}
		a := app.New(app.Config{Store: s, Now: e.now, Vault: keys, Mail: sender, RemindTo: e.mail.remindTo, RemindDays: e.mail.remindDays})
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
	return gdpr.Keyed(gdpr.EINVALID, flag, "cli.oneof", flag, strings.Join(allowed, ", "), value)
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
				return gdpr.Keyed(gdpr.EINVALID, "lang", "cli.lang", e.langFlag)
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
	root.PersistentFlags().StringVar(&e.vaultKeys, "vault-keys", os.Getenv("GDPR_VAULT_KEYS"), "directory of the vault's keys (gdpr vault init; env GDPR_VAULT_KEYS), kept apart from the database and its backups")
	root.PersistentFlags().StringVar(&e.langFlag, "lang", envOr("GDPR_LANG", "de"), "language of messages and documents: de or en (env GDPR_LANG)")
	mailFlags(root, e)
	root.AddCommand(newImport(e), newExport(e), newCheck(e), newSchema(e), newActivities(e), newTOMs(e), newDocuments(e), newSystems(e), newSweep(e), newRuns(e), newHolds(e), newRequests(e), newTemplates(e), newConsent(e), newRetention(e), newUsers(e), newTokens(e), newLogs(e), newVersion(e), newServe(e), newVault(e), newSubjects(e), newBackup(e), newAudit(e))
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
	if strings.HasPrefix(err.Error(), "unknown command") {
		// cobra's own words; the command named is the first argument
		// that is no flag.
		word := ""
		for _, a := range args {
			if !strings.HasPrefix(a, "-") {
				word = a
				break
			}
		}
		fmt.Fprintln(stderr, "gdpr:", locale.T(l, "cli.unknown.command", word))
		return ExitInvalid
	}
	fmt.Fprintln(stderr, "gdpr:", gdpr.Localized(err, l))
	return exitCode(err)
}

// flagErrors read pflag's messages, which carry no codes, into catalogue
// keys: the user reads them in the chosen language.
var flagErrors = []struct {
	re  *regexp.Regexp
	key string
}{
	{regexp.MustCompile(`^unknown flag: (\S+)`), "cli.flag.unknown"},
	{regexp.MustCompile(`^unknown shorthand flag: '(.)'`), "cli.flag.unknown"},
	{regexp.MustCompile(`^flag needs an argument: (?:'(.)' in -\S+|(\S+))`), "cli.flag.noarg"},
	{regexp.MustCompile(`^invalid argument "(.*)" for "(\S+)`), "cli.flag.bad"},
}

// usageErr marks cobra's flag errors as invalid input, in the catalogue's
// words where the message is one it knows.
func usageErr(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	for _, f := range flagErrors {
		m := f.re.FindStringSubmatch(msg)
		if m == nil {
			continue
		}
		var args []any
		for _, a := range m[1:] {
			if a != "" {
				args = append(args, a)
			}
		}
		if f.key == "cli.flag.bad" && len(args) == 2 {
			args[0], args[1] = args[1], args[0] // flag first
		}
		return gdpr.Keyed(gdpr.EINVALID, "", f.key, args...)
	}
	return &gdpr.Error{Code: gdpr.EINVALID, Message: msg}
}

// nArgs accepts exactly n arguments.
func nArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return gdpr.Keyed(gdpr.EINVALID, "", "cli.args.exact", cmd.CommandPath(), n, len(args))
		}
		return nil
	}
}

func minArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return gdpr.Keyed(gdpr.EINVALID, "", "cli.args.min", cmd.CommandPath(), n, len(args))
		}
		return nil
	}
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return gdpr.Keyed(gdpr.EINVALID, "", "cli.args.none", cmd.CommandPath(), args[0])
	}
	return nil
}

func newVersion(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(e.stdout, versionLine())
			return nil
		},
	}
}

// versionLine is "gdpr VERSION (commit COMMIT[, changed], go GO)" from the
// build information: the module version of an installed release, the VCS
// revision of a build from a checkout. Version, when set at build time,
// comes first.
func versionLine() string {
	v, commit, dirty, goVer := Version, "", false, ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVer = bi.GoVersion
		if v == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	line := "gdpr " + v
	var parts []string
	if commit != "" {
		c := "commit " + commit[:min(12, len(commit))]
		if dirty {
			c += "+"
		}
		parts = append(parts, c)
	}
	if goVer != "" {
		parts = append(parts, goVer)
	}
	if len(parts) > 0 {
		line += " (" + strings.Join(parts, ", ") + ")"
	}
	return line
}
