package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"gdpr"
	"gdpr/app"
	"gdpr/register"
	"gdpr/retention"
	"gdpr/sweep"
)

func newHolds(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "holds", Short: "Legal holds (Löschsperren): rows a sweep keeps"}
	var reason, until string
	add := &cobra.Command{
		Use:   "add SYSTEM TABLE COLUMN VALUE --reason TEXT [--until YYYY-MM-DD]",
		Short: "Keep the rows of a mapped table whose column holds VALUE (sealed in the vault)",
		Args:  nArgs(4),
		RunE: func(cmd *cobra.Command, args []string) error {
			n := app.NewHold{System: args[0], Table: args[1], Column: args[2], Value: args[3], Reason: reason}
			if until != "" {
				d, err := register.ParseDate(until)
				if err != nil {
					return gdpr.Keyed(gdpr.EINVALID, "until", "cli.wrap", "--until", err)
				}
				n.Until = &d
			}
			var h sweep.Hold
			if err := e.withApp(cmd, func(ctx context.Context, a *app.App) (err error) {
				h, err = a.AddHold(ctx, n)
				return err
			}); err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, e.t("cli.holds.added", h.ID))
			return nil
		},
	}
	add.Flags().StringVar(&reason, "reason", "", "why the rows must stay (litigation, an investigation)")
	add.Flags().StringVar(&until, "until", "", "last day of the hold (default: until lifted)")
	var all bool
	list := &cobra.Command{
		Use:   "list [SYSTEM]",
		Short: "List the holds (without their values)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			system := ""
			if len(args) == 1 {
				system = args[0]
			}
			var hs []sweep.Hold
			if err := e.withApp(cmd, func(ctx context.Context, a *app.App) (err error) {
				hs, err = a.Holds(ctx, system, all)
				return err
			}); err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, strings.Join([]string{e.t("cli.col.id"), e.t("cli.col.system"), e.t("cli.col.table"), e.t("cli.col.column"), e.t("cli.col.until"), e.t("cli.col.reason")}, "\t"))
			for _, h := range hs {
				u := e.t("cli.holds.open")
				if h.Until != nil {
					u = register.DateOf(h.Until.In(retention.Berlin)).String()
				}
				if h.Lifted != nil {
					u = e.t("cli.holds.lifted")
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", h.ID, h.System, h.Table, h.Column, u, h.Reason)
			}
			return tw.Flush()
		},
	}
	list.Flags().BoolVar(&all, "all", false, "lifted holds too")
	lift := &cobra.Command{
		Use:   "lift ID",
		Short: "Lift a hold; its value is erased from the vault",
		Args:  nArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withApp(cmd, func(ctx context.Context, a *app.App) error { return a.LiftHold(ctx, args[0]) })
		},
	}
	cmd.AddCommand(add, list, lift)
	return cmd
}
