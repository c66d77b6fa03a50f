package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"gdpr"
	"gdpr/app"
	"gdpr/export"
	"gdpr/register"
	"gdpr/retention"
)

func newSweep(e *env) *cobra.Command {
	var o app.SweepOptions
	var format string
	cmd := &cobra.Command{
		Use:   "sweep [--system ID] [--dry-run] [--batch N]",
		Short: "Delete, anonymise or flag the rows of the company's databases whose retention has ended",
		Long: `sweep applies the register's deletion periods to the systems' mapped
tables: the rows whose end of retention (the activity's rule on the
table's event columns) is before today, except those restricted under
Art. 18 and those whose event is still pending, are deleted, anonymised or
flagged in batches. Every batch is one transaction in the database and one
entry of the deletion protocol in the audit log (rule, table, action,
rows, a hash of the keys, the day the rows leave the last backup). A run
that died is finished by the next one; a second run changes nothing.
Draft systems (from a scan) are not swept. --dry-run counts and changes
nothing (editor role); a sweep needs the admin role.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := oneOf("format", format, "text", "json"); err != nil {
				return err
			}
			if f, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) && !o.DryRun {
				// A progress line on the terminal, rewritten after each
				// batch: table, rows done of due.
				o.Progress = func(t app.SweepTable) {
					fmt.Fprintf(e.stderr, "\r%s/%s: %s", t.System, t.Table, e.t("cli.sweep.progress", t.Done, t.Due, progressBar(t.Done, t.Due)))
					if t.Done >= t.Due {
						fmt.Fprintln(e.stderr)
					}
				}
			}
			var res *app.SweepResult
			err := e.withApp(cmd, func(ctx context.Context, a *app.App) (err error) {
				res, err = a.Sweep(ctx, o)
				return err
			})
			if res != nil && format == "json" {
				if werr := writeJSON(e, res); werr != nil {
					return werr
				}
			} else if res != nil {
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, strings.Join([]string{e.t("cli.col.system"), e.t("cli.col.table"), e.t("cli.col.action"), e.t("cli.col.due"),
					e.t("cli.col.done"), e.t("cli.col.oldest"), e.t("cli.col.backupsclear")}, "\t"))
				for _, t := range res.Tables {
					if t.Skipped != "" {
						fmt.Fprintf(tw, "%s\t%s\t–\t–\t–\t%s\t\n", t.System, t.Table, e.t(t.Skipped, t.SkipArg))
						continue
					}
					oldest, left := t.Oldest, t.LeftBackups
					if len(oldest) > 10 {
						oldest = oldest[:10]
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%s\n", t.System, t.Table, e.t("ui.system.action."+t.Action), t.Due, t.Done, dash(oldest), dash(left))
				}
				tw.Flush()
				if res.DryRun {
					fmt.Fprintln(e.stdout, e.t("cli.sweep.dry"))
				}
			}
			return err
		},
	}
	cmd.AddCommand(newSweepProtocol(e))
	cmd.Flags().StringVar(&o.System, "system", "", "sweep one system only")
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "count what would be changed, change nothing")
	cmd.Flags().IntVar(&o.Batch, "batch", 1000, "rows a batch (at most 5000)")
	cmd.Flags().StringVarP(&format, "format", "f", "text", "text or json")
	return cmd
}

// progressBar draws done of total in 20 cells.
func progressBar(done, total int64) string {
	if total <= 0 {
		return ""
	}
	n := int(min(20, 20*done/total))
	return "[" + strings.Repeat("#", n) + strings.Repeat(".", 20-n) + "]"
}

func dash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func newSweepProtocol(e *env) *cobra.Command {
	var from, to, format, out string
	cmd := &cobra.Command{
		Use:   "protocol [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--format pdf|csv] [-o FILE]",
		Short: "Print the deletion protocol (Löschprotokoll) of a period from the audit log",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			today := register.DateOf(e.now().In(retention.Berlin))
			f, t := register.Date{Year: today.Year, Month: 1, Day: 1}, today
			var err error
			if from != "" {
				if f, err = register.ParseDate(from); err != nil {
					return gdpr.Keyed(gdpr.EINVALID, "from", "cli.wrap", "--from", err)
				}
			}
			if to != "" {
				if t, err = register.ParseDate(to); err != nil {
					return gdpr.Keyed(gdpr.EINVALID, "to", "cli.wrap", "--to", err)
				}
			}
			return toOutput(e, out, func(w io.Writer) error {
				return e.withApp(cmd, func(ctx context.Context, a *app.App) error {
					return a.WriteSweepProtocol(ctx, w, export.Format(format), f, t, e.lang)
				})
			})
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "first day (default: 1 January of this year)")
	cmd.Flags().StringVar(&to, "to", "", "last day (default: today)")
	cmd.Flags().StringVarP(&format, "format", "f", "csv", "pdf or csv")
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to FILE (created, mode 0600) instead of standard output")
	return cmd
}
