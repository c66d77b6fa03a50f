package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"gdpr"
	"gdpr/app"
	"gdpr/retention"
	"gdpr/run"
)

func newRuns(e *env) *cobra.Command {
	var f run.Filter
	var kind, format string
	cmd := &cobra.Command{
		Use:   "runs [--kind sweep|scan] [--system ID] [--limit N]",
		Short: "List the runs of sweeps and scans (also the scheduled ones): who, when, how far, how they ended",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := oneOf("format", format, "text", "json"); err != nil {
				return err
			}
			if kind != "" {
				if err := oneOf("kind", kind, string(run.Sweep), string(run.Scan)); err != nil {
					return err
				}
			}
			if f.Limit < 0 || f.Limit > 200 {
				return gdpr.Keyed(gdpr.EINVALID, "limit", "cli.runs.limit")
			}
			f.Kind = run.Kind(kind)
			var rs []run.Run
			if err := e.withApp(cmd, func(ctx context.Context, a *app.App) (err error) {
				rs, err = a.Runs(ctx, f)
				return err
			}); err != nil {
				return err
			}
			if format == "json" {
				if rs == nil {
					rs = []run.Run{}
				}
				return writeJSON(e, rs)
			}
			if len(rs) == 0 {
				fmt.Fprintln(e.stdout, e.t("cli.runs.none"))
				return nil
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, strings.Join([]string{e.t("cli.col.started"), e.t("cli.col.kind"), e.t("cli.col.system"), e.t("cli.col.actor"),
				e.t("cli.col.state"), e.t("cli.col.progress")}, "\t"))
			for _, r := range rs {
				state := e.t("value.run." + string(r.State))
				if r.Error != "" {
					state += ": " + app.RunError(r, e.lang)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Started.In(retention.Berlin).Format("2006-01-02 15:04"), e.t("value.runkind."+string(r.Kind)),
					dash(r.System), r.Actor, state, runProgress(e, r))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&kind, "kind", "", "sweep or scan (default both)")
	cmd.Flags().StringVar(&f.System, "system", "", "one system's runs only")
	cmd.Flags().IntVar(&f.Limit, "limit", 20, "how many (at most 200)")
	cmd.Flags().StringVarP(&format, "format", "f", "text", "text or json")
	return cmd
}

// runProgress says how far a run got, in its kind's words.
func runProgress(e *env, r run.Run) string {
	p := r.Progress
	if r.Kind == run.Scan {
		return e.t("run.progress.scan", p.TablesDone, p.Tables, p.Examined, p.Done)
	}
	return e.t("run.progress.sweep", p.TablesDone, p.Tables, p.Done, p.Examined, p.Held)
}
