package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"gdpr"
	"gdpr/app"
	"gdpr/connector"
	"gdpr/register"
)

func newSystems(e *env) *cobra.Command {
	cmd := entityCmd(e, "systems", "List, show, read and scan the company's databases (systems)",
		func(ctx context.Context, a *app.App, f register.Filter) ([]*register.System, int, error) {
			return a.Systems(ctx, f)
		},
		func(ctx context.Context, a *app.App, id string) (*register.System, error) { return a.System(ctx, id) },
		func(x *register.System) []string {
			st := "-"
			if x.Status != "" {
				st = e.t("value.status." + string(x.Status))
			}
			return []string{x.ID, string(x.Engine), st, fmt.Sprint(len(x.Tables)), x.Name}
		},
		[]string{e.t("cli.col.id"), e.t("cli.col.engine"), e.t("cli.col.status"), e.t("cli.col.tables"), e.t("cli.col.name")})
	cmd.AddCommand(newSystemSchema(e), newSystemScan(e))
	return cmd
}

func newSystemSchema(e *env) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "schema ID",
		Short: "Connect to a system and list its tables, columns and keys",
		Args:  nArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := oneOf("format", format, "text", "json"); err != nil {
				return err
			}
			var s *connector.Schema
			if err := e.withApp(cmd, func(ctx context.Context, a *app.App) (err error) {
				s, err = a.SystemSchema(ctx, args[0])
				return err
			}); err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(e, s)
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			for _, t := range s.Tables {
				fmt.Fprintf(tw, "%s\t%s\n", t.Name, e.t("cli.systems.key", strings.Join(t.PrimaryKey, ", ")))
				for _, c := range t.Columns {
					fmt.Fprintf(tw, "  %s\t%s\t%s\n", c.Name, c.Type, c.Kind)
				}
				for _, fk := range t.ForeignKeys {
					fmt.Fprintf(tw, "  → %s\t%s\n", strings.Join(fk.Columns, ", "), fk.RefTable+"("+strings.Join(fk.RefColumns, ", ")+")")
				}
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "text", "text or json")
	return cmd
}

func newSystemScan(e *env) *cobra.Command {
	var format string
	var o app.ScanOptions
	var accept, reject []string
	cmd := &cobra.Command{
		Use:   "scan ID",
		Short: "Find personal data in a system's columns (by name and a bounded sample of values); --write adds the tables found to the register as a draft",
		Args:  nArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := oneOf("format", format, "text", "json"); err != nil {
				return err
			}
			o.Lang = e.lang
			if (len(accept) > 0 || len(reject) > 0) && !o.Write {
				return gdpr.Keyed(gdpr.EINVALID, "accept", "cli.scan.nowrite")
			}
			for _, x := range accept {
				o.Accept = append(o.Accept, app.ScanRef{Table: x})
			}
			for _, x := range reject {
				o.Reject = append(o.Reject, app.ScanRef{Table: x})
			}
			var res *app.ScanResult
			if err := e.withApp(cmd, func(ctx context.Context, a *app.App) (err error) {
				res, err = a.ScanSystem(ctx, args[0], o)
				return err
			}); err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(e, res)
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, strings.Join([]string{e.t("cli.col.table"), e.t("cli.col.column"), e.t("cli.col.found"), e.t("cli.col.confidence"), e.t("cli.col.register")}, "\t"))
			for _, t := range res.Tables {
				for _, c := range t.Columns {
					if c.Match == nil {
						continue
					}
					how := e.t("cli.scan.values")
					if !c.Match.ByValues {
						how = e.t("cli.scan.name")
					}
					mapped := c.Mapped
					switch {
					case c.Ignored || t.Ignored:
						mapped = e.t("cli.scan.ignored")
					case mapped == "":
						mapped = e.t("cli.scan.unmapped")
					}
					fmt.Fprintf(tw, "%s\t%s\t%s (%s)\t%.0f %%\t%s\n", t.Name, c.Name, c.Label, how, 100*c.Match.Confidence, mapped)
				}
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, e.t("cli.scan.summary", len(res.Tables), res.Sampled, res.Personal, res.Unmapped))
			if len(res.Added) > 0 {
				slices.Sort(res.Added)
				fmt.Fprintln(e.stdout, e.t("cli.scan.added", strings.Join(res.Added, ", "), args[0]))
			}
			if len(res.AddedColumns) > 0 {
				fmt.Fprintln(e.stdout, e.t("cli.scan.addedcolumns", strings.Join(res.AddedColumns, ", "), args[0]))
			}
			if len(res.Rejected) > 0 {
				fmt.Fprintln(e.stdout, e.t("cli.scan.rejected", strings.Join(res.Rejected, ", ")))
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "text", "text or json")
	cmd.Flags().IntVar(&o.Sample, "sample", 100, "values read per column (at most 1000)")
	cmd.Flags().BoolVar(&o.Write, "write", false, "add the tables found and not yet mapped to the system in the register, as a draft (all, or those --accept names)")
	cmd.Flags().StringArrayVar(&accept, "accept", nil, "with --write: add this proposal only (a table, or table.column of a mapped table); repeatable")
	cmd.Flags().StringArrayVar(&reject, "reject", nil, "with --write: remember this proposal as holding no personal data (a table, or table.column); repeatable")
	return cmd
}
