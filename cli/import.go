package cli

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"gdpr/app"
	"gdpr/export"
	"gdpr/importer"
	"gdpr/locale"
	"gdpr/register"
	"gdpr/store"
)

// storeExists reports whether the store named by dsn exists already (a
// PostgreSQL URL always does: the server is asked).
func storeExists(dsn string) bool {
	if store.IsPostgres(dsn) {
		return true
	}
	if dsn == "" {
		dsn = store.DefaultPath
	}
	_, err := os.Stat(strings.TrimPrefix(dsn, "sqlite:"))
	return err == nil
}

func newImport(e *env) *cobra.Command {
	var dryRun, verbose, diff bool
	cmd := &cobra.Command{
		Annotations: createsStore,
		Use:         "import [--dry-run] FILE...",
		Short:       "Import registers and TOM documents into the store",
		Long: `Import reads each FILE (- for standard input), detects its format from the
content and merges everything into the store in one transaction: either all
files are imported or nothing is written.

Recognised formats: the native YAML/JSON format (gdpr export --format yaml),
CSV (comma or semicolon) and XLSX tables with the columns of the DSK Muster
or usual synonyms, a tab-separated Verzeichnis with a controller block and a
TOM excerpt, numbered Art. 32 TOM documents (1., a., i.), TOM lists by the
old BDSG controls (Zutrittskontrolle, ...), and label-block Verfahrens-
verzeichnisse ("Verfahrensname:", "Daten:", ...).

Importing the same file twice changes nothing; an edited file updates the
entries and records a revision per change. Lines that carry no register
content (titles, prose) are counted; --verbose lists them.`,
		Example: "  gdpr import verzeichnis.txt toms.txt\n  gdpr import --dry-run register.xlsx\n  gdpr import --dry-run --diff register.xlsx",
		Args:    minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var files []app.File
			for _, name := range args {
				data, err := readInput(e, name)
				if err != nil {
					return err
				}
				files = append(files, app.File{Name: name, Data: data})
			}
			report := func(fs []app.FileSummary) {
				for _, f := range fs {
					fmt.Fprintln(e.stdout, f.Summary(e.lang))
					if len(f.Skipped) > 0 {
						fmt.Fprintln(e.stdout, "  "+e.t("cli.import.skipped", locale.N(e.lang, "count.line", len(f.Skipped))))
						if verbose {
							for _, s := range f.Skipped {
								fmt.Fprintln(e.stdout, "    "+s)
							}
						}
					}
				}
			}
			if dryRun && !storeExists(e.db) {
				// Nothing to compare with: parse and report, and create no
				// store file.
				var sums []app.FileSummary
				var results []*importer.Result
				for _, f := range files {
					res, err := importer.Parse(f.Name, f.Data)
					if err != nil {
						return err
					}
					r := res.Register
					sums = append(sums, app.FileSummary{File: f.Name, Format: res.Format, Activities: len(r.Activities), Measures: len(r.TOMs), Documents: len(r.Documents), Skipped: res.Skipped})
					results = append(results, res)
				}
				if _, err := importer.Merge(results); err != nil {
					return err
				}
				report(sums)
				fmt.Fprintln(e.stdout, e.t("cli.import.dryrun"))
				return nil
			}
			return e.withApp(cmd, func(ctx context.Context, a *app.App) error {
				fs, sum, err := a.Import(ctx, files, app.ImportOptions{DryRun: dryRun, Details: diff})
				if err != nil {
					return err
				}
				report(fs)
				if diff {
					titles, err := a.MeasureTitles(ctx)
					if err != nil {
						return err
					}
					printPlan(e, sum.Items, titles)
				}
				if dryRun {
					fmt.Fprintln(e.stdout, e.t("cli.import.planned", sum.Created, sum.Updated, sum.Unchanged))
					fmt.Fprintln(e.stdout, e.t("cli.import.dryrun"))
					return nil
				}
				fmt.Fprintln(e.stdout, e.t("cli.import.applied", sum.Created, sum.Updated, sum.Unchanged))
				return nil
			})
		},
	}
	cmd.Flags().BoolVarP(&dryRun, "dry-run", "n", false, "parse and report, write nothing")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "list the skipped lines")
	cmd.Flags().BoolVar(&diff, "diff", false, "list each entry created or changed, with its changed fields")
	return cmd
}

// printPlan lists the entries an import creates or changes, with the
// field changes of the changed ones, as the web preview shows them.
func printPlan(e *env, items []register.PlanItem, titles map[string]string) {
	all := maps.Clone(titles)
	for _, it := range items {
		if it.Entity == "measure" {
			all[it.ID] = it.Name
		}
	}
	for _, it := range items {
		if it.Action == register.PlanUnchanged {
			continue
		}
		if it.Entity == "controller" {
			// The register has one controller: its id says nothing.
			fmt.Fprintf(e.stdout, "%s %s\n", e.t("ui.import.action."+it.Action), e.t("value.entity."+it.Entity))
		} else {
			fmt.Fprintf(e.stdout, "%s %s %s „%s“\n", e.t("ui.import.action."+it.Action), e.t("value.entity."+it.Entity), it.ID, it.Name)
		}
		for _, r := range export.ChangeRows(it.Entity, it.Changes, all, e.lang) {
			if !r.List {
				fmt.Fprintf(e.stdout, "    %s: %s → %s\n", r.Label, r.Old, r.New)
				continue
			}
			fmt.Fprintf(e.stdout, "    %s:\n", r.Label)
			for _, x := range r.Removed {
				fmt.Fprintf(e.stdout, "      - %s\n", x)
			}
			for _, x := range r.Added {
				fmt.Fprintf(e.stdout, "      + %s\n", x)
			}
			if r.Reordered {
				fmt.Fprintf(e.stdout, "      %s\n", e.t("ui.reordered"))
			}
		}
	}
}

// maxRead bounds what one input may be: the importer's own limit plus one,
// so that an oversized file is reported by the importer with its name.
const maxRead = 64<<20 + 1

func readInput(e *env, name string) ([]byte, error) {
	var r io.Reader
	if name == "-" {
		r = e.stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, &importer.Error{File: name, Key: "import.read", Args: []any{unwrapPath(err)}}
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxRead))
	if err != nil {
		return nil, &importer.Error{File: name, Key: "import.read", Args: []any{err}}
	}
	return b, nil
}

func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
