package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"gdpr"
	"gdpr/audit"
	"gdpr/auth"
	"gdpr/connector"
	"gdpr/register"
	"gdpr/retention"
	"gdpr/run"
	"gdpr/sweep"
)

// SweepStore is what a sweep needs of the store beyond the register: its
// batches while they run.
type SweepStore interface {
	BeginSweepBatch(ctx context.Context, b sweep.Batch) error
	FinishSweepBatch(ctx context.Context, id string, e audit.Entry) error
	DropSweepBatch(ctx context.Context, id string) error
	PendingSweepBatches(ctx context.Context, system, table string, before time.Time) ([]sweep.Batch, error)
}

// SweepOptions steer a sweep.
type SweepOptions struct {
	System string // "" for every system
	DryRun bool   // count and show, change nothing
	Batch  int    // rows a batch (default 1000, at most connector.MaxBatch)
	// Progress hears each table after each of its batches (a progress
	// bar); nil hears nothing.
	Progress func(SweepTable)
}

// SweepTable is what a sweep did, or would do, to one table.
type SweepTable struct {
	System string `json:"system"`
	Table  string `json:"table"`
	Rule   string `json:"rule,omitempty"` // the retention statement as written
	Action string `json:"action"`
	Due    int64  `json:"due"`
	Done   int64  `json:"done"`
	// Recovered counts the rows of batches a run that died had begun.
	Recovered int64 `json:"recovered,omitempty"`
	// Sample is, in a dry run, up to three keys of due rows, masked.
	Sample []string `json:"sample,omitempty"`
	// Held counts the due rows that legal holds keep.
	Held int64 `json:"held,omitempty"`
	// Suppressed counts the rows restricted because their person is on
	// the suppression list (an objection, a restriction).
	Suppressed int64  `json:"suppressed,omitempty"`
	Batches    int    `json:"batches"`
	Oldest     string `json:"oldest,omitempty"`
	// LeftBackups is the day the rows changed today have left the
	// system's last backup ("" without declared backups).
	LeftBackups string `json:"left_backups,omitempty"`
	// Skipped is the catalogue key of why the table was not swept.
	Skipped string `json:"skipped,omitempty"`
	SkipArg string `json:"skip_arg,omitempty"`
}

// SweepResult is a sweep's tables.
type SweepResult struct {
	Day    string       `json:"day"`
	DryRun bool         `json:"dry_run"`
	Tables []SweepTable `json:"tables"`
	// ExpiredSignups counts the double-opt-in sign-ups the sweep ended
	// unconfirmed (their people erased).
	ExpiredSignups int `json:"expired_signups,omitempty"`
	// EvidenceEnded counts the people whose consent evidence ran out by
	// its purpose's keep rule (their keys shredded).
	EvidenceEnded int `json:"evidence_ended,omitempty"`
}

// stalePending: a pending batch older than this is one of a run that
// died; a live run finishes a batch in well under it.
const stalePending = 10 * time.Minute

// anonymised is what an anonymising sweep writes into a text column that
// may not be NULL.
const anonymised = register.Erased

// Sweep deletes, anonymises or flags the rows of every mapped table whose
// retention has ended (register rule, event columns, Art. 18 column), in
// batches: each batch's keys are recorded before its rows change, and its
// protocol entry (sweep.batch: rule, system, table, action, rows, a hash
// of the keys, the day the rows leave the last backup) is written when
// they have, in one transaction with removing the keys. A run that died
// leaves its batch pending; the next run finds which of its rows are gone,
// finishes it and writes its entry. Runs are idempotent: a row is changed
// and protocolled once.
func (a *App) Sweep(ctx context.Context, o SweepOptions) (*SweepResult, error) {
	ss, systems, err := a.sweepStart(ctx, o)
	if err != nil {
		return nil, err
	}
	var tr *tracker
	if !o.DryRun {
		if tr, err = a.beginRun(ctx, run.Sweep, o.System, tableCount(systems)); err != nil {
			return nil, err
		}
	}
	res, err := a.sweep(ctx, ss, systems, o, tr)
	if err == nil && !o.DryRun && o.System == "" {
		// Sign-ups never confirmed go with the sweep: their rule is
		// the link's life.
		if res.ExpiredSignups, err = a.ExpireSignups(ctx); err != nil {
			a.log.Warn("expiring unconfirmed sign-ups", "err", gdpr.ErrorCode(err))
			err = nil
		}
		if res.EvidenceEnded, err = a.EndEvidence(ctx); err != nil {
			a.log.Warn("ending consent evidence", "err", gdpr.ErrorCode(err))
			err = nil
		}
	}
	tr.finish(ctx, sweepProgress(res, nil), res, err)
	return res, err
}

// StartSweep starts a sweep in the background and returns its run at
// once: the page that asked for it shows its progress. A sweep already
// running is a conflict. (Two callers that check at the same moment both
// start one; that costs nothing but time, as the batches are claimed.)
func (a *App) StartSweep(ctx context.Context, o SweepOptions) (run.Run, error) {
	o.DryRun = false
	ss, systems, err := a.sweepStart(ctx, o)
	if err != nil {
		return run.Run{}, err
	}
	if rs, ok := a.store.(RunStore); ok {
		runs, err := rs.FindRuns(ctx, run.Filter{Kind: run.Sweep, Limit: 10})
		if err != nil {
			return run.Run{}, err
		}
		for _, r := range runs {
			if r.Effective(a.now()) == run.Running {
				return run.Run{}, gdpr.Keyed(gdpr.ECONFLICT, "", "sweep.running", r.Actor)
			}
		}
	}
	tr, err := a.beginRun(ctx, run.Sweep, o.System, tableCount(systems))
	if err != nil {
		return run.Run{}, err
	}
	// The request ends now; the sweep keeps its caller (the principal of
	// the audit entries) but not its deadline.
	bg := context.WithoutCancel(ctx)
	a.background.Add(1)
	go func() {
		defer a.background.Done()
		res, err := a.sweep(bg, ss, systems, o, tr)
		tr.finish(bg, sweepProgress(res, nil), res, err)
	}()
	return tr.r, nil
}

// sweepStart checks the caller and reads the systems to sweep.
func (a *App) sweepStart(ctx context.Context, o SweepOptions) (SweepStore, []*register.System, error) {
	perm := auth.Manage
	if o.DryRun {
		perm = auth.Write
	}
	if _, err := a.require(ctx, perm, audit.SweepBatch, "sweep"); err != nil {
		return nil, nil, err
	}
	ss, ok := a.store.(SweepStore)
	if !ok && !o.DryRun {
		return nil, nil, gdpr.Keyed(gdpr.EINTERNAL, "", "sweep.nostore")
	}
	if o.System != "" {
		x, err := a.store.FindSystemByID(ctx, o.System)
		if err != nil {
			return nil, nil, err
		}
		return ss, []*register.System{x}, nil
	}
	systems, _, err := a.store.FindSystems(ctx, register.Filter{})
	return ss, systems, err
}

func tableCount(systems []*register.System) int {
	n := 0
	for _, x := range systems {
		n += len(x.Tables)
	}
	return n
}

// sweep works the systems, reporting to tr (nil: no run recorded).
func (a *App) sweep(ctx context.Context, ss SweepStore, systems []*register.System, o SweepOptions, tr *tracker) (*SweepResult, error) {
	if o.Batch <= 0 {
		o.Batch = 1000
	}
	o.Batch = min(o.Batch, connector.MaxBatch)
	acts, err := a.activitiesByID(ctx)
	if err != nil {
		return nil, err
	}
	now := a.now()
	today := now.In(retention.Berlin)
	res := &SweepResult{Day: register.DateOf(today).String(), DryRun: o.DryRun}
	if tr != nil {
		inner := o.Progress
		o.Progress = func(st SweepTable) {
			tr.progress(ctx, sweepProgress(res, &st))
			if inner != nil {
				inner(st)
			}
		}
	}
	for _, x := range systems {
		if x.Status == register.StatusDraft && !o.DryRun {
			// A scan's proposal is not swept before the DPO has reviewed
			// it (the status goes when the mapping is approved).
			for _, t := range x.Tables {
				res.Tables = append(res.Tables, SweepTable{System: x.ID, Table: t.Name, Skipped: "sweep.draft"})
			}
			continue
		}
		// A system that cannot be reached is skipped, the others are
		// swept: one database down stops no other's deletions.
		unreachable := func(why string) {
			res.Tables = append(res.Tables, SweepTable{System: x.ID, Skipped: "sweep.unreachable", SkipArg: why})
		}
		dsn, err := dsnOf(x)
		if err != nil {
			unreachable(x.DSNEnv + x.DSNFile)
			continue
		}
		c, err := a.connect(x.Engine, dsn)
		if err != nil {
			unreachable(err.Error())
			continue
		}
		err = a.sweepSystem(ctx, ss, c, x, acts, now, o, res)
		c.Close()
		if gdpr.ErrorCode(err) == gdpr.EUNAVAILABLE && o.System == "" {
			unreachable(gdpr.Localized(err, "en"))
			continue
		}
		if err != nil {
			return res, err
		}
		tr.progress(ctx, sweepProgress(res, nil))
	}
	return res, nil
}

func (a *App) sweepSystem(ctx context.Context, ss SweepStore, c connector.Conn, x *register.System, acts map[string]*register.Activity,
	now time.Time, o SweepOptions, res *SweepResult) error {
	s, err := c.Schema(ctx)
	if err != nil {
		return gdpr.Keyed(gdpr.EUNAVAILABLE, "", "system.connect", x.ID, err)
	}
	left := ""
	if day, ok := x.LeftBackups(now.In(retention.Berlin)); ok {
		left = register.DateOf(day).String()
	}
	for i := range x.Tables {
		t := &x.Tables[i]
		st := SweepTable{System: x.ID, Table: t.Name, Action: string(t.Sweep()), LeftBackups: left}
		skip := func(key, arg string) { st.Skipped, st.SkipArg = key, arg; res.Tables = append(res.Tables, st) }
		ct, ok := s.Table(t.Name)
		if !ok {
			skip("sweep.table.missing", t.Name)
			continue
		}
		act := acts[t.Activity]
		if act == nil {
			skip("sweep.noactivity", t.Activity)
			continue
		}
		// The suppression list first: rows of people who objected or had
		// the processing restricted are marked before anything is due.
		if x.Status != register.StatusDraft {
			n, err := a.restrictSuppressed(ctx, c, x, t, ct, act, now, o.DryRun)
			if err != nil {
				return err
			}
			st.Suppressed = n
		}
		rule, key, _ := t.TableRule(act)
		if key != "" {
			skip("sweep.norule", act.ID)
			continue
		}
		st.Rule = t.Statement(act)
		cut, err := retention.DueBefore(rule, now)
		if err != nil {
			skip("sweep.norule", act.ID)
			continue
		}
		cond, key, arg := dueCond(t, cut, ct, s)
		if key != "" {
			skip(key, arg)
			continue
		}
		if len(ct.PrimaryKey) == 0 {
			// Batches name their rows by a key that is unique.
			skip("sweep.nokey", t.Name)
			continue
		}
		cond, set, key, arg := actionOf(t, ct, cond, now)
		if key != "" {
			skip(key, arg)
			continue
		}
		// Rows under a legal hold stay; a hold that cannot be read keeps
		// the whole table.
		keep, key, arg := a.holdCond(ctx, x, t, ct, now.In(retention.Berlin))
		if key != "" {
			skip(key, arg)
			continue
		}
		unheld := cond
		cond = connector.And(cond, keep)
		ruleName := act.ID
		if t.Retention != "" {
			ruleName += "/" + t.Retention
		}
		if !o.DryRun {
			// Pending batches: older than stalePending, a dead run's, to
			// finish; younger, a run under way (or one that died lately),
			// whose rows are that batch's: another batch taking them would
			// protocol them twice.
			pending, err := ss.PendingSweepBatches(ctx, x.ID, t.Name, now.Add(time.Hour))
			if err != nil {
				return err
			}
			var stale []sweep.Batch
			var claimed [][]any
			for _, b := range pending {
				if b.Created.Before(now.Add(-stalePending)) {
					stale = append(stale, b)
				} else {
					claimed = append(claimed, b.Keys...)
				}
			}
			n, err := a.recoverBatches(ctx, ss, c, x, t, ct, cond, set, stale, left)
			if err != nil {
				return err
			}
			st.Recovered, st.Done = n, n
			if len(claimed) > 0 {
				cond = connector.And(cond, connector.Not(&connector.Cond{Op: connector.OpKeyIn, Cols: ct.PrimaryKey, Keys: claimed}))
			}
		}
		if st.Due, err = c.Count(ctx, t.Name, cond); err != nil {
			return gdpr.Keyed(gdpr.EUNAVAILABLE, "", "system.connect", x.ID, err)
		}
		if keep != nil {
			// The rows the holds keep: due without them, less those due.
			if all, err := c.Count(ctx, t.Name, unheld); err == nil {
				st.Held = all - st.Due
			}
		}
		if !o.DryRun {
			a.sweeps.Examined(x.ID, t.Name, st.Due, st.Held)
		}
		if ev := RuleEventsMapped(t, rule); len(ev) > 0 && st.Due > 0 {
			if v, err := c.Min(ctx, t.Name, ev[0], cond); err == nil && v != nil {
				st.Oldest = connector.Text(v)
			}
		}
		if o.DryRun && st.Due > 0 {
			if ks, err := c.Select(ctx, t.Name, ct.PrimaryKey, cond, nil, 3); err == nil {
				for _, k := range ks {
					st.Sample = append(st.Sample, maskKey(k))
				}
			}
		}
		if o.DryRun || st.Due == 0 {
			res.Tables = append(res.Tables, st)
			continue
		}
		var after []any
		for {
			rows, err := c.Select(ctx, t.Name, ct.PrimaryKey, cond, after, o.Batch)
			if err != nil {
				return gdpr.Keyed(gdpr.EUNAVAILABLE, "", "system.connect", x.ID, err)
			}
			if len(rows) == 0 {
				break
			}
			after = rows[len(rows)-1]
			started := time.Now()
			b := sweep.Batch{ID: newBatchID(), System: x.ID, Table: t.Name, Action: st.Action, Rule: ruleName, Keys: rows, Planned: len(rows), Created: now}
			if err := ss.BeginSweepBatch(ctx, b); err != nil {
				return err
			}
			var n int64
			if set == nil {
				n, err = c.Delete(ctx, t.Name, ct.PrimaryKey, rows, cond)
			} else {
				n, err = c.Update(ctx, t.Name, ct.PrimaryKey, rows, cond, set)
			}
			if err != nil {
				// The batch stays pending: the next run finds what of it
				// was done.
				return gdpr.Keyed(gdpr.EUNAVAILABLE, "", "system.connect", x.ID, err)
			}
			if n == 0 {
				// Another run changed these rows first (and protocolled
				// them): this batch did nothing.
				if err := ss.DropSweepBatch(ctx, b.ID); err != nil {
					return err
				}
				continue
			}
			if err := ss.FinishSweepBatch(ctx, b.ID, sweep.Entry(b, n, left)); err != nil {
				return err
			}
			st.Done += n
			st.Batches++
			if o.Progress != nil {
				o.Progress(st)
			}
			// Wall time of the batch, for the metrics (not the App's
			// clock, which tests fix).
			a.sweeps.Batch(x.ID, t.Name, st.Action, n, time.Since(started))
		}
		res.Tables = append(res.Tables, st)
	}
	return nil
}

// recoverBatches finishes the batches a run that died left pending: the
// rows of its keys that are gone were changed by it (a delete; for an
// update, those that no longer meet the condition), the rest is done now.
func (a *App) recoverBatches(ctx context.Context, ss SweepStore, c connector.Conn, x *register.System, t *register.Table, ct *connector.Table,
	cond *connector.Cond, set map[string]any, pending []sweep.Batch, left string) (int64, error) {
	var total int64
	var err error
	for _, b := range pending {
		var still int64
		if set == nil {
			still, err = c.CountKeys(ctx, t.Name, ct.PrimaryKey, b.Keys)
		} else {
			still, err = countDue(ctx, c, t.Name, ct.PrimaryKey, b.Keys, cond)
		}
		if err != nil {
			return total, gdpr.Keyed(gdpr.EUNAVAILABLE, "", "system.connect", x.ID, err)
		}
		done := int64(len(b.Keys)) - still
		var n int64
		if set == nil {
			n, err = c.Delete(ctx, t.Name, ct.PrimaryKey, b.Keys, cond)
		} else {
			n, err = c.Update(ctx, t.Name, ct.PrimaryKey, b.Keys, cond, set)
		}
		if err != nil {
			return total, gdpr.Keyed(gdpr.EUNAVAILABLE, "", "system.connect", x.ID, err)
		}
		if done+n == 0 {
			err = ss.DropSweepBatch(ctx, b.ID)
		} else {
			err = ss.FinishSweepBatch(ctx, b.ID, sweep.Entry(b, done+n, left))
		}
		if gdpr.ErrorCode(err) == gdpr.ENOTFOUND {
			continue // another run finished it
		}
		if err != nil {
			return total, err
		}
		total += done + n
	}
	return total, nil
}

// countDue counts the rows of keys that still meet cond.
func countDue(ctx context.Context, c connector.Conn, table string, key []string, keys [][]any, cond *connector.Cond) (int64, error) {
	rows, err := c.Select(ctx, table, key, cond, nil, len(keys)+1)
	if err != nil {
		return 0, err
	}
	want := map[string]bool{}
	for _, k := range keys {
		want[fmt.Sprint(k)] = true
	}
	var n int64
	for _, r := range rows {
		if want[fmt.Sprint(r[:len(key)])] {
			n++
		}
	}
	return n, nil
}

// actionOf is what a table's action writes (nil: delete) and the
// condition that keeps a run from changing a row twice: a flagged row has
// its flag, an anonymised row its columns overwritten.
func actionOf(t *register.Table, ct *connector.Table, cond *connector.Cond, now time.Time) (*connector.Cond, map[string]any, string, string) {
	switch t.Sweep() {
	case register.SweepFlag:
		if !hasColumn(ct, t.Flag) {
			return nil, nil, "sweep.column.missing", t.Flag
		}
		return connector.And(cond, &connector.Cond{Op: connector.OpNull, Col: t.Flag}), map[string]any{t.Flag: now.UTC()}, "", ""
	case register.SweepAnonymise:
		cols := t.Anonymise
		if len(cols) == 0 {
			cols = slices.Sorted(maps.Keys(t.Columns))
		}
		set := map[string]any{}
		var notYet []*connector.Cond
		for _, name := range cols {
			col, ok := ct.Column(name)
			switch {
			case !ok:
				return nil, nil, "sweep.column.missing", name
			case col.Nullable:
				set[name] = nil
				notYet = append(notYet, &connector.Cond{Op: connector.OpNotNull, Col: name})
			case col.Kind == connector.KindText:
				set[name] = anonymised
				notYet = append(notYet, connector.Not(&connector.Cond{Op: connector.OpEq, Col: name, Val: anonymised}))
			default:
				// A NOT NULL number or date has no neutral value.
				return nil, nil, "sweep.anonymise.notnull", name
			}
		}
		return connector.And(cond, connector.Or(notYet...)), set, "", ""
	}
	return cond, nil, "", ""
}

// maskKey shows a row's key so that a reader can tell rows apart without
// learning it: first and last character, the rest as dots ("4•••2",
// "k•••••••e").
func maskKey(k []any) string {
	parts := make([]string, len(k))
	for i, v := range k {
		r := []rune(connector.Text(v))
		switch {
		case len(r) <= 2:
			parts[i] = strings.Repeat("•", len(r))
		default:
			parts[i] = string(r[0]) + strings.Repeat("•", min(len(r)-2, 8)) + string(r[len(r)-1])
		}
	}
	return strings.Join(parts, "/")
}

func newBatchID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return "sb-" + hex.EncodeToString(b)
}
