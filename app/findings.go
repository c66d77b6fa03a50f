package app

import (
	"context"
	"slices"
	"sync"
	"time"

	"gdpr/auth"
	"gdpr/register"
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
}

// lintCache keeps the last register-wide lint. A write to the register
// changes its state and so the key; several servers on one database each
// notice it by reading the state (one indexed row) per request.
type lintCache struct {
	mu   sync.Mutex
	last *Lint
	// ids are the measure ids of the last state seen, for pages that
	// lint single activities without the whole register.
	ids      map[string]bool
	titles   map[string]string
	idsState int64
}

// Lint returns the register-wide lint, from the cache when the register
// has not changed since (and the day is the same: reviews fall due).
// Concurrent callers wait for one computation.
func (a *App) Lint(ctx context.Context) (*Lint, error) {
	if _, err := auth.Require(ctx, auth.Read); err != nil {
		return nil, err
	}
	state, err := a.store.State(ctx)
	if err != nil {
		return nil, err
	}
	day := register.DateOf(a.now())
	a.lint.mu.Lock()
	defer a.lint.mu.Unlock()
	if l := a.lint.last; l != nil && l.State == state && l.Day == day {
		return l, nil
	}
	reg, err := a.store.Register(ctx, false)
	if err != nil {
		return nil, err
	}
	l := &Lint{State: state, Day: day, Findings: register.Check(reg, day), ByActivity: map[string]register.SeverityCounts{},
		Activities: len(reg.Activities), Measures: len(reg.TOMs), ByStatus: map[register.Status]int{},
		Names: make(map[string]string, len(reg.Activities)), MeasureIDs: make(map[string]bool, len(reg.TOMs))}
	l.Counts = register.CountBySeverity(l.Findings)
	for _, act := range reg.Activities {
		l.ByStatus[act.Status]++
		l.Names[act.ID] = act.Name
	}
	for _, m := range reg.TOMs {
		l.MeasureIDs[m.ID] = true
	}
	for _, f := range l.Findings {
		if f.Entity == "activity" {
			c := l.ByActivity[f.EntityID]
			c.Add(f.Severity)
			l.ByActivity[f.EntityID] = c
		}
	}
	a.lint.last = l
	return l, nil
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
		return cmpStr(x.Name, y.Name)
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

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
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
