package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"gdpr"
	"gdpr/app"
	"gdpr/importer"
	"gdpr/locale"
	"gdpr/register"
)

type listFlags struct {
	format, status, query string
	all                   bool
}

func (l *listFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&l.format, "format", "f", "text", "text or json")
	cmd.Flags().StringVar(&l.status, "status", "", "only entries with this status (draft, in_review, approved, archived, or Entwurf, In Prüfung, Freigegeben, Archiviert)")
	cmd.Flags().StringVarP(&l.query, "query", "q", "", "only entries whose name, id, purposes or description contain this text (case-folded, literal)")
	cmd.Flags().BoolVar(&l.all, "all", false, "include archived entries")
}

func (l *listFlags) filter() (register.Filter, error) {
	f := register.Filter{Query: l.query, IncludeArchived: l.all}
	if err := oneOf("format", l.format, "text", "json"); err != nil {
		return f, err
	}
	if l.status != "" {
		s, ok := importer.ParseStatus(l.status)
		if !ok {
			return f, gdpr.Keyed(gdpr.EINVALID, "status", "cli.status", l.status)
		}
		f.Status = &s
	}
	return f, nil
}

// entityCmd builds "list" and "show" for one kind of entry; activities and
// measures differ only in how a row is printed.
func entityCmd[T any](e *env, use, short string, find func(context.Context, *app.App, register.Filter) ([]T, int, error),
	get func(context.Context, *app.App, string) (T, error), row func(T) []string, header []string) *cobra.Command {
	parent := &cobra.Command{Use: use, Short: short}
	var lf listFlags
	list := &cobra.Command{
		Use:   "list",
		Short: "List " + use,
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := lf.filter()
			if err != nil {
				return err
			}
			var items []T
			var total int
			if err := e.withApp(cmd, func(ctx context.Context, a *app.App) (err error) {
				items, total, err = find(ctx, a, f)
				return err
			}); err != nil {
				return err
			}
			if lf.format == "json" {
				if items == nil {
					items = []T{}
				}
				return writeJSON(e, map[string]any{"items": items, "total": total})
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, strings.Join(header, "\t"))
			for _, it := range items {
				fmt.Fprintln(tw, strings.Join(row(it), "\t"))
			}
			return tw.Flush()
		},
	}
	lf.add(list)
	var format string
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show one entry",
		Args:  nArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := oneOf("format", format, "yaml", "json"); err != nil {
				return err
			}
			var it T
			if err := e.withApp(cmd, func(ctx context.Context, a *app.App) (err error) {
				it, err = get(ctx, a, args[0])
				return err
			}); err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(e, it)
			}
			enc := yaml.NewEncoder(e.stdout)
			enc.SetIndent(2)
			return enc.Encode(it)
		},
		ValidArgsFunction: func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var items []T
			if err := e.withApp(cmd, func(ctx context.Context, a *app.App) (err error) {
				items, _, err = find(ctx, a, register.Filter{})
				return err
			}); err != nil {
				return nil, cobra.ShellCompDirectiveError
			}
			var ids []string
			for _, it := range items {
				ids = append(ids, row(it)[0])
			}
			return ids, cobra.ShellCompDirectiveNoFileComp
		},
	}
	show.Flags().StringVarP(&format, "format", "f", "yaml", "yaml or json")
	parent.AddCommand(list, show)
	return parent
}

func writeJSON(e *env, v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func newActivities(e *env) *cobra.Command {
	return entityCmd(e, "activities", "List and show processing activities",
		func(ctx context.Context, a *app.App, f register.Filter) ([]*register.Activity, int, error) {
			return a.Activities(ctx, f)
		},
		func(ctx context.Context, a *app.App, id string) (*register.Activity, error) {
			return a.Activity(ctx, id)
		},
		func(a *register.Activity) []string {
			return []string{a.ID, e.t("value.status." + string(a.Status)), e.t("value.role." + string(a.Role)), a.Name}
		},
		[]string{e.t("cli.col.id"), e.t("cli.col.status"), e.t("cli.col.role"), e.t("cli.col.name")})
}

func newTOMs(e *env) *cobra.Command {
	return entityCmd(e, "toms", "List and show technical and organisational measures",
		func(ctx context.Context, a *app.App, f register.Filter) ([]*register.Measure, int, error) {
			return a.Measures(ctx, f)
		},
		func(ctx context.Context, a *app.App, id string) (*register.Measure, error) { return a.Measure(ctx, id) },
		func(m *register.Measure) []string {
			cat := "-"
			if m.Category != "" {
				cat = e.t("value.category." + string(m.Category))
			}
			reviewed := "-"
			if m.LastReviewed != nil {
				reviewed = m.LastReviewed.String()
				if e.lang == locale.DE {
					reviewed = m.LastReviewed.German()
				}
			}
			return []string{m.ID, cat, reviewed, m.Title}
		},
		[]string{e.t("cli.col.id"), e.t("cli.col.category"), e.t("cli.col.reviewed"), e.t("cli.col.title")})
}

func newDocuments(e *env) *cobra.Command {
	return entityCmd(e, "documents", "List and show the documents the measures rely on",
		func(ctx context.Context, a *app.App, f register.Filter) ([]*register.Document, int, error) {
			return a.DocumentsBy(ctx, f)
		},
		func(ctx context.Context, a *app.App, id string) (*register.Document, error) {
			return a.Document(ctx, id)
		},
		func(d *register.Document) []string { return []string{d.ID, d.Title} },
		[]string{e.t("cli.col.id"), e.t("cli.col.doctitle")})
}
