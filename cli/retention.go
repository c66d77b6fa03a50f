package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"gdpr"
	"gdpr/app"
	"gdpr/export"
	"gdpr/locale"
	"gdpr/register"
	"gdpr/retention"
)

// ExitPending: `retention due` needs an event date it was not given.
const ExitPending = 3

func newRetention(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "retention",
		Short: "Deletion periods as rules: parse statements, compute the end of retention, list deletion classes",
	}
	cmd.AddCommand(newRetentionParse(e), newRetentionDue(e), newRetentionClasses(e), newRetentionEvents(e))
	return cmd
}

func newRetentionParse(e *env) *cobra.Command {
	var format, topic string
	cmd := &cobra.Command{
		Use:   `parse [--format text|json] "STATEMENT"`,
		Short: "Show the rule(s) a retention statement means, with warnings",
		Long: `Parse reads a German or English retention statement ("IP-Adressen nach 30
Tagen", "8 Jahre ab Schluss des Kalenderjahres", "bis zum Widerruf") and
prints the rule: start event, anchor, period, action, condition. Warnings
name what is missing or legally doubtful, with the legal reference; nothing
is guessed silently (an implied start event is reported).

--topic gives the context (activity, data category), so that e.g. a
statutory duty claimed for marketing data is recognised.`,
		Example: `  gdpr retention parse "zwei Jahre nach Abschluss der Anfrage"
  gdpr retention parse --topic Newsletter "10 Jahre (gesetzliche Aufbewahrungspflicht)"`,
		Args: nArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := oneOf("format", format, "text", "json"); err != nil {
				return err
			}
			v := export.DescribeRetention(retention.Parse(args[0], retention.Context{Topic: topic}), e.lang)
			if format == "json" {
				return writeJSON(e, v)
			}
			if len(v.Rules) == 0 {
				fmt.Fprintln(e.stdout, e.t("cli.retention.norule"))
			}
			for _, r := range v.Rules {
				// The rule in words; its compact form (event ids) is in
				// --format json.
				fmt.Fprintln(e.stdout, r.Description)
			}
			fmt.Fprintln(e.stdout, e.t("cli.retention.confidence", v.Confidence*100))
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			for _, w := range v.Warnings {
				fmt.Fprintf(tw, "%s\t%s\t%s [%s]\n", e.t("value.severity."+string(w.Severity)), e.t("rule."+register.RetentionCodePrefix+w.Code), w.Message, locale.Cite(e.lang, w.Ref))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "text", "text or json")
	cmd.Flags().StringVar(&topic, "topic", "", "what the statement is about (activity, data category)")
	return cmd
}

func newRetentionDue(e *env) *cobra.Command {
	var events []string
	cmd := &cobra.Command{
		Use:   `due "STATEMENT" --event NAME=YYYY-MM-DD ...`,
		Short: "Print the last day data may be kept under a statement",
		Long: `Due prints the end of retention (the last day the data may be kept) as
YYYY-MM-DD. The event day is not counted (§ 187(1) BGB); month and year
periods end on the day with the event's number or the month's last day
(§ 188(2),(3) BGB); "ab Schluss des Kalenderjahres" starts at the year's end
(§ 147(4) AO). Times are Europe/Berlin. "whichever comes first" takes the
earliest end among the branches whose events are given.

Exit status: 0 with a date; 3 and "pending: EVENT" when a needed event date
is missing; 2 when the statement is no executable rule. For "whichever
comes first" with a branch still pending, the line starts with the known
branch's date, says that it is the latest possible one and which event is
still pending (exit 0): the pending branch can only end it earlier. See
"gdpr retention events" for the event names.`,
		Example: `  gdpr retention due "IP-Adressen nach 30 Tagen" --event collected=2024-03-15
  gdpr retention due "8 Jahre ab Schluss des Kalenderjahres" --event document_date=2024-03-15`,
		Args: nArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw := map[string]string{}
			for _, kv := range events {
				name, val, ok := strings.Cut(kv, "=")
				if !ok {
					return gdpr.Keyed(gdpr.EINVALID, "event", "cli.retention.event", kv)
				}
				raw[name] = val
			}
			ev, err := app.Events(raw)
			if err != nil {
				return err
			}
			a := app.New(app.Config{Now: e.now})
			_, o, err := a.RetentionDue(args[0], "", ev)
			if err != nil {
				return err
			}
			var names []string
			for _, p := range o.Pending {
				names = append(names, string(p))
			}
			if !o.Known {
				fmt.Fprintln(e.stdout, e.t("cli.retention.pending", strings.Join(names, ", ")))
				return &exitError{ExitPending}
			}
			if o.Latest {
				// The date first, so that scripts can cut it off the line.
				fmt.Fprintln(e.stdout, e.t("cli.retention.latest", o.End.Format("2006-01-02"), strings.Join(names, ", ")))
				return nil
			}
			fmt.Fprintln(e.stdout, o.End.Format("2006-01-02"))
			return nil
		},
	}
	cmd.Flags().StringArrayVarP(&events, "event", "e", nil, "an event's date: NAME=YYYY-MM-DD (repeatable)")
	cmd.RegisterFlagCompletionFunc("event", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		var s []string
		for _, ev := range retention.Events {
			s = append(s, string(ev.Event)+"=")
		}
		return s, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

func newRetentionEvents(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "events",
		Short: "List the start events retention rules run from",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			for _, ev := range retention.Events {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", ev.Event, e.t("event."+string(ev.Event)), ev.Doc)
			}
			return tw.Flush()
		},
	}
}

func newRetentionClasses(e *env) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "classes [--format text|json]",
		Short: "Print the deletion-class matrix (DIN 66398) of the register",
		Long: `Classes groups the register's retention statements into deletion classes
(Löschklassen): rows are the periods in use, columns the start events, each
occupied cell one class with the activities that use it.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := oneOf("format", format, "text", "json"); err != nil {
				return err
			}
			var m retention.Matrix
			if err := e.withApp(cmd, func(ctx context.Context, a *app.App) (err error) {
				m, err = a.RetentionClasses(ctx)
				return err
			}); err != nil {
				return err
			}
			v := export.DescribeClasses(m, e.lang)
			if format == "json" {
				return writeJSON(e, v)
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "\t"+strings.Join(v.Starts, "\t"))
			for i, p := range v.Periods {
				fmt.Fprintln(tw, p+"\t"+strings.Join(dashes(v.Grid[i]), "\t"))
			}
			tw.Flush()
			fmt.Fprintln(e.stdout)
			for _, c := range v.Classes {
				fmt.Fprintf(e.stdout, "%s  %s: %s\n", c.ID, c.Rule, strings.Join(c.Entries, ", "))
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "text", "text or json")
	return cmd
}

func dashes(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = x
		if x == "" {
			out[i] = "-"
		}
	}
	return out
}
