package app

import (
	"context"
	"regexp"
	"slices"
	"time"

	"gdpr"
	"gdpr/audit"
	"gdpr/auth"
	"gdpr/connector"
	"gdpr/register"
	"gdpr/request"
	"gdpr/retention"
	"gdpr/sweep"
)

// ReceiptStore keeps an erasure's receipts.
type ReceiptStore interface {
	AddReceipt(ctx context.Context, id string, rc request.Receipt) error
	// BeginReceipt records the change about to be made (with the rows'
	// keys), FinishReceipt its end; a run that died leaves it pending.
	BeginReceipt(ctx context.Context, id string, rc request.Receipt) error
	FinishReceipt(ctx context.Context, id string, rc request.Receipt) error
	DropReceipt(ctx context.Context, id, system, table string) error
	Receipts(ctx context.Context, id string) ([]request.Receipt, error)
}

// legalDuty tells a retention statement that rests on a duty of law
// (§ 147 AO, § 257 HGB, "gesetzliche Aufbewahrungspflicht") from one the
// controller chose: a duty keeps data an erasure would take (Art.
// 17(3)(b) GDPR), a choice does not.
var legalDuty = regexp.MustCompile(`(?i)gesetzlich|aufbewahrungspflicht|§|\b(AO|HGB|UStG|GoBD|BGB|SGB)\b|statutory|legal (duty|obligation)`)

// EraseResult is what an erasure did.
type EraseResult struct {
	Receipts []request.Receipt `json:"receipts"`
	// Resumed counts the tables an earlier run had done.
	Resumed int `json:"resumed"`
	// Unreachable are systems not done: a later run does them.
	Unreachable []string `json:"unreachable,omitempty"`
}

// EraseRequest erases the person of an erasure request (Art. 17) in every
// mapped system, table by table as the data map says (delete, anonymise,
// flag); rows that a legal duty of retention or a legal hold keeps are
// restricted instead (the table's Art. 18 column; kept when it has none),
// with the ground and the day they will go. Each table gets a receipt in
// the audit trail; a run that died resumes with the tables not yet done;
// the vault's other records of the person are shredded (the requester's
// record stays with the request, its proof).
func (a *App) EraseRequest(ctx context.Context, id string) (*EraseResult, error) {
	ex, err := a.execute(ctx, id, []request.Kind{request.Erasure}, nil, func(ex *execution, c connector.Conn, s *connector.Schema, x *register.System, ft FoundTable, begin func(request.Receipt) error) (request.Receipt, error) {
		return a.eraseTable(ex.ctx, c, s, x, ft, ex.acts, ex.now, begin)
	})
	if err != nil {
		return ex.result(), err
	}
	// The vault's other records of the person.
	if !ex.had("vault", "subjects") {
		var n int64
		for _, s := range ex.d.Vault {
			if s.ID == ex.r.Requester || s.Shredded {
				continue
			}
			if err := a.ShredSubject(ctx, s.ID); err != nil {
				return ex.res, err
			}
			n++
		}
		action := request.ReceiptShredded
		if n == 0 {
			action = request.ReceiptNotFound
		}
		if err := ex.add(request.Receipt{System: "vault", Table: "subjects", Action: action, Rows: n, At: ex.now}); err != nil {
			return ex.res, err
		}
	}
	return ex.res, nil
}

// execution is a request's run over the person's data: the request, what
// was found, the receipts of an earlier run, and what this one did.
type execution struct {
	ctx  context.Context
	id   string
	r    *request.Request
	d    *SubjectData
	rcs  ReceiptStore
	done []request.Receipt
	res  *EraseResult
	acts map[string]*register.Activity
	now  time.Time
}

func (ex *execution) result() *EraseResult {
	if ex == nil {
		return nil
	}
	return ex.res
}

// had tells a table an earlier run did.
func (ex *execution) had(system, table string) bool {
	return slices.ContainsFunc(ex.done, func(rc request.Receipt) bool { return rc.System == system && rc.Table == table })
}

// add records a receipt of a table that changed nothing.
func (ex *execution) add(rc request.Receipt) error {
	if err := ex.rcs.AddReceipt(ex.ctx, ex.id, rc); err != nil {
		return err
	}
	ex.res.Receipts = append(ex.res.Receipts, rc)
	return nil
}

// tableStep changes the person's rows of one table and says what it did
// in a receipt; begin hears the planned change before the first row
// changes (a pending receipt with the rows' keys).
type tableStep func(ex *execution, c connector.Conn, s *connector.Schema, x *register.System, ft FoundTable, begin func(request.Receipt) error) (request.Receipt, error)

// execute runs a request of one of kinds against the person's data: the
// person found in every mapped system, then step on each table found that
// only picks (nil: all), system by system (rows that point to others
// first), a receipt each; the tables searched that hold nothing of the
// person get a receipt "not found". A run that died resumes: its pending
// change is finished or dropped, the tables done are not done again.
// Needs access to people and the right to write.
func (a *App) execute(ctx context.Context, id string, kinds []request.Kind, only func(FoundTable) bool, step tableStep) (*execution, error) {
	if _, err := a.require(ctx, auth.Subjects, audit.RequestErase, id); err != nil {
		return nil, err
	}
	if _, err := a.require(ctx, auth.Write, audit.RequestErase, id); err != nil {
		return nil, err
	}
	rcs, ok := a.store.(ReceiptStore)
	if !ok {
		return nil, gdpr.Keyed(gdpr.EINTERNAL, "", "request.nostore")
	}
	r, err := a.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(kinds, r.Kind) {
		return nil, a.record(ctx, audit.RequestErase, id, gdpr.Keyed(gdpr.EINVALID, "kind", "request.execute.kind", gdpr.Keyed("", "", "value.request.kind."+string(r.Kind))))
	}
	if r.Identity != request.IdentityConfirmed && r.Identity != request.IdentityVerified {
		return nil, a.record(ctx, audit.RequestErase, id, gdpr.Keyed(gdpr.EINVALID, "identity", "request.identity.unknown"))
	}
	if r.State.Closed() {
		return nil, a.record(ctx, audit.RequestErase, id, gdpr.Keyed(gdpr.ECONFLICT, "state", "request.closed", gdpr.Keyed("", "", "value.request.state."+string(r.State))))
	}
	if err := a.resumeReceipts(ctx, rcs, id); err != nil {
		return nil, err
	}
	done, err := rcs.Receipts(ctx, id)
	if err != nil {
		return nil, err
	}
	d, err := a.FindRequestData(ctx, id)
	if err != nil {
		return nil, err
	}
	acts, err := a.activitiesByID(ctx)
	if err != nil {
		return nil, err
	}
	ex := &execution{ctx: ctx, id: id, r: r, d: d, rcs: rcs, done: done, acts: acts, now: a.now(),
		res: &EraseResult{Unreachable: d.Unreachable, Resumed: len(done)}}
	systems, _, err := a.store.FindSystems(ctx, register.Filter{})
	if err != nil {
		return ex, err
	}
	found := map[[2]string]bool{}
	for _, x := range systems {
		var mine []FoundTable
		for _, ft := range d.Tables {
			if ft.System == x.ID {
				found[[2]string{x.ID, ft.Table}] = true
				if only == nil || only(ft) {
					mine = append(mine, ft)
				}
			}
		}
		if len(mine) == 0 {
			continue
		}
		dsn, err := dsnOf(x)
		if err != nil {
			ex.res.Unreachable = append(ex.res.Unreachable, x.Name)
			continue
		}
		c, err := a.connect(x.Engine, dsn)
		if err != nil {
			ex.res.Unreachable = append(ex.res.Unreachable, x.Name)
			continue
		}
		s, err := c.Schema(ctx)
		if err != nil {
			c.Close()
			ex.res.Unreachable = append(ex.res.Unreachable, x.Name)
			continue
		}
		// Rows that point to others go first (an order before its
		// customer), so that a foreign key never stops a deletion.
		names := make([]string, len(mine))
		for i, ft := range mine {
			names[i] = ft.Table
		}
		slices.SortStableFunc(mine, func(p, q FoundTable) int { return pointsTo(s, names, q.Table) - pointsTo(s, names, p.Table) })
		for _, ft := range mine {
			if ex.had(x.ID, ft.Table) {
				continue
			}
			begun := false
			rc, err := step(ex, c, s, x, ft, func(p request.Receipt) error {
				begun = true
				return rcs.BeginReceipt(ctx, id, p)
			})
			if err != nil {
				c.Close()
				return ex, err
			}
			finish := rcs.AddReceipt
			if begun {
				finish = rcs.FinishReceipt
			}
			if err := finish(ctx, id, rc); err != nil {
				c.Close()
				return ex, err
			}
			ex.res.Receipts = append(ex.res.Receipts, rc)
		}
		c.Close()
	}
	// The tables searched that hold nothing of the person.
	for _, st := range d.Searched {
		if found[st] || ex.had(st[0], st[1]) {
			continue
		}
		if err := ex.add(request.Receipt{System: st[0], Table: st[1], Action: request.ReceiptNotFound, At: ex.now}); err != nil {
			return ex, err
		}
	}
	return ex, nil
}

// resumeReceipts finishes the changes a run that died had begun: a
// pending receipt whose rows are gone (a deletion) or changed was done, and
// is finished as planned; one whose rows are all still as they were did
// not happen, and is dropped (the table is done again).
func (a *App) resumeReceipts(ctx context.Context, rcs ReceiptStore, id string) error {
	all, err := rcs.Receipts(ctx, id)
	if err != nil {
		return err
	}
	for _, rc := range all {
		if !rc.Pending {
			continue
		}
		x, err := a.store.FindSystemByID(ctx, rc.System)
		if err != nil {
			return err
		}
		dsn, err := dsnOf(x)
		if err != nil {
			return gdpr.Keyed(gdpr.EUNAVAILABLE, "", "system.connect", x.ID, err)
		}
		c, err := a.connect(x.Engine, dsn)
		if err != nil {
			return gdpr.Keyed(gdpr.EUNAVAILABLE, "", "system.connect", x.ID, err)
		}
		s, err := c.Schema(ctx)
		if err != nil {
			c.Close()
			return gdpr.Keyed(gdpr.EUNAVAILABLE, "", "system.connect", x.ID, err)
		}
		ct, ok := s.Table(rc.Table)
		if !ok {
			c.Close()
			return rcs.DropReceipt(ctx, id, rc.System, rc.Table)
		}
		left, err := c.CountKeys(ctx, rc.Table, ct.PrimaryKey, rc.RowKeys)
		c.Close()
		if err != nil {
			return gdpr.Keyed(gdpr.EUNAVAILABLE, "", "system.connect", x.ID, err)
		}
		// A deletion is done when its rows are gone; the other actions
		// (one transaction each) cannot be told from their rows alone, and
		// are done again: setting a flag or a restriction twice is the
		// same as once.
		if rc.Action == request.ReceiptErased && left == 0 {
			if err := rcs.FinishReceipt(ctx, id, rc); err != nil {
				return err
			}
			continue
		}
		if err := rcs.DropReceipt(ctx, id, rc.System, rc.Table); err != nil {
			return err
		}
	}
	return nil
}

// eraseTable applies the erasure to the person's rows of one table;
// begin hears the planned change before the first row changes.
func (a *App) eraseTable(ctx context.Context, c connector.Conn, s *connector.Schema, x *register.System, ft FoundTable, acts map[string]*register.Activity, now time.Time,
	begin func(request.Receipt) error) (request.Receipt, error) {
	rc := request.Receipt{System: x.ID, Table: ft.Table, At: now}
	ct, ok := s.Table(ft.Table)
	if !ok || len(ct.PrimaryKey) == 0 || len(ft.Keys) == 0 {
		rc.Action, rc.Ground = request.ReceiptKept, "erase.nokey"
		return rc, nil
	}
	rc.Keys = sweep.KeyHash(ft.Keys)
	t, mapped := x.Table(ft.Table)
	if !mapped {
		// A table the register does not map (found by a foreign key):
		// its rows go, as nothing is known that keeps them.
		t = &register.Table{Name: ft.Table}
	}
	// What keeps rows: a legal hold, and a legal duty whose period has not
	// ended yet.
	keep, key, _ := a.holdCond(ctx, x, t, ct, now.In(retention.Berlin))
	if key != "" {
		rc.Action, rc.Ground, rc.Rows = request.ReceiptKept, "erase.holds.unreadable", int64(len(ft.Keys))
		return rc, nil
	}
	var notDue *connector.Cond
	ground := ""
	if act := acts[t.Activity]; act != nil {
		if st := t.Statement(act); st != "" && legalDuty.MatchString(st) {
			if rule, k, _ := t.TableRule(act); k == "" {
				if cut, err := retention.DueBefore(rule, now); err == nil {
					if due, k2, _ := dueCond(t, cut, ct, s); k2 == "" {
						notDue, ground = connector.Not(due), st
					}
				}
			} else {
				// A duty without an executable rule keeps every row.
				notDue, ground = &connector.Cond{Op: connector.OpNotNull, Col: ct.PrimaryKey[0]}, st
			}
		}
	}
	var kept *connector.Cond
	switch {
	case keep != nil && notDue != nil:
		kept = connector.Or(connector.Not(keep), notDue)
	case keep != nil:
		kept = connector.Not(keep)
		ground = "erase.hold"
	case notDue != nil:
		kept = notDue
	}
	var keptRows int64
	if kept != nil {
		n, err := c.Count(ctx, ft.Table, connector.And(kept, &connector.Cond{Op: connector.OpKeyIn, Cols: ct.PrimaryKey, Keys: ft.Keys}))
		if err != nil {
			return rc, gdpr.Keyed(gdpr.EUNAVAILABLE, "", "system.connect", x.ID, err)
		}
		keptRows = n
	}
	if keptRows > 0 {
		rc.Until = keptUntil(t, acts[t.Activity], ft, now)
		rc.Ground, rc.Rows = ground, keptRows
		if t.Restricted != "" && hasColumn(ct, t.Restricted) {
			if err := begin(request.Receipt{System: rc.System, Table: rc.Table, Action: request.ReceiptRestricted, Rows: keptRows, Keys: rc.Keys, At: now, RowKeys: ft.Keys}); err != nil {
				return rc, err
			}
			if _, err := c.Update(ctx, ft.Table, ct.PrimaryKey, ft.Keys, kept, map[string]any{t.Restricted: restrictValue(ct, t.Restricted, now)}); err != nil {
				return rc, gdpr.Keyed(gdpr.EUNAVAILABLE, "", "system.connect", x.ID, err)
			}
			rc.Action = request.ReceiptRestricted
		} else {
			rc.Action = request.ReceiptKept
		}
		if int64(len(ft.Keys)) == keptRows {
			return rc, nil
		}
		// The rest goes: a second receipt would be one too many; the
		// kept and the gone are told in one, the gone counted in Rows
		// of the action below.
	}
	var gone *connector.Cond
	if kept != nil {
		gone = connector.Not(kept)
	}
	cond, set, k, arg := actionOf(t, ct, gone, now)
	if k != "" {
		rc.Action, rc.Ground, rc.Rows = request.ReceiptKept, k+" "+arg, int64(len(ft.Keys))-keptRows
		return rc, nil
	}
	var n int64
	var err error
	if keptRows == 0 {
		planned := request.ReceiptErased
		if set != nil {
			planned = request.ReceiptAnonymised
		}
		if err := begin(request.Receipt{System: rc.System, Table: rc.Table, Action: planned, Rows: int64(len(ft.Keys)), Keys: rc.Keys, At: now, RowKeys: ft.Keys}); err != nil {
			return rc, err
		}
	}
	if set == nil {
		n, err = c.Delete(ctx, ft.Table, ct.PrimaryKey, ft.Keys, cond)
	} else {
		n, err = c.Update(ctx, ft.Table, ct.PrimaryKey, ft.Keys, cond, set)
	}
	if err != nil {
		// Most often a foreign key: rows elsewhere that are kept still
		// point to these. Kept, and said so; the driver's words (which
		// may quote a key) stay out of the receipt.
		a.log.Warn("erasure of a table refused", "system", x.ID, "table", ft.Table)
		rc.Action, rc.Ground, rc.Rows = request.ReceiptKept, "erase.referenced", int64(len(ft.Keys))-keptRows
		return rc, nil
	}
	if keptRows > 0 {
		// Restricted (or kept) and erased in one table: the receipt names
		// the kept rows; the erased ones are in its ground's note.
		rc.Also = n
		return rc, nil
	}
	rc.Rows = n
	switch t.Sweep() {
	case register.SweepAnonymise:
		rc.Action = request.ReceiptAnonymised
	case register.SweepFlag:
		rc.Action = request.ReceiptFlagged
	default:
		rc.Action = request.ReceiptErased
	}
	return rc, nil
}

// keptUntil is the last day the person's kept rows will be kept: the
// latest end of retention among them (the rule on their event columns),
// "" when it is not known.
func keptUntil(t *register.Table, act *register.Activity, ft FoundTable, now time.Time) string {
	if act == nil {
		return ""
	}
	rule, k, _ := t.TableRule(act)
	if k != "" {
		return ""
	}
	var last time.Time
	for _, row := range ft.Rows {
		events := map[retention.Event]time.Time{}
		for e, col := range t.Events {
			if i := slices.Index(ft.Columns, col); i >= 0 && i < len(row) {
				if tm, err := retention.ParseEventDate(row[i]); err == nil {
					events[e] = tm
				}
			}
		}
		o := retention.Evaluate(rule, events, nil, now)
		if o.Known && o.End.After(last) {
			last = o.End
		}
	}
	if last.IsZero() {
		return ""
	}
	return register.DateOf(last).String()
}

// restrictValue is what marks a row restricted in the column's kind:
// true, 1, the time, or the time as text.
func restrictValue(ct *connector.Table, col string, now time.Time) any {
	c, _ := ct.Column(col)
	switch {
	case c == nil:
	case c.Kind == connector.KindBool:
		return true
	case c.Kind == connector.KindInteger:
		return 1
	case c.Kind == connector.KindText:
		return now.UTC().Format(time.RFC3339)
	}
	return now.UTC()
}

// Receipts lists an erasure's receipts.
func (a *App) Receipts(ctx context.Context, id string) ([]request.Receipt, error) {
	if _, err := a.require(ctx, auth.Read, audit.RequestRead, id); err != nil {
		return nil, err
	}
	rcs, ok := a.store.(ReceiptStore)
	if !ok {
		return nil, nil
	}
	return rcs.Receipts(ctx, id)
}

// pointsTo counts the foreign keys of table to the others found.
func pointsTo(s *connector.Schema, found []string, table string) int {
	t, ok := s.Table(table)
	if !ok {
		return 0
	}
	n := 0
	for _, fk := range t.ForeignKeys {
		if fk.RefTable != table && slices.Contains(found, fk.RefTable) {
			n++
		}
	}
	return n
}

// Art19Recipients are the recipients to tell of an erasure or a
// restriction (Art. 19 GDPR): those the register names for the
// activities whose tables the receipts changed, internal ones left out.
func (a *App) Art19Recipients(ctx context.Context, id string) ([]register.Recipient, error) {
	rcs, err := a.Receipts(ctx, id)
	if err != nil || len(rcs) == 0 {
		return nil, err
	}
	systems, _, err := a.store.FindSystems(ctx, register.Filter{})
	if err != nil {
		return nil, err
	}
	acts, err := a.activitiesByID(ctx)
	if err != nil {
		return nil, err
	}
	var out []register.Recipient
	for _, rc := range rcs {
		switch rc.Action {
		case request.ReceiptErased, request.ReceiptAnonymised, request.ReceiptFlagged, request.ReceiptRestricted, request.ReceiptRectified:
		default:
			continue
		}
		for _, x := range systems {
			if x.ID != rc.System {
				continue
			}
			t, ok := x.Table(rc.Table)
			if !ok || acts[t.Activity] == nil {
				continue
			}
			for _, rp := range acts[t.Activity].Recipients.Items {
				if rp.Kind != register.RecipientInternal && !slices.Contains(out, rp) {
					out = append(out, rp)
				}
			}
		}
	}
	return out, nil
}
