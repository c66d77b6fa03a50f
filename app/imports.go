package app

import (
	"context"

	"gdpr/audit"
	"gdpr/auth"
	"gdpr/importer"
	"gdpr/register"
)

// File is one uploaded or named document.
type File struct {
	Name string
	Data []byte
}

// FileSummary says what one file held.
type FileSummary struct {
	File       string          `json:"file"`
	Format     importer.Format `json:"format"`
	Activities int             `json:"activities"`
	Measures   int             `json:"measures"`
	Documents  int             `json:"documents"`
	Skipped    []string        `json:"skipped"`
}

// ImportOptions control Import.
type ImportOptions struct {
	DryRun  bool
	Details bool // list every entry, with the changed fields
	// IfState refuses the import (ECONFLICT) when the register changed
	// since the preview that showed this state.
	IfState int64
}

// Import parses files (all or nothing: the first error names file, line
// and field) and merges them into the register in one transaction, or,
// with DryRun, reports exactly what that would do without writing.
func (a *App) Import(ctx context.Context, files []File, o ImportOptions) ([]FileSummary, register.ApplySummary, error) {
	var sum register.ApplySummary
	if _, err := a.require(ctx, auth.Write, audit.RegisterImport, "register"); err != nil {
		return nil, sum, err
	}
	// Decoding a document costs memory in proportion to it (up to some
	// 300 MiB at the importer's bounds): one import at a time, with the
	// collector's tighter target, as for heavy exports.
	release, err := slot(ctx, a.imports, "import.busy")
	if err != nil {
		return nil, sum, err
	}
	defer release()
	defer tightGC()()
	var results []*importer.Result
	var out []FileSummary
	for _, f := range files {
		res, err := importer.Parse(f.Name, f.Data)
		if err != nil {
			return nil, sum, a.record(ctx, audit.RegisterImport, f.Name, err)
		}
		r := res.Register
		fs := FileSummary{File: f.Name, Format: res.Format, Activities: len(r.Activities), Measures: len(r.TOMs), Documents: len(r.Documents), Skipped: res.Skipped}
		if fs.Skipped == nil {
			fs.Skipped = []string{}
		}
		out = append(out, fs)
		results = append(results, res)
	}
	merged, err := importer.Merge(results)
	if err != nil {
		return nil, sum, a.record(ctx, audit.RegisterImport, "register", err)
	}
	ao := register.ApplyOptions{Details: o.Details, IfState: o.IfState}
	if o.DryRun {
		sum, err = a.store.Plan(ctx, merged, ao)
		return out, sum, err
	}
	sum, err = a.store.Apply(ctx, merged, ao)
	return out, sum, a.record(ctx, audit.RegisterImport, "register", err)
}
