package web

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"gdpr"
	"gdpr/audit"
	"gdpr/connector"
	"gdpr/export"
	"gdpr/locale"
	"gdpr/period"
	"gdpr/register"
	"gdpr/retention"
	"gdpr/session"
)

// The mapping editor: a system's connection and backups on one form,
// each table's mapping on its own. Both write the whole system with the
// version the form was read at, so that a change made meanwhile is a
// conflict, never overwritten.

// systemForm is a system as its form shows it (without its tables).
type systemForm struct {
	ID, Name, Engine, DSNEnv, DSNFile, Description, Status string
	Backups                                                []backupRow
	Version                                                int
}

// backupRow is one backup on the form; Every and Keep are ISO 8601
// periods picked from a list.
type backupRow struct{ Name, Every, Keep string }

// backupEvery and backupKeep are what the form offers; a system's own
// other period (from an import) is offered too, so that saving the form
// never changes it unasked.
var (
	backupEvery = []string{"P1D", "P1W", "P1M"}
	backupKeep  = []string{"P1D", "P7D", "P2W", "P30D", "P3M", "P6M", "P1Y", "P10Y"}
)

// emptyBackups are the blank rows a form offers for new backups.
const emptyBackups = 2

func systemFormOf(x *register.System) systemForm {
	f := systemForm{ID: x.ID, Name: x.Name, Engine: string(x.Engine), DSNEnv: x.DSNEnv, DSNFile: x.DSNFile,
		Description: x.Description, Status: string(x.Status), Version: x.Version}
	for _, b := range x.Backups {
		row := backupRow{Name: b.Name}
		if b.Every != nil {
			row.Every = b.Every.String()
		}
		if b.Keep != nil {
			row.Keep = b.Keep.String()
		}
		f.Backups = append(f.Backups, row)
	}
	return f
}

type systemFormData struct {
	base
	New      bool
	Form     systemForm
	Errors   fieldErrors
	Engines  []option
	Statuses []option
	Every    []option
	Keep     []option
	Conflict string
}

func periodOptions(ps []string, own []string, l locale.Lang) []option {
	var out []option
	for _, p := range append(slices.Clone(ps), own...) {
		if p == "" || slices.ContainsFunc(out, func(o option) bool { return o.Value == p }) {
			continue
		}
		label := p
		if x, err := period.Parse(p); err == nil {
			label = export.PeriodText(x, l)
		}
		out = append(out, option{p, label})
	}
	return out
}

func (h *Handler) systemFormPage(w http.ResponseWriter, r *http.Request, id session.Identity, status int, isNew bool, f systemForm, errs fieldErrors) {
	l := lang(r)
	d := systemFormData{base: h.base(r, id, "systems"), New: isNew, Form: f, Errors: errs}
	for len(d.Form.Backups) < len(f.Backups)+emptyBackups {
		d.Form.Backups = append(d.Form.Backups, backupRow{})
	}
	var every, keep []string
	for _, b := range f.Backups {
		every, keep = append(every, b.Every), append(keep, b.Keep)
	}
	d.Every, d.Keep = periodOptions(backupEvery, every, l), periodOptions(backupKeep, keep, l)
	for _, e := range register.Engines {
		d.Engines = append(d.Engines, option{string(e), locale.T(l, "value.engine."+string(e))})
	}
	// In use (no status) or a draft; archiving is the archive button's.
	d.Statuses = []option{{"", locale.T(l, "ui.system.inuse")}, {string(register.StatusDraft), locale.T(l, "value.status.draft")}}
	if f.Status == string(register.StatusArchived) {
		d.Statuses = append(d.Statuses, option{string(register.StatusArchived), locale.T(l, "value.status.archived")})
	}
	if status == http.StatusConflict {
		d.Conflict = errs["version"]
	}
	h.render(w, r, status, "system_form.html", d)
}

func (h *Handler) newSystem(w http.ResponseWriter, r *http.Request, id session.Identity) {
	h.systemFormPage(w, r, id, http.StatusOK, true, systemForm{Engine: string(register.EnginePostgres), Status: string(register.StatusDraft)}, nil)
}

func (h *Handler) editSystem(w http.ResponseWriter, r *http.Request, id session.Identity) {
	x, err := h.App.System(r.Context(), r.PathValue("id"))
	if err != nil {
		h.problem(w, r, err)
		return
	}
	h.systemFormPage(w, r, id, http.StatusOK, false, systemFormOf(x), nil)
}

// systemFromForm reads the posted system onto old's tables (a new system
// has none); every field error comes back at once, keyed by field.
func systemFromForm(r *http.Request, old *register.System, l locale.Lang) (systemForm, *register.System, fieldErrors) {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f := systemForm{ID: v("id"), Name: v("name"), Engine: v("engine"), DSNEnv: v("dsn_env"), DSNFile: v("dsn_file"),
		Description: strings.ReplaceAll(v("description"), "\r\n", "\n"), Status: v("status")}
	f.Version, _ = strconv.Atoi(v("version"))
	x := &register.System{}
	if old != nil {
		*x = *old
		f.ID = old.ID
	}
	x.ID, x.Name, x.Engine, x.DSNEnv, x.DSNFile = f.ID, f.Name, register.Engine(f.Engine), f.DSNEnv, f.DSNFile
	x.Description, x.Status = f.Description, register.Status(f.Status)
	x.Backups = nil
	errs := fieldErrors{}
	for i := 0; i < 100; i++ {
		k := strconv.Itoa(i)
		if _, ok := r.PostForm["backup_name"+k]; !ok {
			break
		}
		row := backupRow{Name: v("backup_name" + k), Every: v("backup_every" + k), Keep: v("backup_keep" + k)}
		if row.Name == "" {
			continue // an empty row is no backup (its selects have defaults)
		}
		f.Backups = append(f.Backups, row)
		b := register.Backup{Name: row.Name}
		if p, err := period.Parse(row.Every); row.Every != "" && err == nil {
			b.Every = &p
		}
		if p, err := period.Parse(row.Keep); err == nil {
			b.Keep = &p
		} else {
			errs[fmt.Sprintf("backups[%d]", len(x.Backups))] = locale.T(l, "ui.err.period")
		}
		x.Backups = append(x.Backups, b)
	}
	if x.ID == "" && old == nil {
		x.ID = register.Slug(x.Name)
	}
	for _, p := range x.Problems() {
		field := p.Field
		if strings.HasPrefix(field, "backups[") {
			field = field[:strings.IndexByte(field, ']')+1]
		}
		if strings.HasPrefix(field, "tables") || strings.HasPrefix(field, "ignore") {
			field = "name" // a table's problem is its form's; shown here at the top
		}
		if _, taken := errs[field]; !taken {
			errs[field] = gdpr.Localized(p, l)
		}
	}
	if old == nil && f.ID == "" {
		if e, ok := errs["id"]; ok && x.Name != "" {
			errs["name"], errs["id"] = e, ""
			delete(errs, "id")
		}
	}
	return f, x, errs
}

func (h *Handler) saveSystem(w http.ResponseWriter, r *http.Request, id session.Identity) {
	old, isNew, ok := editing(h, w, r, h.App.System)
	if !ok {
		return
	}
	l := lang(r)
	f, x, errs := systemFromForm(r, old, l)
	action := audit.SystemUpdate
	if isNew {
		action = audit.SystemCreate
	}
	if len(errs) > 0 {
		h.App.Failed(r.Context(), action, x.ID, gdpr.EINVALID)
		h.systemFormPage(w, r, id, http.StatusUnprocessableEntity, isNew, f, errs)
		return
	}
	var saved *register.System
	var err error
	if isNew {
		saved, err = h.App.CreateSystem(r.Context(), x)
	} else {
		saved, err = h.App.UpdateSystem(r.Context(), x, f.Version)
	}
	h.saveAnswer(w, r, err, isNew, "name", func() string { return "/systems/" + saved.ID + "?done=saved&lang=" + string(l) },
		func(status int, errs fieldErrors) { h.systemFormPage(w, r, id, status, isNew, f, errs) })
}

func (h *Handler) confirmArchiveSystem(w http.ResponseWriter, r *http.Request, id session.Identity) {
	x, err := h.App.System(r.Context(), r.PathValue("id"))
	if err != nil {
		h.problem(w, r, err)
		return
	}
	l := lang(r)
	h.render(w, r, http.StatusOK, "confirm.html", confirmData{base: h.base(r, id, "systems"),
		Heading: locale.T(l, "ui.archive.system.heading"), Question: locale.T(l, "ui.archive.system.question", x.Name),
		Action: "/systems/" + x.ID + "/archive", Back: "/systems/" + x.ID + "?lang=" + string(l), Version: x.Version})
}

func (h *Handler) archiveSystem(w http.ResponseWriter, r *http.Request, id session.Identity) {
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	if _, err := h.App.ArchiveSystem(r.Context(), r.PathValue("id"), version); err != nil {
		h.problem(w, r, err)
		return
	}
	http.Redirect(w, r, "/systems?done=archived&lang="+string(lang(r)), http.StatusSeeOther)
}

// tableForm is one table's mapping as its form shows it.
type tableForm struct {
	Index                                      int // -1 for a new table
	Name, Activity, Retention, Action          string
	Flag, Restricted                           string
	Columns                                    []columnRow
	Events                                     map[string]string
	Version                                    int
	Anonymise, NotPersonal, SubjectKeyUnlisted []string
}

// columnRow is one column on the table form.
type columnRow struct {
	Name, Category        string
	Key, Anonymise, InDB  bool
	Type                  string
	Mapped, UnknownInBase bool
}

// emptyColumns are the blank rows a table form offers.
const emptyColumns = 3

type eventField struct {
	Event, Label, Column string
	Needed               bool
}

type tableFormData struct {
	base
	S          *register.System
	New        bool
	Form       tableForm
	Errors     fieldErrors
	Activities []option
	Actions    []option
	Events     []eventField
	More       []eventField // the events the rule does not need
	Categories []string     // data categories of the activities (suggestions)
	Retentions []string     // data categories of retention statements
	DBTables   []string     // the database's tables, when it answered
	Unmapped   []string     // those of them the system does not map
	SchemaNote string       // why the database's columns are not shown
	Conflict   string
}

func tableFormOf(x *register.System, i int) tableForm {
	f := tableForm{Index: i, Version: x.Version, Events: map[string]string{}}
	if i < 0 {
		return f
	}
	t := x.Tables[i]
	f.Name, f.Activity, f.Retention, f.Action, f.Flag, f.Restricted = t.Name, t.Activity, t.Retention, string(t.Action), t.Flag, t.Restricted
	f.NotPersonal = t.NotPersonal
	for e, c := range t.Events {
		f.Events[string(e)] = c
	}
	names := slices.Sorted(maps.Keys(t.Columns))
	for _, k := range t.SubjectKey {
		if !slices.Contains(names, k) {
			names = append(names, k)
		}
	}
	for _, c := range t.Anonymise {
		if !slices.Contains(names, c) {
			names = append(names, c)
		}
	}
	for _, n := range names {
		f.Columns = append(f.Columns, columnRow{Name: n, Category: t.Columns[n], Key: slices.Contains(t.SubjectKey, n),
			Anonymise: slices.Contains(t.Anonymise, n), Mapped: true})
	}
	return f
}

// systemTable reads the system and the index of the table the path
// names; an unknown one has had its error page.
func (h *Handler) systemTable(w http.ResponseWriter, r *http.Request) (*register.System, int, bool) {
	x, err := h.App.System(r.Context(), r.PathValue("id"))
	if err != nil {
		h.problem(w, r, err)
		return nil, 0, false
	}
	i, err := tableIndex(r, x)
	if err != nil {
		h.problem(w, r, err)
		return nil, 0, false
	}
	return x, i, true
}

// tableIndex is the table the path names, checked against the system.
func tableIndex(r *http.Request, x *register.System) (int, error) {
	i, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || i < 0 || i >= len(x.Tables) {
		return 0, gdpr.Keyed(gdpr.ENOTFOUND, "", "notfound.table", r.PathValue("n"), x.ID)
	}
	return i, nil
}

func (h *Handler) tableFormPage(w http.ResponseWriter, r *http.Request, id session.Identity, status int, x *register.System, f tableForm, errs fieldErrors) {
	l := lang(r)
	d := tableFormData{base: h.base(r, id, "systems"), S: x, New: f.Index < 0, Form: f, Errors: errs}
	acts, _, err := h.App.Activities(r.Context(), register.Filter{})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var rule *retention.Rule
	for _, a := range acts {
		d.Activities = append(d.Activities, option{a.ID, a.Name})
		for _, c := range a.DataCategories {
			if !slices.Contains(d.Categories, c) {
				d.Categories = append(d.Categories, c)
			}
		}
		for _, s := range a.Retention {
			if s.DataCategory != "" && !slices.Contains(d.Retentions, s.DataCategory) {
				d.Retentions = append(d.Retentions, s.DataCategory)
			}
		}
		if a.ID == f.Activity {
			t := register.Table{Retention: f.Retention}
			if ru, key, _ := t.TableRule(a); key == "" {
				rule = &ru
			}
		}
	}
	for _, a := range register.SweepActions {
		d.Actions = append(d.Actions, option{string(a), locale.T(l, "ui.system.action."+string(a))})
	}
	var needed []retention.Event
	if rule != nil {
		needed = register.RuleEvents(*rule)
	}
	for _, e := range retention.Events {
		ef := eventField{Event: string(e.Event), Label: locale.T(l, "eventname."+string(e.Event)), Column: f.Events[string(e.Event)],
			Needed: slices.Contains(needed, e.Event)}
		if ef.Needed || ef.Column != "" {
			d.Events = append(d.Events, ef)
		} else {
			d.More = append(d.More, ef)
		}
	}
	// The database's columns, when it answers: the DPO maps what is
	// there instead of typing names. Names and types only, no values.
	if sc, err := h.App.SystemSchema(r.Context(), x.ID); err != nil {
		d.SchemaNote = gdpr.Localized(err, l)
	} else {
		for _, t := range sc.Tables {
			d.DBTables = append(d.DBTables, t.Name)
			if _, ok := x.Table(t.Name); !ok {
				d.Unmapped = append(d.Unmapped, t.Name)
			}
		}
		if ct, ok := sc.Table(f.Name); ok {
			d.Form.Columns = mergeColumns(d.Form.Columns, ct)
		}
	}
	for range emptyColumns {
		d.Form.Columns = append(d.Form.Columns, columnRow{})
	}
	if status == http.StatusConflict {
		d.Conflict = errs["version"]
	}
	h.render(w, r, status, "table_form.html", d)
}

// mergeColumns adds the database's columns the mapping lacks, in the
// database's order after the mapped ones, and marks which exist.
func mergeColumns(rows []columnRow, ct *connector.Table) []columnRow {
	for i := range rows {
		if c, ok := ct.Column(rows[i].Name); ok {
			rows[i].InDB, rows[i].Type = true, c.Type
		} else if rows[i].Name != "" {
			rows[i].UnknownInBase = true
		}
	}
	for _, c := range ct.Columns {
		if !slices.ContainsFunc(rows, func(r columnRow) bool { return r.Name == c.Name }) {
			rows = append(rows, columnRow{Name: c.Name, InDB: true, Type: c.Type})
		}
	}
	return rows
}

func (h *Handler) newTable(w http.ResponseWriter, r *http.Request, id session.Identity) {
	x, err := h.App.System(r.Context(), r.PathValue("id"))
	if err != nil {
		h.problem(w, r, err)
		return
	}
	f := tableFormOf(x, -1)
	f.Name = r.URL.Query().Get("table")
	h.tableFormPage(w, r, id, http.StatusOK, x, f, nil)
}

func (h *Handler) editTable(w http.ResponseWriter, r *http.Request, id session.Identity) {
	x, i, ok := h.systemTable(w, r)
	if !ok {
		return
	}
	h.tableFormPage(w, r, id, http.StatusOK, x, tableFormOf(x, i), nil)
}

// tableFromForm reads the posted table: rows of columns (a row with a
// category maps the column, a ticked key makes it part of the subject
// key), the events' columns, the action. Columns the scan was told are
// not personal stay so.
func tableFromForm(r *http.Request, f tableForm) (tableForm, register.Table) {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f.Name, f.Activity, f.Retention, f.Action = v("name"), v("activity"), v("retention"), v("action")
	f.Flag, f.Restricted = v("flag"), v("restricted")
	f.Version, _ = strconv.Atoi(v("version"))
	f.Columns, f.Events = nil, map[string]string{}
	t := register.Table{Name: f.Name, Activity: f.Activity, Retention: f.Retention, Action: register.SweepAction(f.Action),
		Flag: f.Flag, Restricted: f.Restricted, NotPersonal: f.NotPersonal}
	if t.Action == register.SweepDelete {
		t.Action = "" // the default, as the native format writes it
	}
	for i := 0; i < 1000; i++ {
		k := strconv.Itoa(i)
		if _, ok := r.PostForm["col"+k]; !ok {
			break
		}
		row := columnRow{Name: v("col" + k), Category: v("cat" + k), Key: r.PostFormValue("key"+k) == "on",
			Anonymise: r.PostFormValue("anon"+k) == "on", InDB: r.PostFormValue("indb"+k) == "1", Type: v("type" + k)}
		if row.Name == "" {
			continue
		}
		if row.Category == "" && !row.Key && !row.Anonymise {
			if row.InDB {
				f.Columns = append(f.Columns, row) // shown again, not mapped
			}
			continue
		}
		row.Mapped = true
		f.Columns = append(f.Columns, row)
		if row.Category != "" {
			if t.Columns == nil {
				t.Columns = map[string]string{}
			}
			t.Columns[row.Name] = row.Category
		}
		if row.Key {
			t.SubjectKey = append(t.SubjectKey, row.Name)
		}
		if row.Anonymise {
			t.Anonymise = append(t.Anonymise, row.Name)
		}
	}
	for _, e := range retention.Events {
		if c := v("event_" + string(e.Event)); c != "" {
			f.Events[string(e.Event)] = c
			if t.Events == nil {
				t.Events = map[retention.Event]string{}
			}
			t.Events[e.Event] = c
		}
	}
	return f, t
}

// onTableForm are the messages a table's own form says without naming
// the table.
var onTableForm = map[string]string{"invalid.flag.none": "ui.table.err.flag", "invalid.anonymise.none": "ui.table.err.anonymise"}

func (h *Handler) saveTable(w http.ResponseWriter, r *http.Request, id session.Identity) {
	l := lang(r)
	x, err := h.App.System(r.Context(), r.PathValue("id"))
	if err != nil {
		h.problem(w, r, err)
		return
	}
	i := -1
	if r.PathValue("n") != "" {
		if i, err = tableIndex(r, x); err != nil {
			h.problem(w, r, err)
			return
		}
	}
	f, t := tableFromForm(r, tableFormOf(x, i))
	c := *x
	c.Tables = slices.Clone(x.Tables)
	if i < 0 {
		c.Tables = append(c.Tables, t)
		i = len(c.Tables) - 1
	} else {
		c.Tables[i] = t
	}
	f.Index = i
	if r.PathValue("n") == "" {
		f.Index = -1
	}
	errs := fieldErrors{}
	prefix := fmt.Sprintf("tables[%d].", i)
	for _, p := range c.Problems() {
		field := strings.TrimPrefix(p.Field, prefix)
		if field == p.Field {
			field = "name" // another table's or the system's: shown at the top
		}
		msg := gdpr.Localized(p, l)
		if k, ok := onTableForm[p.Key]; ok && field != "name" {
			msg = locale.T(l, k) // the form is the table's: no need to name it
		}
		if _, taken := errs[field]; !taken {
			errs[field] = msg
		}
	}
	if t.Name == "" {
		errs["name"] = locale.T(l, "ui.err.required")
	}
	if len(errs) > 0 {
		h.App.Failed(r.Context(), audit.SystemUpdate, x.ID, gdpr.EINVALID)
		h.tableFormPage(w, r, id, http.StatusUnprocessableEntity, x, f, errs)
		return
	}
	_, err = h.App.UpdateSystem(r.Context(), &c, f.Version)
	h.saveAnswer(w, r, err, false, "name", func() string { return fmt.Sprintf("/systems/%s?done=saved&lang=%s#table-%d", x.ID, l, i) },
		func(status int, errs fieldErrors) { h.tableFormPage(w, r, id, status, x, f, errs) })
}

func (h *Handler) confirmRemoveTable(w http.ResponseWriter, r *http.Request, id session.Identity) {
	x, i, ok := h.systemTable(w, r)
	if !ok {
		return
	}
	l := lang(r)
	h.render(w, r, http.StatusOK, "confirm.html", confirmData{base: h.base(r, id, "systems"),
		Heading: locale.T(l, "ui.table.remove.heading"), Question: locale.T(l, "ui.table.remove.question", x.Tables[i].Name, x.Name),
		Action: fmt.Sprintf("/systems/%s/tables/%d/remove", x.ID, i), Back: fmt.Sprintf("/systems/%s?lang=%s#table-%d", x.ID, l, i),
		Version: x.Version, Button: locale.T(l, "ui.table.remove"), Note: locale.T(l, "ui.table.remove.note")})
}

// removeTable takes a table out of the mapping (the system's history
// keeps it); the version guards against removing another table than the
// one the page showed at that index.
func (h *Handler) removeTable(w http.ResponseWriter, r *http.Request, id session.Identity) {
	x, i, ok := h.systemTable(w, r)
	if !ok {
		return
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	c := *x
	c.Tables = slices.Delete(slices.Clone(x.Tables), i, i+1)
	if _, err := h.App.UpdateSystem(r.Context(), &c, version); err != nil {
		h.problem(w, r, err)
		return
	}
	http.Redirect(w, r, "/systems/"+x.ID+"?done=saved&lang="+string(lang(r))+"#h-tables", http.StatusSeeOther)
}
