package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"gdpr"
	"gdpr/app"
	"gdpr/auth"
)

func newUsers(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "users", Short: "Manage the people who sign in to the web UI"}
	var role string
	var fromStdin bool
	add := &cobra.Command{
		Annotations: createsStore,
		Use:         "add NAME --role admin|editor|auditor [--password-stdin]",
		Short:       "Add a user; the password is asked for, or read from standard input",
		Long: `Add creates a user with a role: admin (users, tokens, settings and all an
editor may), editor (the data-protection officer: edits the register) or
auditor (reads and exports). The password (at least 12 characters, not a
common password, word, name, date, repetition or keyboard row, not the
user's own name) is asked for twice on a terminal, or read as the first
line of standard input with --password-stdin.`,
		Example: "  gdpr users add erika --role editor\n  echo \"$PW\" | gdpr users add ci-reader --role auditor --password-stdin",
		Args:    nArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := auth.ParseRole(role)
			if err != nil {
				return err
			}
			if err := auth.ValidName(args[0]); err != nil {
				return err
			}
			pw, err := readPassword(e, fromStdin)
			if err != nil {
				return err
			}
			return e.withApp(cmd, func(ctx context.Context, a *app.App) error {
				if err := a.AddUser(ctx, args[0], r, pw); err != nil {
					return err
				}
				fmt.Fprintln(e.stdout, e.t("cli.users.added", args[0], r))
				return nil
			})
		},
	}
	add.Flags().StringVar(&role, "role", "", "admin, editor or auditor (required)")
	add.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the password from standard input")
	add.MarkFlagRequired("role")

	list := listCommand(e, "List users", []string{"NAME", "ROLE", "DISABLED", "CREATED"},
		func(ctx context.Context, a *app.App) ([]auth.User, error) { return a.Users(ctx) },
		func(u auth.User) []string {
			return []string{u.Name, string(u.Role), fmt.Sprint(u.Disabled), u.Created.Format("2006-01-02")}
		})

	disable := nameAction(e, "disable NAME", "Disable a user and end their sessions", "cli.users.disabled",
		func(ctx context.Context, a *app.App, name string) error { return a.DisableUser(ctx, name, true) })
	cmd.AddCommand(add, list, disable)
	return cmd
}

// readPassword reads a new password: twice from the terminal without echo,
// or once from standard input.
func readPassword(e *env, fromStdin bool) (string, error) {
	var pw string
	if fromStdin {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && err != io.EOF {
			return "", err
		}
		pw = strings.TrimRight(line, "\r\n")
	} else {
		f, ok := e.stdin.(*os.File)
		if !ok || !term.IsTerminal(int(f.Fd())) {
			return "", gdpr.Keyed(gdpr.EINVALID, "password", "cli.password.noterm")
		}
		fmt.Fprint(e.stderr, e.t("cli.users.password"))
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(e.stderr, e.t("cli.users.repeat"))
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", gdpr.Keyed(gdpr.EINVALID, "password", "cli.password.differ")
		}
		pw = string(a)
	}
	return pw, nil
}

func newTokens(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "tokens", Short: "Manage API tokens for scripts (Authorization: Bearer TOKEN)"}
	var role string
	create := &cobra.Command{
		Annotations: createsStore,
		Use:         "create NAME --role admin|editor|auditor",
		Short:       "Create an API token; it is printed once and stored only as a hash",
		Args:        nArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := auth.ParseRole(role)
			if err != nil {
				return err
			}
			return e.withApp(cmd, func(ctx context.Context, a *app.App) error {
				secret, err := a.CreateToken(ctx, args[0], r)
				if err != nil {
					return err
				}
				fmt.Fprintln(e.stdout, secret)
				fmt.Fprintln(e.stderr, e.t("cli.tokens.once"))
				return nil
			})
		},
	}
	create.Flags().StringVar(&role, "role", "", "admin, editor or auditor (required)")
	create.MarkFlagRequired("role")
	list := listCommand(e, "List API tokens (never their secrets)", []string{"NAME", "ROLE", "CREATED", "REVOKED", "LAST USED"},
		func(ctx context.Context, a *app.App) ([]auth.Token, error) { return a.Tokens(ctx) },
		func(t auth.Token) []string {
			revoked, used := "-", "-"
			if t.Revoked != nil {
				revoked = t.Revoked.Format("2006-01-02")
			}
			if t.LastUsed != nil {
				used = t.LastUsed.Format("2006-01-02 15:04")
			}
			return []string{t.Name, string(t.Role), t.Created.Format("2006-01-02"), revoked, used}
		})
	revoke := nameAction(e, "revoke NAME", "Revoke an API token", "cli.tokens.revoked",
		func(ctx context.Context, a *app.App, name string) error { return a.RevokeToken(ctx, name) })
	cmd.AddCommand(create, list, revoke)
	return cmd
}

// listCommand builds a "list" command with --format text|json over items
// loaded from the store.
func listCommand[T any](e *env, short string, header []string, load func(context.Context, *app.App) ([]T, error), row func(T) []string) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "list",
		Short: short,
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := oneOf("format", format, "text", "json"); err != nil {
				return err
			}
			return e.withApp(cmd, func(ctx context.Context, a *app.App) error {
				items, err := load(ctx, a)
				if err != nil {
					return err
				}
				rows := make([][]string, len(items))
				for i, it := range items {
					rows[i] = row(it)
				}
				return e.printList(format, items, len(items), header, rows)
			})
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "text", "text or json")
	return cmd
}

// nameAction builds a command that does one thing to a named user or
// token (the use case records it in the audit log) and confirms it.
func nameAction(e *env, use, short, doneKey string, do func(context.Context, *app.App, string) error) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  nArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withApp(cmd, func(ctx context.Context, a *app.App) error {
				if err := do(ctx, a, args[0]); err != nil {
					return err
				}
				fmt.Fprintln(e.stdout, e.t(doneKey, args[0]))
				return nil
			})
		},
	}
}
