package app

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"gdpr/audit"
	"gdpr/auth"
	"gdpr/connector"
	"gdpr/locale"
	"gdpr/register"
	"gdpr/retention"
)

// dueCond is the condition of a table's rows whose retention has ended:
// the cutoff of the activity's rule on the table's event columns, rows
// restricted under Art. 18 kept. key names what keeps the table from a
// condition for the message catalogue.
func dueCond(t *register.Table, cut retention.Cutoff, st *connector.Table, s *connector.Schema) (*connector.Cond, string, string) {
	var build func(c retention.Cutoff) (*connector.Cond, string, string)
	build = func(c retention.Cutoff) (*connector.Cond, string, string) {
		if c.Combine != "" {
			var subs []*connector.Cond
			for _, b := range c.Branches {
				s, key, arg := build(b)
				if key != "" {
					return nil, key, arg
				}
				subs = append(subs, s)
			}
			if c.Combine == retention.First {
				return connector.Or(subs...), "", ""
			}
			return connector.And(subs...), "", ""
		}
		col := t.Events[c.Event]
		switch {
		case col == "":
			return nil, "sweep.event.unmapped", string(c.Event)
		case strings.Contains(col, ".") && !hasColumn(st, col):
			return related(st, s, col, c.Before)
		case !hasColumn(st, col):
			return nil, "sweep.column.missing", col
		}
		return connector.Less(col, c.Before), "", ""
	}
	cond, key, arg := build(cut)
	if key != "" {
		return nil, key, arg
	}
	if t.Restricted != "" {
		if !hasColumn(st, t.Restricted) {
			return nil, "sweep.column.missing", t.Restricted
		}
		cond = connector.And(cond, connector.Not(&connector.Cond{Op: connector.OpSet, Col: t.Restricted}))
	}
	return cond, "", ""
}

// related is the condition of an event dated in another table
// ("contracts.ended_at"): the two tables joined by a foreign key, either
// way, and the row due when its last related row's date is before the
// cutoff (a contract still running keeps the customer).
func related(st *connector.Table, s *connector.Schema, ref string, before time.Time) (*connector.Cond, string, string) {
	i := strings.LastIndexByte(ref, '.')
	other, col := ref[:i], ref[i+1:]
	rt, ok := s.Table(other)
	if !ok {
		return nil, "sweep.table.missing", other
	}
	if !hasColumn(rt, col) {
		return nil, "sweep.column.missing", ref
	}
	// The other table referencing this one (contracts.customer_id →
	// customers.id), or this one referencing it.
	join := fkJoin(s, rt, st, true)
	if join == nil {
		join = fkJoin(s, st, rt, false)
	}
	if join == nil {
		return nil, "sweep.event.nojoin", ref
	}
	return &connector.Cond{Op: connector.OpLastBefore, Related: rt.Name, Join: join, Col: col, Val: before}, "", ""
}

// fkJoin is the column pairs (this table's, the related one's) of a
// foreign key of from that references to; flip says which of them is
// "this" table (to, when from is the related one).
func fkJoin(s *connector.Schema, from, to *connector.Table, flip bool) [][2]string {
	for _, fk := range from.ForeignKeys {
		if rs, ok := s.Table(fk.RefTable); ok && rs.Name == to.Name {
			var join [][2]string
			for k := range fk.Columns {
				if flip {
					join = append(join, [2]string{fk.RefColumns[k], fk.Columns[k]})
				} else {
					join = append(join, [2]string{fk.Columns[k], fk.RefColumns[k]})
				}
			}
			return join
		}
	}
	return nil
}

func hasColumn(t *connector.Table, name string) bool {
	_, ok := t.Column(name)
	return ok
}

// LiveOptions steer a live check.
type LiveOptions struct {
	// Scan samples the unmapped tables too, to find personal data the
	// register does not declare (slower: every column of them is read).
	Scan bool
}

// LiveCheck compares the register with the company's databases: a system
// that does not answer, a mapped table or column the database lacks, rows
// kept past their retention (how many, and the oldest), and with Scan
// tables with personal data that no activity declares. The findings are
// those of the lint's kind, on the systems.
func (a *App) LiveCheck(ctx context.Context, o LiveOptions) ([]register.Finding, error) {
	if _, err := a.require(ctx, auth.Write, audit.SystemCheck, "live"); err != nil {
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
	today := a.now().In(retention.Berlin)
	var out []register.Finding
	add := func(code, id, field string, args ...string) {
		out = append(out, register.NewFinding(code, "system", id, field, args...))
	}
	for _, x := range systems {
		fs, err := a.liveSystem(ctx, x, acts, today, o, add)
		if err != nil {
			return nil, err
		}
		a.audit(ctx, audit.Entry{Action: audit.SystemCheck, Target: x.ID, Outcome: audit.OK, Detail: fmt.Sprintf("findings %d", fs)})
	}
	out = append(out, categoriesNotFound(systems, acts)...)
	register.SortFindings(out)
	return out, nil
}

// categoriesNotFound: for every activity that some table of a system
// belongs to, the data categories it declares that no mapped column of
// its tables holds (compared as words: "E-Mail-Adressen der Kunden" is
// found in a column of "E-Mail-Adressen"). A category of the register
// that no database holds is either stored elsewhere (paper, a system not
// yet mapped) or not processed at all.
func categoriesNotFound(systems []*register.System, acts map[string]*register.Activity) []register.Finding {
	held := map[string][]string{}
	mapped := map[string]bool{}
	for _, x := range systems {
		for _, t := range x.Tables {
			if t.Activity == "" {
				continue
			}
			mapped[t.Activity] = true
			for _, c := range t.Columns {
				held[t.Activity] = append(held[t.Activity], register.FoldWords(c))
			}
		}
	}
	var out []register.Finding
	for _, id := range slices.Sorted(maps.Keys(mapped)) {
		act, ok := acts[id]
		if !ok {
			continue
		}
		for _, cat := range act.DataCategories {
			f := register.FoldWords(cat)
			if f == "" || slices.ContainsFunc(held[id], func(h string) bool { return h != "" && (strings.Contains(f, h) || strings.Contains(h, f)) }) {
				continue
			}
			out = append(out, register.NewFinding(register.CodeLiveCategoryNotFound, "activity", id, "data_categories", cat))
		}
	}
	return out
}

// liveSystem checks one system; a system that does not answer is a
// finding, not an error of the check.
func (a *App) liveSystem(ctx context.Context, x *register.System, acts map[string]*register.Activity, today time.Time, o LiveOptions,
	add func(code, id, field string, args ...string)) (int, error) {
	n := 0
	found := func(code, field string, args ...string) { n++; add(code, x.ID, field, args...) }
	dsn, err := dsnOf(x)
	if err != nil {
		// The variable or file, never what it holds.
		found(register.CodeLiveUnreachable, "dsn_env", x.Name, x.DSNEnv+x.DSNFile)
		return n, nil
	}
	c, err := a.connect(x.Engine, dsn)
	if err != nil {
		found(register.CodeLiveUnreachable, "dsn_env", x.Name, err.Error())
		return n, nil
	}
	defer c.Close()
	s, err := c.Schema(ctx)
	if err != nil {
		found(register.CodeLiveUnreachable, "dsn_env", x.Name, err.Error())
		return n, nil
	}
	for i, t := range x.Tables {
		field := fmt.Sprintf("tables[%d]", i)
		st, ok := s.Table(t.Name)
		if !ok {
			found(register.CodeLiveTableMissing, field+".name", t.Name)
			continue
		}
		named := slices.Concat(t.SubjectKey, t.Anonymise, slices.Sorted(maps.Keys(t.Columns)), []string{t.Flag, t.Restricted})
		for _, e := range slices.Sorted(maps.Keys(t.Events)) {
			if col := t.Events[e]; !strings.Contains(col, ".") {
				named = append(named, col)
			}
		}
		for _, col := range slices.Compact(slices.Sorted(slices.Values(named))) {
			if col != "" && !hasColumn(st, col) {
				found(register.CodeLiveColumnMissing, field, t.Name, col)
			}
		}
		act := acts[t.Activity]
		if act == nil {
			continue // the lint says so
		}
		rule, key, _ := t.TableRule(act)
		if key != "" {
			continue // the lint says so (system-table-no-rule)
		}
		cut, err := retention.DueBefore(rule, today)
		if err != nil {
			continue
		}
		cond, key, _ := dueCond(&t, cut, st, s)
		if key != "" {
			continue // an event without its column: said above or by the lint
		}
		keep, key, _ := a.holdCond(ctx, x, &t, st, today)
		if key != "" {
			continue // held rows cannot be told apart: none counted as overdue
		}
		cond = connector.And(cond, keep)
		due, err := c.Count(ctx, t.Name, cond)
		if err != nil {
			found(register.CodeLiveUnreachable, field, x.Name, err.Error())
			continue
		}
		if due == 0 {
			continue
		}
		oldest := ""
		if ev := RuleEventsMapped(&t, rule); len(ev) > 0 {
			if v, err := c.Min(ctx, t.Name, ev[0], cond); err == nil && v != nil {
				oldest = connector.Text(v)
				if len(oldest) > 10 {
					oldest = oldest[:10]
				}
			}
		}
		found(register.CodeLiveRowsOverdue, field, t.Name, fmt.Sprint(due), oldest)
	}
	if o.Scan {
		res, err := a.scanTables(ctx, x, c, s, 100, locale.DE, nil)
		if err != nil {
			return n, err
		}
		for _, t := range res.Tables {
			if t.Proposal != nil && !t.Mapped && !t.Ignored {
				found(register.CodeLiveUnmappedPersonal, "tables", t.Name, strings.Join(slices.Sorted(maps.Keys(t.Proposal.Columns)), ", "))
			}
		}
	}
	return n, nil
}

// activitiesByID are the activities in force, by id: what the tables of
// the systems name.
func (a *App) activitiesByID(ctx context.Context) (map[string]*register.Activity, error) {
	all, _, err := a.store.FindActivities(ctx, register.Filter{})
	if err != nil {
		return nil, err
	}
	acts := make(map[string]*register.Activity, len(all))
	for _, act := range all {
		acts[act.ID] = act
	}
	return acts, nil
}

// RuleEventsMapped lists the columns of the table that date the rule's
// events, in rule order.
func RuleEventsMapped(t *register.Table, rule retention.Rule) []string {
	var out []string
	for _, e := range register.RuleEvents(rule) {
		if col := t.Events[e]; col != "" && !strings.Contains(col, ".") {
			out = append(out, col)
		}
	}
	return out
}
