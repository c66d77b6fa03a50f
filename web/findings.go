package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"gdpr/app"
	"gdpr/export"
	"gdpr/locale"
	"gdpr/register"
	"gdpr/session"
)

// findingRow is one finding as the findings page lists it: what entry,
// what is wrong, the law, and where to fix it.
type findingRow struct {
	export.FindingView
	Kind, Name, Entry, Fix string
}

type findingsData struct {
	base
	Items                   []findingRow
	Total                   int
	Severity, Rule, Entity  string
	Rules, Severities, Kind []option
	Counts                  severityCounts
	paging
}

// findingKinds are the kinds of entries findings are about.
var findingKinds = []string{"controller", "activity", "measure", "system"}

func (h *Handler) findingsPage(w http.ResponseWriter, r *http.Request, id session.Identity) {
	l := lang(r)
	q := r.URL.Query()
	d := findingsData{base: h.base(r, id, "findings"), Severity: q.Get("severity"), Rule: q.Get("rule"), Entity: q.Get("entity"), paging: pageAt(q)}
	if !slices.Contains([]string{"error", "warning", "info"}, d.Severity) {
		d.Severity = ""
	}
	if !slices.Contains(findingKinds, d.Entity) {
		d.Entity = ""
	}
	p, err := h.App.Findings(r.Context(), app.FindingFilter{Severity: register.Severity(d.Severity), Code: d.Rule, Entity: d.Entity, Offset: d.Offset, Limit: pageSize})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	titles, err := h.App.MeasureTitles(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Total, d.Counts = p.Total, countsOf(p.Counts)
	for _, s := range []string{"error", "warning", "info"} {
		d.Severities = append(d.Severities, option{s, locale.T(l, "value.severity."+s)})
	}
	for _, k := range findingKinds {
		d.Kind = append(d.Kind, option{k, locale.T(l, "value.entity."+k)})
	}
	// The rules that have findings, by their names, with their counts.
	for _, rule := range register.Rules {
		if n := p.ByCode[rule.Code]; n > 0 || rule.Code == d.Rule {
			d.Rules = append(d.Rules, option{rule.Code, locale.T(l, "rule."+rule.Code) + " (" + strconv.Itoa(n) + ")"})
		}
	}
	for _, f := range export.Describe(p.Items, l) {
		row := findingRow{FindingView: f, Kind: locale.T(l, "value.entity."+f.Entity), Fix: fixLink(f.Finding, l)}
		switch f.Entity {
		case "activity":
			row.Name, row.Entry = p.Names[f.EntityID], "/activities/"+f.EntityID+"?lang="+string(l)
		case "measure":
			row.Name, row.Entry = titles[f.EntityID], "/toms?lang="+string(l)+"#tom-"+f.EntityID
		case "system":
			row.Name, row.Entry = f.EntityID, "/systems/"+f.EntityID+"?lang="+string(l)
		default:
			row.Name, row.Entry = locale.T(l, "export.controller"), "/controller?lang="+string(l)
		}
		if row.Name == "" {
			row.Name = f.EntityID
		}
		d.Items = append(d.Items, row)
	}
	d.of(p.Total)
	h.render(w, r, http.StatusOK, "findings.html", d)
}

// activityAnchors are the form inputs of the activity fields the lint
// names, where they differ from "f-" and the field.
var activityAnchors = map[string]string{
	"third_country_transfers": "f-transfers", "contact": "f-contact_name", "dpia": "f-dpia_required", "toms": "tom-picker",
}

// fixLink leads to the input of the field a finding is about, on the
// form that edits it.
func fixLink(f register.Finding, l locale.Lang) string {
	field, _, _ := strings.Cut(f.Field, "[")
	switch f.Entity {
	case "activity":
		anchor := activityAnchors[field]
		if anchor == "" {
			anchor = "f-" + field
		}
		return "/activities/" + f.EntityID + "/edit?lang=" + string(l) + "#" + anchor
	case "measure":
		anchor := "m-" + field
		if field == "last_reviewed" {
			// A review is recorded on the list, beside the measure.
			return "/toms?lang=" + string(l) + "#ev-" + f.EntityID
		}
		return "/toms/" + f.EntityID + "/edit?lang=" + string(l) + "#" + anchor
	case "system":
		// The mapping is edited in the native format (import) or the
		// API; the page shows the table the finding names.
		anchor := "system"
		if strings.HasPrefix(f.Field, "tables[") {
			anchor = "table-" + strings.TrimSuffix(strings.TrimPrefix(strings.SplitN(f.Field, "]", 2)[0], "tables["), "]")
		}
		return "/systems/" + f.EntityID + "?lang=" + string(l) + "#" + anchor
	}
	sub := strings.TrimPrefix(field, "controller.")
	return "/controller?lang=" + string(l) + "#c-" + sub
}
