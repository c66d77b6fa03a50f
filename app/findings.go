package app

import (
	"context"
	"slices"
	"sync"
	"time"

	"gdpr/auth"
	"gdpr/register"
	"strings"
)

// Lint is the register-wide lint as of one state of the register and one
// day. It is shared between requests: callers must not change it.
type Lint struct {
	State      int64
	Day        register.Date
	Findings   []register.Finding
	Counts     map[register.Severity]int
	ByActivity map[string]register.SeverityCounts
	// Activities and Measures count the entries in force; ByStatus counts
	// activities by status.
	Activities, Measures int
	ByStatus             map[register.Status]int
	// Names of the activities in force, for lists of findings.
	Names map[string]string
	// MeasureIDs are the ids of the measures in force (for the lint of
	// single activities).
	MeasureIDs map[string]bool
	// UsedBy lists, per measure id, the activities in force that name
	// it, in register order.
	UsedBy map[string][]string
}

// lintCache keeps the register in force (as of a state) and the findings
// of each of its entries. When the register changes, only what changed
// since is read (register.Service.Changes) and linted again: a write of
// one activity costs the lint of that activity, not of 10,000. Every
// server on a shared database sees a change through the state, which it
// reads (one row) per request.
type lintCache struct {
	mu sync.Mutex
	// The register as of state (-1: not loaded), entries in force.
	state      int64
	header     *register.Header
	acts       map[string]*register.Activity
	actPos     map[string]int
	measures   map[string]*register.Measure
	measurePos map[string]int
	// Findings per entry; the measures' depend on the day.
	ctrl        []register.Finding
	actFindings map[string][]register.Finding
	mFindings   map[string][]register.Finding
	day         register.Date
	last        *Lint
	// ids and titles of the measures in force, for pages that lint
	// single activities without the whole register.
	ids      map[string]bool
	titles   map[string]string
	idsState int64
	// The systems' findings: systems are few and their lint depends on
	// the activities, so every change of either lints them all again.
	sysFindings []register.Finding
	sysLoaded   bool
}

// Lint returns the register-wide lint, from the cache when the register
// has not changed since (and the day is the same: reviews fall due), else
// updated by what changed. Concurrent callers wait for one update.
func (a *App) Lint(ctx context.Context) (*Lint, error) {
	if _, err := auth.Require(ctx, auth.Read); err != nil {
		return nil, err
	}
	state, err := a.store.State(ctx)
	if err != nil {
		return nil, err
	}
	day := register.DateOf(a.now())
	c := &a.lint
	c.mu.Lock()
	defer c.mu.Unlock()
	if l := c.last; l != nil && l.State == state && l.Day == day {
		return l, nil
	}
	since := int64(-1)
	if c.acts != nil {
		since = c.state
	}
	d, err := a.store.Changes(ctx, since)
	if err != nil {
		return nil, err
	}
	c.apply(d, day)
	if !c.sysLoaded || d.Systems || len(d.Activities) > 0 {
		// Archived systems are left out by the filter.
		sys, _, err := a.store.FindSystems(ctx, register.Filter{})
		if err != nil {
			return nil, err
		}
		c.sysFindings = c.sysFindings[:0]
		for _, x := range sys {
			c.sysFindings = append(c.sysFindings, register.CheckSystem(x, c.acts)...)
		}
		c.sysLoaded = true
	}
	l := c.assemble(day)
	c.last = l
	return l, nil
}

// apply merges a delta into the cache and lints what it touched.
func (c *lintCache) apply(d register.Delta, day register.Date) {
	if c.acts == nil {
		c.acts, c.actPos, c.actFindings = map[string]*register.Activity{}, map[string]int{}, map[string][]register.Finding{}
		c.measures, c.measurePos, c.mFindings = map[string]*register.Measure{}, map[string]int{}, map[string][]register.Finding{}
		c.ctrl = register.CheckController(nil)
	}
	if d.Header != nil {
		c.header = d.Header
		c.ctrl = register.CheckController(d.Header.Controller)
	}
	measureSet := false
	for _, m := range d.Measures {
		_, had := c.measures[m.ID]
		if m.Status == register.StatusArchived {
			delete(c.measures, m.ID)
			delete(c.mFindings, m.ID)
			measureSet = measureSet || had
			continue
		}
		measureSet = measureSet || !had
		c.measures[m.ID], c.measurePos[m.ID] = m, d.MeasurePos[m.ID]
		c.mFindings[m.ID] = register.CheckMeasure(m, day)
	}
	if day != c.day {
		for id, m := range c.measures {
			c.mFindings[id] = register.CheckMeasure(m, day)
		}
		c.day = day
	}
	ids := make(map[string]bool, len(c.measures))
	for id := range c.measures {
		ids[id] = true
	}
	for _, act := range d.Activities {
		if act.Status == register.StatusArchived {
			delete(c.acts, act.ID)
			delete(c.actFindings, act.ID)
			continue
		}
		c.acts[act.ID], c.actPos[act.ID] = act, d.ActivityPos[act.ID]
		if !measureSet {
			c.actFindings[act.ID] = register.CheckActivity(act, ids)
		}
	}
	if measureSet {
		// Which references resolve changed: every activity again (from
		// memory, no reading).
		for id, act := range c.acts {
			c.actFindings[id] = register.CheckActivity(act, ids)
		}
	}
	c.state = d.State
}

// assemble lists the findings in register order, errors first, as
// register.Check does for the whole register.
func (c *lintCache) assemble(day register.Date) *Lint {
	l := &Lint{State: c.state, Day: day, ByActivity: map[string]register.SeverityCounts{}, Activities: len(c.acts), Measures: len(c.measures),
		ByStatus: map[register.Status]int{}, Names: make(map[string]string, len(c.acts)), MeasureIDs: make(map[string]bool, len(c.measures))}
	acts := make([]string, 0, len(c.acts))
	for id, act := range c.acts {
		acts = append(acts, id)
		l.ByStatus[act.Status]++
		l.Names[id] = act.Name
	}
	byPos(acts, c.actPos)
	l.UsedBy = map[string][]string{}
	for _, id := range acts {
		for _, ref := range c.acts[id].TOMs {
			if _, ok := c.measures[ref]; ok && !slices.Contains(l.UsedBy[ref], id) {
				l.UsedBy[ref] = append(l.UsedBy[ref], id)
			}
		}
	}
	ms := make([]string, 0, len(c.measures))
	for id := range c.measures {
		ms = append(ms, id)
		l.MeasureIDs[id] = true
	}
	byPos(ms, c.measurePos)
	fs := append([]register.Finding(nil), c.ctrl...)
	for _, id := range acts {
		fs = append(fs, c.actFindings[id]...)
	}
	for _, id := range ms {
		fs = append(fs, c.mFindings[id]...)
	}
	fs = append(fs, c.sysFindings...)
	register.SortFindings(fs)
	l.Findings = fs
	l.Counts = register.CountBySeverity(fs)
	for _, f := range fs {
		if f.Entity == "activity" {
			n := l.ByActivity[f.EntityID]
			n.Add(f.Severity)
			l.ByActivity[f.EntityID] = n
		}
	}
	return l
}

// byPos sorts ids by register position, then id (the store's order).
func byPos(ids []string, pos map[string]int) {
	slices.SortFunc(ids, func(a, b string) int {
		if d := pos[a] - pos[b]; d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
}

// measureIDs returns the ids of the measures in force, read again only
// when the register changed.
func (a *App) measureIDs(ctx context.Context) (map[string]bool, error) {
	ids, _, err := a.measures(ctx)
	return ids, err
}

// MeasureTitles returns the titles of the measures in force by id (to
// show an activity's TOM references).
func (a *App) MeasureTitles(ctx context.Context) (map[string]string, error) {
	if _, err := auth.Require(ctx, auth.Read); err != nil {
		return nil, err
	}
	_, titles, err := a.measures(ctx)
	return titles, err
}

func (a *App) measures(ctx context.Context) (map[string]bool, map[string]string, error) {
	state, err := a.store.State(ctx)
	if err != nil {
		return nil, nil, err
	}
	a.lint.mu.Lock()
	if a.lint.titles != nil && a.lint.idsState == state {
		ids, titles := a.lint.ids, a.lint.titles
		a.lint.mu.Unlock()
		return ids, titles, nil
	}
	a.lint.mu.Unlock()
	ms, _, err := a.store.FindMeasures(ctx, register.Filter{})
	if err != nil {
		return nil, nil, err
	}
	ids := make(map[string]bool, len(ms))
	titles := make(map[string]string, len(ms))
	for _, m := range ms {
		ids[m.ID] = true
		titles[m.ID] = m.Title
	}
	a.lint.mu.Lock()
	a.lint.ids, a.lint.titles, a.lint.idsState = ids, titles, state
	a.lint.mu.Unlock()
	return ids, titles, nil
}

// ActivityFindings lints the given activities, each on its own: a page
// that shows one activity (or a page of them) costs that, not the lint of
// the whole register.
func (a *App) ActivityFindings(ctx context.Context, acts ...*register.Activity) (map[string][]register.Finding, error) {
	if _, err := auth.Require(ctx, auth.Read); err != nil {
		return nil, err
	}
	ids, err := a.measureIDs(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]register.Finding, len(acts))
	for _, act := range acts {
		if act.Status == register.StatusArchived {
			out[act.ID] = nil
			continue
		}
		out[act.ID] = register.CheckActivity(act, ids)
	}
	return out, nil
}

// MeasureFindings lints measures as of today.
func (a *App) MeasureFindings(ms []*register.Measure) map[string][]register.Finding {
	day := register.DateOf(a.now())
	out := make(map[string][]register.Finding, len(ms))
	for _, m := range ms {
		if m.Status != register.StatusArchived {
			out[m.ID] = register.CheckMeasure(m, day)
		}
	}
	return out
}

// DueMeasure is a measure whose review is due.
type DueMeasure struct {
	Measure *register.Measure
	Due     register.Date
	Overdue bool
	Never   bool
}

// Dashboard is what the start page shows.
type Dashboard struct {
	Header register.Header
	Lint   *Lint
	// Worst are the activities with the most errors and warnings, at most
	// topN.
	Worst   []ActivityCount
	Due     []DueMeasure
	MoreDue int
	Recent  []*register.Revision
}

// ActivityCount is one activity with its findings.
type ActivityCount struct {
	ID, Name string
	register.SeverityCounts
}

const topN = 10

// Dashboard gathers the start page: counts, the activities with the most
// findings, TOM reviews due within a month, recent changes.
func (a *App) Dashboard(ctx context.Context) (*Dashboard, error) {
	l, err := a.Lint(ctx)
	if err != nil {
		return nil, err
	}
	d := &Dashboard{Lint: l}
	if d.Header, err = a.store.Header(ctx); err != nil {
		return nil, err
	}
	for id, c := range l.ByActivity {
		d.Worst = append(d.Worst, ActivityCount{ID: id, Name: l.Names[id], SeverityCounts: c})
	}
	slices.SortFunc(d.Worst, func(x, y ActivityCount) int {
		if c := (y.Errors*1000 + y.Warnings) - (x.Errors*1000 + x.Warnings); c != 0 {
			return c
		}
		return strings.Compare(x.Name, y.Name)
	})
	if len(d.Worst) > topN {
		d.Worst = d.Worst[:topN]
	}
	ms, _, err := a.store.FindMeasures(ctx, register.Filter{})
	if err != nil {
		return nil, err
	}
	d.Due = dueMeasures(ms, register.DateOf(a.now()), 30)
	if len(d.Due) > topN {
		d.Due, d.MoreDue = d.Due[:topN], len(d.Due)-topN
	}
	d.Recent, _, err = a.store.FindRevisions(ctx, register.RevisionFilter{Limit: 8})
	return d, err
}

// dueMeasures lists measures never reviewed, overdue, or due within days.
func dueMeasures(ms []*register.Measure, today register.Date, days int) []DueMeasure {
	var out []DueMeasure
	soon := register.DateOf(today.Time(time.UTC).AddDate(0, 0, days))
	for _, m := range ms {
		due, ok := m.ReviewDue()
		switch {
		case !ok:
			out = append(out, DueMeasure{Measure: m, Never: true})
		case due.Before(today):
			out = append(out, DueMeasure{Measure: m, Due: due, Overdue: true})
		case due.Before(soon):
			out = append(out, DueMeasure{Measure: m, Due: due})
		}
	}
	return out
}

// Facets returns the departments and legal bases in use.
func (a *App) Facets(ctx context.Context) (register.Facets, error) {
	if _, err := auth.Require(ctx, auth.Read); err != nil {
		return register.Facets{}, err
	}
	return a.store.Facets(ctx)
}

// FindingFilter selects findings; zero fields do not filter.
type FindingFilter struct {
	Severity register.Severity
	// Code is the rule ("legal-basis-missing").
	Code             string
	Entity, EntityID string
	Offset, Limit    int // Limit 0: all
}

// FindingPage is one page of findings, with the total that matched, the
// register-wide counts per severity and per rule (for the filters) and
// the state the lint is of.
type FindingPage struct {
	Items  []register.Finding
	Total  int
	Counts map[register.Severity]int
	ByCode map[string]int
	Names  map[string]string // activity names by id
	State  int64
}

// Findings returns the register-wide findings the filter selects, a page
// at a time, in register order (controller, activities, measures).
func (a *App) Findings(ctx context.Context, f FindingFilter) (FindingPage, error) {
	l, err := a.Lint(ctx)
	if err != nil {
		return FindingPage{}, err
	}
	p := FindingPage{Counts: l.Counts, ByCode: map[string]int{}, Names: l.Names, State: l.State}
	var sel []register.Finding
	for _, x := range l.Findings {
		p.ByCode[x.Code]++
		if (f.Severity == "" || x.Severity == f.Severity) && (f.Code == "" || x.Code == f.Code) &&
			(f.Entity == "" || x.Entity == f.Entity) && (f.EntityID == "" || x.EntityID == f.EntityID) {
			sel = append(sel, x)
		}
	}
	p.Total = len(sel)
	start := min(max(f.Offset, 0), len(sel))
	end := len(sel)
	if f.Limit > 0 {
		end = min(start+f.Limit, len(sel))
	}
	p.Items = sel[start:end]
	return p, nil
}
