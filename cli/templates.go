package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"gdpr"
	"gdpr/app"
	"gdpr/request"
)

// newTemplates is "gdpr templates": the texts of the mails to people and
// recipients, built in or an admin's.
func newTemplates(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "templates", Short: "The mail templates (German and English): the built-in texts and those an admin changed"}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the mails, their languages, and whether an admin changed them",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var ts []request.MailTemplate
			if err := e.withApp(cmd, func(ctx context.Context, a *app.App) (err error) {
				ts, err = a.MailTemplates(ctx)
				return err
			}); err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			for _, t := range ts {
				state := e.t("ui.templates.builtin")
				if t.Custom {
					state = e.t("ui.templates.custom", t.Version, t.By)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.Kind, t.Lang, state, t.Subject)
			}
			return tw.Flush()
		},
	}
	show := &cobra.Command{
		Use:   "show KIND LANG",
		Short: "Print a template: its subject, a blank line, its text (fields in {{.Field}})",
		Args:  nArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var t request.MailTemplate
			if err := e.withApp(cmd, func(ctx context.Context, a *app.App) (err error) {
				t, err = a.MailTemplate(ctx, args[0], args[1])
				return err
			}); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s\n\n%s\n", t.Subject, t.Body)
			fmt.Fprintln(e.stderr, e.t("cli.templates.fields", strings.Join(t.Fields(), ", ")))
			return nil
		},
	}
	var subject, bodyFile string
	set := &cobra.Command{
		Use:   "set KIND LANG --subject TEXT --body-file FILE",
		Short: "Replace a template with your text (checked: syntax, the mail's fields, the link where the mail needs it); admins only",
		Args:  nArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if bodyFile == "" {
				return gdpr.Keyed(gdpr.EINVALID, "body-file", "error.required")
			}
			body, err := os.ReadFile(bodyFile)
			if err != nil {
				return gdpr.Keyed(gdpr.EINVALID, "body-file", "cli.wrap", bodyFile, err)
			}
			return e.withApp(cmd, func(ctx context.Context, a *app.App) error {
				cur, err := a.MailTemplate(ctx, args[0], args[1])
				if err != nil {
					return err
				}
				t := request.MailTemplate{Kind: args[0], Lang: args[1], Subject: subject, Body: string(body)}
				if t.Subject == "" {
					t.Subject = cur.Subject
				}
				version := 0
				if cur.Custom {
					version = cur.Version
				}
				saved, err := a.SaveMailTemplate(ctx, t, version)
				if err == nil {
					fmt.Fprintln(e.stdout, e.t("cli.templates.saved", saved.Kind, saved.Lang, saved.Version))
				}
				return err
			})
		},
	}
	set.Flags().StringVar(&subject, "subject", "", "the subject (default: keep the current one)")
	set.Flags().StringVar(&bodyFile, "body-file", "", "a file with the text")
	reset := &cobra.Command{
		Use:   "reset KIND LANG",
		Short: "Go back to the built-in text; admins only",
		Args:  nArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withApp(cmd, func(ctx context.Context, a *app.App) error {
				cur, err := a.MailTemplate(ctx, args[0], args[1])
				if err != nil || !cur.Custom {
					return err
				}
				return a.ResetMailTemplate(ctx, args[0], args[1], cur.Version)
			})
		},
	}
	cmd.AddCommand(list, show, set, reset)
	return cmd
}
