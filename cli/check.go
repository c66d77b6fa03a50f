package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"gdpr/app"
	"gdpr/export"
	"gdpr/register"
)

func newCheck(e *env) *cobra.Command {
	var format string
	var live app.LiveOptions
	var withLive bool
	cmd := &cobra.Command{
		Use:   "check [--format text|json] [--live [--scan]]",
		Short: "Lint the register: missing Art. 30 content, vague purposes, overdue TOM reviews",
		Long: `Check reports findings with a stable code, a severity (error, warning, info),
the entry and the legal reference. Errors are missing Art. 30(1)(a)-(e)
content; warnings include a missing legal basis, vague purposes, "no
disclosure" although a service provider is named, transfers without
safeguard, missing or period-less deletion periods, TOMs never reviewed or
overdue, processor records that name no controller.

--live compares the register with the company's databases (its systems):
a system that does not answer, a mapped table or column the database
lacks, rows kept past their retention (how many, the oldest); --scan also
samples the unmapped tables for personal data no activity declares.

Exit status: 0 without errors, 1 with errors.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := oneOf("format", format, "text", "json"); err != nil {
				return err
			}
			var fs []register.Finding
			if err := e.withApp(cmd, func(ctx context.Context, a *app.App) error {
				l, err := a.Lint(ctx)
				if err != nil {
					return err
				}
				fs = l.Findings
				if withLive {
					more, err := a.LiveCheck(ctx, live)
					if err != nil {
						return err
					}
					fs = append(slices.Clone(fs), more...)
					register.SortFindings(fs)
				}
				return nil
			}); err != nil {
				return err
			}
			views := export.Describe(fs, e.lang)
			n := register.CountBySeverity(fs)
			if format == "json" {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(map[string]any{"findings": views, "counts": n}); err != nil {
					return err
				}
			} else {
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				for _, f := range views {
					entry := e.t("value.entity." + f.Entity)
					if f.EntityID != "" {
						entry += " " + f.EntityID
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s [%s]\n", e.t("value.severity."+string(f.Severity)), entry, f.Rule, f.Message, f.Citation)
				}
				tw.Flush()
				fmt.Fprintln(e.stdout, e.t("cli.check.summary", n[register.SevError], n[register.SevWarning], n[register.SevInfo]))
			}
			if n[register.SevError] > 0 {
				return &exitError{ExitFindings}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "text", "text or json")
	cmd.Flags().BoolVar(&withLive, "live", false, "compare the register with the company's databases too")
	cmd.Flags().BoolVar(&live.Scan, "scan", false, "with --live: sample unmapped tables for personal data")
	return cmd
}

func newSchema(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of the native register format",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, err := register.JSONSchema()
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(e.stdout, "%s\n", b)
			return err
		},
	}
}
