package web

import (
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/url"

	"gdpr"
	"gdpr/httpx"
	"slices"
	"strconv"
	"strings"

	"gdpr/app"
	"gdpr/export"
	"gdpr/locale"
	"gdpr/register"
	"gdpr/retention"
	"gdpr/run"
	"gdpr/session"
	"gdpr/sweep"
)

type systemRow struct {
	S        *register.System
	Findings int
}

type systemsData struct {
	base
	Items []systemRow
	// Live is the live check's findings, when one was asked for.
	Live    []export.FindingView
	Checked bool
	// Sweep is a sweep's (or a dry run's) result, when one was asked for.
	Sweep *sweepView
	// Run is the sweep started from this page, while it runs; Runs the
	// latest runs of sweeps and scans; SweepError why a sweep did not
	// start.
	Run        *runView
	Runs       []runView
	SweepError string
}

// runView is a run as the pages show it.
type runView struct {
	R                              run.Run
	Kind, State, Started, Progress string
	Error                          string
	Running                        bool
}

func runViewOf(r run.Run, l locale.Lang) runView {
	v := runView{R: r, Kind: locale.T(l, "value.runkind."+string(r.Kind)), State: locale.T(l, "value.run."+string(r.State)),
		Started: locale.Time(l, r.Started), Error: app.RunError(r, l), Running: r.State == run.Running}
	p := r.Progress
	if r.Kind == run.Scan {
		v.Progress = locale.T(l, "run.progress.scan", p.TablesDone, p.Tables, p.Examined, p.Done)
	} else {
		v.Progress = locale.T(l, "run.progress.sweep", p.TablesDone, p.Tables, p.Done, p.Examined, p.Held)
	}
	return v
}

type sweepView struct {
	DryRun bool
	Rows   []sweepRow
	Total  int64
}

type sweepRow struct {
	app.SweepTable
	ActionText, Skip, Oldest, LeftBackups string
}

func (h *Handler) systemList(w http.ResponseWriter, r *http.Request, id session.Identity) {
	h.systemListPage(w, r, id, nil, false)
}

// checkLive compares the register with the databases and shows the
// findings on the systems page.
func (h *Handler) checkLive(w http.ResponseWriter, r *http.Request, id session.Identity) {
	fs, err := h.App.LiveCheck(r.Context(), app.LiveOptions{Scan: r.PostFormValue("scan") == "1"})
	if err != nil {
		h.problem(w, r, err)
		return
	}
	h.systemListPage(w, r, id, export.Describe(fs, lang(r)), true)
}

// sweepPage shows, with dry=1, a sweep's preview; without, it starts the
// sweep in the background and shows its run, which the page follows until
// it ends.
func (h *Handler) sweepPage(w http.ResponseWriter, r *http.Request, id session.Identity) {
	l := lang(r)
	if r.PostFormValue("dry") != "1" {
		rn, err := h.App.StartSweep(r.Context(), app.SweepOptions{})
		if gdpr.ErrorCode(err) == gdpr.ECONFLICT {
			h.systemListPageWith(w, r, id, http.StatusConflict, nil, false, nil, func(d *systemsData) { d.SweepError = gdpr.Localized(err, l) })
			return
		}
		if err != nil {
			h.problem(w, r, err)
			return
		}
		http.Redirect(w, r, "/systems?run="+rn.ID+"&lang="+string(l)+"#h-sweep", http.StatusSeeOther)
		return
	}
	res, err := h.App.Sweep(r.Context(), app.SweepOptions{DryRun: true})
	if err != nil {
		h.problem(w, r, err)
		return
	}
	h.systemListPageWith(w, r, id, http.StatusOK, nil, false, sweepViewOf(res, l), nil)
}

// sweepViewOf is a sweep's result as the page shows it.
func sweepViewOf(res *app.SweepResult, l locale.Lang) *sweepView {
	v := &sweepView{DryRun: res.DryRun}
	for _, t := range res.Tables {
		row := sweepRow{SweepTable: t, ActionText: locale.T(l, "ui.system.action."+t.Action)}
		if t.Skipped != "" {
			row.Skip = locale.T(l, t.Skipped, t.SkipArg)
		}
		if t.Oldest != "" {
			if d, err := register.ParseDate(t.Oldest[:min(10, len(t.Oldest))]); err == nil {
				row.Oldest = dateText(d, l)
			}
		}
		if t.LeftBackups != "" {
			if d, err := register.ParseDate(t.LeftBackups); err == nil {
				row.LeftBackups = dateText(d, l)
			}
		}
		if res.DryRun {
			v.Total += t.Due
		} else {
			v.Total += t.Done
		}
		v.Rows = append(v.Rows, row)
	}
	return v
}

func (h *Handler) systemListPage(w http.ResponseWriter, r *http.Request, id session.Identity, live []export.FindingView, checked bool) {
	h.systemListPageWith(w, r, id, http.StatusOK, live, checked, nil, nil)
}

// runRefresh is how often a page with a run under way reloads.
const runRefresh = 2

func (h *Handler) systemListPageWith(w http.ResponseWriter, r *http.Request, id session.Identity, status int, live []export.FindingView, checked bool, sw *sweepView, extra func(*systemsData)) {
	l := lang(r)
	d := systemsData{base: h.base(r, id, "systems"), Live: live, Checked: checked, Sweep: sw}
	items, _, err := h.App.Systems(r.Context(), register.Filter{})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p, err := h.App.Findings(r.Context(), app.FindingFilter{Entity: "system"})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	n := map[string]int{}
	for _, f := range p.Items {
		n[f.EntityID]++
	}
	for _, x := range items {
		d.Items = append(d.Items, systemRow{S: x, Findings: n[x.ID]})
	}
	runs, err := h.App.Runs(r.Context(), run.Filter{Limit: 10})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, rn := range runs {
		d.Runs = append(d.Runs, runViewOf(rn, l))
	}
	// The sweep this page started: its progress while it runs (the page
	// reloads), its result when it has ended.
	if rid := r.URL.Query().Get("run"); rid != "" && sw == nil {
		rn, err := h.App.Run(r.Context(), rid)
		if err != nil {
			h.problem(w, r, err)
			return
		}
		v := runViewOf(rn, l)
		d.Run = &v
		if v.Running {
			d.Refresh, d.RefreshURL = runRefresh, "/systems?run="+url.QueryEscape(rn.ID)+"&lang="+string(l)
		} else if rn.Kind == run.Sweep && len(rn.Result) > 0 {
			var res app.SweepResult
			if err := json.Unmarshal(rn.Result, &res); err == nil {
				d.Sweep = sweepViewOf(&res, l)
			}
		}
	}
	if extra != nil {
		extra(&d)
	}
	h.render(w, r, status, "systems.html", d)
}

type pair struct{ Key, Value string }

type tableView struct {
	T            register.Table
	Index        int
	ActivityName string
	Rule         string // the retention statement that applies, as written
	Columns      []pair
	Events       []pair
	Action       string
}

type backupView struct{ Name, Every, Keep string }

type systemData struct {
	base
	S           *register.System
	Findings    []export.FindingView
	Tables      []tableView
	Backups     []backupView
	LeftBackups string
	Scan        *app.ScanResult
	Proposals   []proposalView
	// LastScan is the system's latest scan run (a scheduled one, or one
	// from this page), Open the proposals it left open.
	LastScan   *runView
	Open       []string
	ScanError  string
	Sample     int
	Holds      []holdView
	HoldErrors fieldErrors
	HoldForm   app.NewHold
	HoldUntil  string
}

// proposalView is one proposal of a scan with the form value that
// names it.
type proposalView struct {
	app.Proposal
	Value string
}

type holdView struct {
	H            sweep.Hold
	Until, Since string
}

func (h *Handler) systemDetail(w http.ResponseWriter, r *http.Request, id session.Identity) {
	h.systemPage(w, r, id, http.StatusOK, nil, "")
}

func (h *Handler) systemPage(w http.ResponseWriter, r *http.Request, id session.Identity, status int, scan *app.ScanResult, scanErr string) {
	h.systemPageWith(w, r, id, status, scan, scanErr, nil)
}

func (h *Handler) systemPageWith(w http.ResponseWriter, r *http.Request, id session.Identity, status int, scan *app.ScanResult, scanErr string, extra func(*systemData)) {
	l := lang(r)
	x, err := h.App.System(r.Context(), r.PathValue("id"))
	if err != nil {
		h.problem(w, r, err)
		return
	}
	d := systemData{base: h.base(r, id, "systems"), S: x, Scan: scan, ScanError: scanErr, Sample: 100}
	p, err := h.App.Findings(r.Context(), app.FindingFilter{Entity: "system", EntityID: x.ID})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Findings = export.Describe(p.Items, l)
	// The activities the tables name, read once.
	all, _, err := h.App.Activities(r.Context(), register.Filter{})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	acts := make(map[string]*register.Activity, len(all))
	for _, a := range all {
		acts[a.ID] = a
	}
	for i, t := range x.Tables {
		tv := tableView{T: t, Index: i, Action: locale.T(l, "ui.system.action."+string(t.Sweep()))}
		if a := acts[t.Activity]; a != nil {
			tv.ActivityName = a.Name
			tv.Rule = t.Statement(a)
		}
		for _, c := range slices.Sorted(maps.Keys(t.Columns)) {
			tv.Columns = append(tv.Columns, pair{c, t.Columns[c]})
		}
		for _, e := range slices.Sorted(maps.Keys(t.Events)) {
			tv.Events = append(tv.Events, pair{locale.T(l, "event."+string(e)), t.Events[e]})
		}
		d.Tables = append(d.Tables, tv)
	}
	for _, b := range x.Backups {
		bv := backupView{Name: b.Name}
		if b.Every != nil {
			bv.Every = export.PeriodText(*b.Every, l)
		}
		if b.Keep != nil {
			bv.Keep = export.PeriodText(*b.Keep, l)
		}
		d.Backups = append(d.Backups, bv)
	}
	if day, ok := x.LeftBackups(h.App.Now().In(retention.Berlin)); ok {
		d.LeftBackups = dateText(register.DateOf(day), l)
	}
	holds, err := h.App.Holds(r.Context(), x.ID, false)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, hd := range holds {
		hv := holdView{H: hd, Since: dateText(register.DateOf(hd.Created.In(retention.Berlin)), l)}
		if hd.Until != nil {
			hv.Until = dateText(register.DateOf(hd.Until.In(retention.Berlin)), l)
		}
		d.Holds = append(d.Holds, hv)
	}
	if rs, err := h.App.Runs(r.Context(), run.Filter{Kind: run.Scan, System: x.ID, Limit: 1}); err == nil && len(rs) > 0 {
		v := runViewOf(rs[0], l)
		d.LastScan = &v
		var sum app.ScanSummary
		if json.Unmarshal(rs[0].Result, &sum) == nil {
			d.Open = sum.Proposals
		}
	}
	if scan != nil {
		for _, p := range scan.Proposals() {
			d.Proposals = append(d.Proposals, proposalView{Proposal: p, Value: p.Ref.Table + "\t" + p.Ref.Column})
		}
	}
	if extra != nil {
		extra(&d)
	}
	h.render(w, r, status, "system.html", d)
}

// addHold places a hold from the system page's form; a refusal shows
// the form again with the message at its field.
func (h *Handler) addHold(w http.ResponseWriter, r *http.Request, id session.Identity) {
	l := lang(r)
	n := app.NewHold{System: r.PathValue("id"), Table: r.PostFormValue("table"), Column: r.PostFormValue("column"),
		Value: r.PostFormValue("value"), Reason: r.PostFormValue("reason")}
	until := r.PostFormValue("until")
	again := func(field, msg string, status int) {
		h.systemPageWith(w, r, id, status, nil, "", func(d *systemData) {
			n.Value = "" // a value is not sent back into the page
			d.HoldForm, d.HoldUntil, d.HoldErrors = n, until, fieldErrors{field: msg}
		})
	}
	if until != "" {
		u, err := register.ParseDate(until)
		if err != nil {
			again("until", locale.T(l, "ui.err.date"), http.StatusBadRequest)
			return
		}
		n.Until = &u
	}
	if _, err := h.App.AddHold(r.Context(), n); err != nil {
		var ge *gdpr.Error
		if errors.As(err, &ge) && ge.Code == gdpr.EINVALID {
			field := ge.Field
			if field == "" {
				field = "value"
			}
			again(field, gdpr.Localized(err, l), http.StatusBadRequest)
			return
		}
		h.problem(w, r, err)
		return
	}
	http.Redirect(w, r, "/systems/"+n.System+"?done=holdadded&lang="+string(l)+"#holds", http.StatusSeeOther)
}

// liftHold lifts a hold from the system page.
func (h *Handler) liftHold(w http.ResponseWriter, r *http.Request, id session.Identity) {
	if err := h.App.LiftHold(r.Context(), r.PathValue("hold")); err != nil {
		h.problem(w, r, err)
		return
	}
	http.Redirect(w, r, "/systems/"+r.PathValue("id")+"?done=holdlifted&lang="+string(lang(r))+"#holds", http.StatusSeeOther)
}

// scanSystem runs a scan and shows what it found on the system's page,
// each proposal with its decision; with write=1 it applies the decisions
// posted (ref<i> and d<i>: accept, reject or none) and goes back to the
// page.
func (h *Handler) scanSystem(w http.ResponseWriter, r *http.Request, id session.Identity) {
	l := lang(r)
	sample, _ := strconv.Atoi(r.PostFormValue("sample"))
	o := app.ScanOptions{Sample: sample, Write: r.PostFormValue("write") == "1", Lang: l}
	if o.Write {
		for i := 0; ; i++ {
			ref, ok := r.PostForm["ref"+strconv.Itoa(i)]
			if !ok || len(ref) != 1 {
				break
			}
			table, column, _ := strings.Cut(ref[0], "\t")
			switch r.PostFormValue("d" + strconv.Itoa(i)) {
			case "accept":
				o.Accept = append(o.Accept, app.ScanRef{Table: table, Column: column})
			case "reject":
				o.Reject = append(o.Reject, app.ScanRef{Table: table, Column: column})
			}
		}
		if len(o.Accept) == 0 && len(o.Reject) == 0 {
			// Nothing decided is nothing to write (not "accept all").
			http.Redirect(w, r, "/systems/"+r.PathValue("id")+"?lang="+string(l)+"#h-scan", http.StatusSeeOther)
			return
		}
	}
	res, err := h.App.ScanSystem(r.Context(), r.PathValue("id"), o)
	if err != nil {
		if code := httpx.Code(err); o.Write && code != gdpr.EINVALID || code == gdpr.EINTERNAL || code == gdpr.EFORBIDDEN {
			h.problem(w, r, err)
			return
		}
		// What the system answered (a variable unset, a database down, a
		// proposal gone since the page was shown) is shown where the scan
		// was asked for.
		h.systemPage(w, r, id, httpx.StatusOf(httpx.Code(err)), nil, gdpr.Localized(err, l))
		return
	}
	if o.Write {
		http.Redirect(w, r, "/systems/"+r.PathValue("id")+"?done=scanwritten&lang="+string(l), http.StatusSeeOther)
		return
	}
	h.systemPage(w, r, id, http.StatusOK, res, "")
}
