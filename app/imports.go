package app

import (
	"context"

	"gdpr/locale"

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
	// Selective applies, of the entries the files hold, only those named
	// in Take ("activity/ID", "measure/ID", "document/ID", and
	// "controller/controller" for title and controller): the entries a
	// user left ticked in a preview. The others are left as stored.
	Selective bool
	Take      map[string]bool
}

// EntryKey names an entry of a preview, as ImportOptions.Take does.
func EntryKey(entity, id string) string { return entity + "/" + id }

// only keeps the entries of r that take names.
func only(r *register.Register, take map[string]bool) *register.Register {
	out := &register.Register{}
	if take[EntryKey("controller", "controller")] {
		out.Title, out.Controller = r.Title, r.Controller
	}
	for _, a := range r.Activities {
		if take[EntryKey("activity", a.ID)] {
			out.Activities = append(out.Activities, a)
		}
	}
	for _, m := range r.TOMs {
		if take[EntryKey("measure", m.ID)] {
			out.TOMs = append(out.TOMs, m)
		}
	}
	for _, d := range r.Documents {
		if take[EntryKey("document", d.ID)] {
			out.Documents = append(out.Documents, d)
		}
	}
	for _, x := range r.Systems {
		if take[EntryKey("system", x.ID)] {
			out.Systems = append(out.Systems, x)
		}
	}
	return out
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
	if o.Selective {
		merged = only(merged, o.Take)
	}
	ao := register.ApplyOptions{Details: o.Details, IfState: o.IfState}
	made, err := a.sealImport(ctx, merged, o.DryRun)
	if err != nil {
		a.unseal(ctx, made)
		return nil, sum, a.record(ctx, audit.RegisterImport, "register", err)
	}
	if o.DryRun {
		if sum, err = a.store.Plan(ctx, merged, ao); err != nil {
			return out, sum, err
		}
		return out, sum, a.openPlan(ctx, sum.Items)
	}
	sum, err = a.store.Apply(ctx, merged, ao)
	if err != nil {
		a.unseal(ctx, made)
		return out, sum, a.record(ctx, audit.RegisterImport, "register", err)
	}
	return out, sum, a.openPlan(ctx, sum.Items)
}

// sealImport puts the people of an imported register into the vault,
// each keeping the subject of the stored entry when unchanged (so that a
// re-import changes nothing). A dry run makes no subject.
func (a *App) sealImport(ctx context.Context, r *register.Register, dry bool) ([]string, error) {
	stored, err := a.store.Register(ctx, true)
	if err != nil {
		return nil, err
	}
	byID := map[string]*register.Activity{}
	for _, act := range stored.Activities {
		byID[act.ID] = act
	}
	made, err := a.sealPeople(ctx, controllerSlots(r.Controller), controllerSlots(stored.Controller), dry)
	if err != nil {
		return made, err
	}
	for _, act := range r.Activities {
		m, err := a.sealPeople(ctx, activitySlots(act), activitySlots(byID[act.ID]), dry)
		made = append(made, m...)
		if err != nil {
			return made, err
		}
	}
	return made, nil
}

// openPlan opens the people in an import's changes, for the preview.
func (a *App) openPlan(ctx context.Context, items []register.PlanItem) error {
	revs := make([]*register.Revision, len(items))
	for i, it := range items {
		revs[i] = &register.Revision{Entity: it.Entity, Changes: it.Changes}
	}
	return a.openRevisions(ctx, revs)
}

// Summary is the line that says what a file held, in the language l:
// "kunden.xlsx: 1 Tätigkeit, 3 Maßnahmen, 0 Dokumente gelesen (Excel-Tabelle)."
func (f FileSummary) Summary(l locale.Lang) string {
	return locale.T(l, "cli.import.summary", f.File, locale.N(l, "count.activity", f.Activities),
		locale.N(l, "count.measure", f.Measures), locale.N(l, "count.document", f.Documents), locale.T(l, "value.format."+string(f.Format)))
}
