package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"gdpr/importer"
)

func newImport(e *env) *cobra.Command {
	var dryRun, verbose bool
	cmd := &cobra.Command{
		Use:   "import [--dry-run] FILE...",
		Short: "Import registers and TOM documents into the store",
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
		Example: "  gdpr import verzeichnis.txt toms.txt\n  gdpr import --dry-run register.xlsx",
		Args:    minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var results []*importer.Result
			for _, name := range args {
				data, err := readInput(e, name)
				if err != nil {
					return err
				}
				res, err := importer.Parse(name, data)
				if err != nil {
					return err
				}
				r := res.Register
				fmt.Fprintln(e.stdout, e.t("cli.import.summary", name, len(r.Activities), len(r.TOMs), len(r.Documents), res.Format))
				if len(res.Skipped) > 0 {
					fmt.Fprintf(e.stdout, "  %d %s\n", len(res.Skipped), e.t("cli.import.skipped"))
					if verbose {
						for _, s := range res.Skipped {
							fmt.Fprintln(e.stdout, "    "+s)
						}
					}
				}
				results = append(results, res)
			}
			merged, err := importer.Merge(results)
			if err != nil {
				return err
			}
			if dryRun {
				fmt.Fprintln(e.stdout, e.t("cli.import.dryrun"))
				return nil
			}
			s, err := e.open(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			sum, err := s.Apply(cmd.Context(), actor(), merged)
			if err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, e.t("cli.import.applied", sum.Created, sum.Updated, sum.Unchanged))
			return nil
		},
	}
	cmd.Flags().BoolVarP(&dryRun, "dry-run", "n", false, "parse and report, write nothing")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "list the skipped lines")
	return cmd
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
			return nil, &importer.Error{File: name, Msg: fmt.Sprintf("cannot read: %v", unwrapPath(err))}
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxRead))
	if err != nil {
		return nil, &importer.Error{File: name, Msg: fmt.Sprintf("cannot read: %v", err)}
	}
	return b, nil
}

func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
