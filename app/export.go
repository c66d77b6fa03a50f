package app

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"gdpr"
	"gdpr/audit"
	"gdpr/auth"
	"gdpr/export"
	"gdpr/locale"
)

// slotWait is how long an export or import waits for a free slot before
// it is refused (a variable for tests).
var slotWait = 30 * time.Second

// slot takes one of slots, waiting at most slotWait; the error, an
// ETHROTTLED under the catalogue key busy, says to try again later.
func slot(ctx context.Context, slots chan struct{}, busy string) (release func(), err error) {
	t := time.NewTimer(slotWait)
	defer t.Stop()
	select {
	case slots <- struct{}{}:
		return func() { <-slots }, nil
	case <-t.C:
		return nil, gdpr.Keyed(gdpr.ETHROTTLED, "", busy)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// heavy formats are laid out in memory by their libraries (PDF, XLSX):
// only ExportSlots of them run at once, so that many auditors clicking at
// once cannot exhaust the server.
func heavy(f export.Format) bool { return f == export.PDF || f == export.XLSX }

// exportGC is the garbage collector's target while heavy exports run: the
// collector runs when the heap grew by half instead of doubling. An
// export's memory is mostly live (pages, rows), its garbage short-lived,
// so collecting earlier costs little time and keeps the peak near what is
// live (10,000 activities: 168 -> 139 MiB RSS of the server).
const exportGC = 50

var gcTight struct {
	sync.Mutex
	n   int
	was int
}

// tightGC lowers the collector's target until the returned function is
// called; nested and concurrent exports and imports share one setting.
func tightGC() func() {
	gcTight.Lock()
	defer gcTight.Unlock()
	if gcTight.n == 0 {
		gcTight.was = debug.SetGCPercent(exportGC)
		if gcTight.was >= 0 && gcTight.was < exportGC {
			debug.SetGCPercent(gcTight.was) // already tighter (GOGC)
		}
	}
	gcTight.n++
	return func() {
		gcTight.Lock()
		defer gcTight.Unlock()
		if gcTight.n--; gcTight.n == 0 {
			debug.SetGCPercent(gcTight.was)
			// What the last heavy operation used is garbage now: give it
			// back to the system at once instead of as the scavenger gets
			// to it, so that the next burst (five argon2 hashes of a
			// sign-in attack after an import: 134 -> 192 MiB) does not
			// start from it. Off the caller's path.
			go debug.FreeOSMemory()
		}
	}
}

// Export writes the register in format f to w and records the export in
// the audit log (an export carries the contact persons of the register).
// The native formats carry archived entries too. Returns ETHROTTLED when
// too many heavy exports run already.
func (a *App) Export(ctx context.Context, w io.Writer, f export.Format, lang locale.Lang) error {
	if _, err := a.require(ctx, auth.Read, audit.RegisterExport, string(f)); err != nil {
		return err
	}
	if heavy(f) {
		release, err := slot(ctx, a.exports, "export.busy")
		if err != nil {
			return err
		}
		defer release()
		defer tightGC()()
	}
	reg, err := a.store.Register(ctx, f == export.YAML || f == export.JSON)
	if err != nil {
		return err
	}
	// A document for the authority without its contact persons would
	// be wrong without saying so: without the keys it is not made.
	if a.lockedPeople(registerSlots(reg)) {
		return a.record(ctx, audit.RegisterExport, string(f), gdpr.Keyed(gdpr.EINVALID, "vault-keys", "people.nokeys.export"))
	}
	if err := a.openRegister(ctx, reg); err != nil {
		return err
	}
	if err := export.Write(w, f, reg, export.Options{Lang: lang, Now: a.now(), Checkpoint: a.checkpoint(ctx, f)}); err != nil {
		return a.record(ctx, audit.RegisterExport, string(f), fmt.Errorf("export %s: %w", f, err))
	}
	a.audit(ctx, audit.Entry{Action: audit.RegisterExport, Target: string(f), Outcome: audit.OK})
	return nil
}

// Report writes the audit report (Prüfbericht): every finding of the
// register's lint, dated, with rule, legal reference and the entry's
// status, as PDF or Markdown. Recorded like an export (target
// "report.<format>").
func (a *App) Report(ctx context.Context, w io.Writer, f export.Format, lang locale.Lang) error {
	target := "report." + string(f)
	if _, err := a.require(ctx, auth.Read, audit.RegisterExport, target); err != nil {
		return err
	}
	if !slices.Contains(export.ReportFormats, f) {
		return a.record(ctx, audit.RegisterExport, target, gdpr.Keyed(gdpr.EINVALID, "format", "report.format", string(f)))
	}
	if heavy(f) {
		release, err := slot(ctx, a.exports, "export.busy")
		if err != nil {
			return err
		}
		defer release()
	}
	reg, err := a.store.Register(ctx, false)
	if err != nil {
		return err
	}
	l, err := a.Lint(ctx)
	if err != nil {
		return err
	}
	o := export.Options{Lang: lang, Now: a.now(), Checkpoint: a.checkpoint(ctx, f)}
	if err := export.WriteReport(w, f, export.BuildReport(reg, l.Findings, o), o); err != nil {
		return a.record(ctx, audit.RegisterExport, target, fmt.Errorf("report %s: %w", f, err))
	}
	a.audit(ctx, audit.Entry{Action: audit.RegisterExport, Target: target, Outcome: audit.OK})
	return nil
}

// checkpoint is the log's newest signed checkpoint for a PDF, which
// prints it; "" for other formats or while the log is unsigned.
func (a *App) checkpoint(ctx context.Context, f export.Format) string {
	ls, ok := a.store.(LogStore)
	if f != export.PDF || !ok {
		return ""
	}
	h, err := ls.LogHead(ctx)
	if err != nil {
		a.log.Warn("log head for the export", "err", err)
		return ""
	}
	return h.Checkpoint
}
