package cli

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"gdpr"
	"gdpr/app"
	"gdpr/export"
)

func newExport(e *env) *cobra.Command {
	var format, out string
	var report bool
	cmd := &cobra.Command{
		Use:   "export [--format pdf|html|md|csv|xlsx|json|yaml] [--lang de|en] [-o FILE]",
		Short: "Export the register (Art. 30(4): for the supervisory authority)",
		Long: `Export prints the Verzeichnis von Verarbeitungstätigkeiten laid out like the
DSK Muster (cover sheet with the controller and DPO, one section per
activity) followed by the TOM document grouped by Art. 32 category.

pdf, html, md, csv and xlsx show the entries in force (not archived); yaml
and json are the native format with every entry and import again unchanged.
Without --format the format follows the extension of -o, else yaml.

--report writes the audit report (Prüfbericht) instead, as pdf or md:
every finding of the check, dated, with rule, legal reference and the
entry's status. The register itself carries none of them.`,
		Example: "  gdpr export --format pdf -o verzeichnis.pdf\n  gdpr export --report -o pruefbericht.pdf\n  gdpr export --format md --lang en\n  gdpr export > register.yaml",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format == "" {
				format = strings.TrimPrefix(filepath.Ext(out), ".")
				if format == "" {
					format = "yaml"
				}
			}
			f, err := export.ParseFormat(format)
			write := func(ctx context.Context, a *app.App, w io.Writer) error { return a.Export(ctx, w, f, e.lang) }
			if report {
				write = func(ctx context.Context, a *app.App, w io.Writer) error { return a.Report(ctx, w, f, e.lang) }
			}
			if err != nil {
				return gdpr.Keyed(gdpr.EINVALID, "format", "cli.wrap", "--format", err)
			}
			if out == "" && (f == export.PDF || f == export.XLSX) && isTerminal(e.stdout) {
				return gdpr.Keyed(gdpr.EINVALID, "output", "cli.export.binary", f)
			}
			if out == "" || out == "-" {
				// Standard output gets the document only when it is
				// complete: a failed export writes nothing.
				var buf bytes.Buffer
				if err := e.withApp(cmd, func(ctx context.Context, a *app.App) error { return write(ctx, a, &buf) }); err != nil {
					return err
				}
				_, err = e.stdout.Write(buf.Bytes())
				return err
			}
			// Write beside the target and rename, so that a failed export never
			// leaves half a document under the expected name.
			tmp, err := os.CreateTemp(filepath.Dir(out), ".gdpr-export-*")
			if err != nil {
				return fmt.Errorf("export to %s: %w", out, err)
			}
			defer os.Remove(tmp.Name())
			bw := bufio.NewWriterSize(tmp, 256<<10)
			if err := e.withApp(cmd, func(ctx context.Context, a *app.App) error { return write(ctx, a, bw) }); err != nil {
				tmp.Close()
				return err
			}
			if err := bw.Flush(); err != nil {
				tmp.Close()
				return fmt.Errorf("export to %s: %w", out, err)
			}
			if err := tmp.Close(); err != nil {
				return fmt.Errorf("export to %s: %w", out, err)
			}
			if err := os.Chmod(tmp.Name(), 0o640); err != nil {
				return err
			}
			return os.Rename(tmp.Name(), out)
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "", "pdf, html, md, csv, xlsx, json or yaml")
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to FILE instead of standard output")
	cmd.Flags().BoolVar(&report, "report", false, "write the audit report (Prüfbericht) of the check instead of the register: pdf or md")
	cmd.RegisterFlagCompletionFunc("format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		var s []string
		for _, f := range export.Formats {
			s = append(s, string(f))
		}
		return s, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
