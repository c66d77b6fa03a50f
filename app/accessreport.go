package app

import (
	"context"
	"io"
	"maps"
	"slices"
	"strings"

	"gdpr/audit"
	"gdpr/auth"
	"gdpr/authority"
	"gdpr/export"
	"gdpr/holiday"
	"gdpr/locale"
	"gdpr/register"
	"gdpr/request"
)

// ReportActivity is one processing activity that holds the person's
// data, with what Art. 15(1)(a)-(d) and 15(2) GDPR ask to be told.
type ReportActivity struct {
	ID, Name     string
	Purposes     []string             // (a)
	LegalBases   []string             // Art. 13(1)(c), told with the purposes
	Categories   []string             // (b): the activity's and the mapped columns'
	Recipients   []register.Recipient // (c)
	NoRecipients bool
	Transfers    []register.Transfer // (c), 15(2) with their safeguards
	Retention    []string            // (d) as written
	Sources      []string            // (g) where data not collected from the person comes from
	Automated    string              // (h) automated decisions: the logic and the consequences
	Tables       []string            // where the data was found (system: table)
}

// AccessReport is the answer to an access request (Art. 15 GDPR) as the
// register and the systems give it, for staff to review before release:
// the activities that hold the person's data with (a)-(d), the rights (e)
// and the authority (f), the copy of the data (15(3)); Review lists what
// the register cannot say and staff must check ((g) the source, (h)
// automated decisions, third parties' data under 15(4)).
type AccessReport struct {
	Request    *request.Request
	Controller *register.Controller
	Activities []*ReportActivity
	// Unmapped are the tables found that belong to no activity (by a
	// foreign key): their data is in the copy, their purpose to be told.
	Unmapped  []string
	Authority authority.Authority
	Data      *SubjectData
	Review    []string // catalogue keys
	// Redactions are what staff withhold from the copy (Art. 15(4));
	// Stale those that cover nothing found any more (a release stops).
	Redactions []request.Redaction
	Stale      []request.Redaction
}

// RequestReport builds the access report of a request from the register
// and the person's data in the systems (a search, recorded as such).
func (a *App) RequestReport(ctx context.Context, id string) (*AccessReport, error) {
	if _, err := a.require(ctx, auth.Subjects, audit.RequestSearch, id); err != nil {
		return nil, err
	}
	d, err := a.FindRequestData(ctx, id)
	if err != nil {
		return nil, err
	}
	r, err := a.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	h, err := a.store.Header(ctx)
	if err != nil {
		return nil, err
	}
	acts, err := a.activitiesByID(ctx)
	if err != nil {
		return nil, err
	}
	systems, _, err := a.store.FindSystems(ctx, register.Filter{})
	if err != nil {
		return nil, err
	}
	stale, err := a.redact(ctx, r, d)
	if err != nil {
		return nil, err
	}
	rep := &AccessReport{Request: r, Controller: h.Controller, Data: d, Stale: stale, Review: []string{"report.review.thirdparties"}}
	if h.Controller != nil {
		rep.Authority, _ = authority.Of(holiday.State(h.Controller.State))
	}
	if rep.Authority.Name == "" {
		rep.Review = append(rep.Review, "report.review.authority")
	}
	if len(d.Unreachable) > 0 {
		rep.Review = append(rep.Review, "report.review.unreachable")
	}
	byID := map[string]*ReportActivity{}
	for _, ft := range d.Tables {
		where := ft.SystemName + ": " + ft.Table
		act := acts[ft.Activity]
		if act == nil {
			rep.Unmapped = append(rep.Unmapped, where)
			continue
		}
		ra := byID[act.ID]
		if ra == nil {
			ra = &ReportActivity{ID: act.ID, Name: act.Name, Purposes: act.Purposes, LegalBases: act.LegalBases, Categories: slices.Clone(act.DataCategories),
				Recipients: act.Recipients.Items, NoRecipients: act.Recipients.None, Transfers: act.ThirdCountryTransfers.Items,
				Sources: act.Sources, Automated: act.Automated}
			for _, s := range act.Retention {
				ra.Retention = append(ra.Retention, s.Text)
			}
			byID[act.ID] = ra
			rep.Activities = append(rep.Activities, ra)
		}
		ra.Tables = append(ra.Tables, where)
		// The categories the register gives the table's columns.
		for _, x := range systems {
			if x.ID != ft.System {
				continue
			}
			if t, ok := x.Table(ft.Table); ok {
				for _, c := range slices.Sorted(maps.Values(t.Columns)) {
					if !slices.ContainsFunc(ra.Categories, func(s string) bool { return strings.EqualFold(s, c) }) {
						ra.Categories = append(ra.Categories, c)
					}
				}
			}
		}
	}
	if len(rep.Unmapped) > 0 {
		rep.Review = append(rep.Review, "report.review.unmapped")
	}
	// (g) and (h) where the register does not say them for every
	// activity found.
	var first []string
	if len(rep.Activities) == 0 || slices.ContainsFunc(rep.Activities, func(ra *ReportActivity) bool { return len(ra.Sources) == 0 }) {
		first = append(first, "report.review.source")
	}
	if len(rep.Activities) == 0 || slices.ContainsFunc(rep.Activities, func(ra *ReportActivity) bool { return strings.TrimSpace(ra.Automated) == "" }) {
		first = append(first, "report.review.automated")
	}
	rep.Review = append(first, rep.Review...)
	if len(stale) > 0 {
		rep.Review = append(rep.Review, "report.review.stale")
	}
	if rep.Redactions, err = a.Redactions(ctx, id); err != nil {
		return nil, err
	}
	return rep, nil
}

// WriteAccessPDF writes an access report as the PDF the person gets, in
// the request's language: (a)-(f) per activity from the register, then
// the copy of the data as found (redactions applied).
func (a *App) WriteAccessPDF(w io.Writer, rep *AccessReport) error {
	l := langOf(rep.Request.Lang)
	t := func(key string, args ...any) string { return locale.T(l, key, args...) }
	now := a.now()
	name := ""
	if rep.Controller != nil {
		name = rep.Controller.Name
	}
	doc := &export.Access{Title: t("ui.areport"), Controller: name, Lang: l,
		AsOf:  t("export.asof", locale.Time(l, now)),
		Intro: t("export.access.intro", t("value.request.kind."+string(rep.Request.Kind)), mailDate(rep.Request.Received, l))}
	orDash := func(vs []string) []string {
		if len(vs) == 0 {
			return []string{"–"}
		}
		return vs
	}
	for _, ra := range rep.Activities {
		rows := []export.Row{
			{Label: t("ui.areport.a"), Values: orDash(ra.Purposes)},
			{Label: t("ui.areport.legal"), Values: orDash(ra.LegalBases)},
			{Label: t("ui.areport.b"), Values: orDash(ra.Categories)},
		}
		var rcp []string
		for _, r := range ra.Recipients {
			rcp = append(rcp, r.Name)
		}
		if ra.NoRecipients {
			rcp = []string{t("ui.areport.c.none")}
		}
		rows = append(rows, export.Row{Label: t("ui.areport.c"), Values: orDash(rcp)})
		if len(ra.Transfers) > 0 {
			var xs []string
			for _, x := range ra.Transfers {
				s := x.Country
				if x.Recipient != "" {
					s += " – " + x.Recipient
				}
				if x.Safeguard != "" {
					s += ": " + x.Safeguard
				}
				xs = append(xs, s)
			}
			rows = append(rows, export.Row{Label: t("ui.areport.transfers"), Values: xs})
		}
		rows = append(rows, export.Row{Label: t("ui.areport.d"), Values: orDash(ra.Retention)})
		rows = append(rows, export.Row{Label: t("ui.areport.g"), Values: sourcesText(ra, l)})
		if ra.Automated != "" {
			rows = append(rows, export.Row{Label: t("ui.areport.h"), Values: []string{ra.Automated}, Text: true})
		}
		doc.Sections = append(doc.Sections, export.AccessSection{Heading: ra.Name, Rows: rows})
	}
	doc.Sections = append(doc.Sections, export.AccessSection{Heading: t("ui.areport.e"), Text: t("ui.areport.e.text")})
	if rep.Authority.Name != "" {
		doc.Sections = append(doc.Sections, export.AccessSection{Heading: t("ui.areport.f"), Text: t("ui.areport.f.text", rep.Authority.Name, rep.Authority.Web)})
	}
	doc.CopyTitle = t("ui.areport.copy")
	if rep.Data != nil {
		for _, s := range rep.Data.Vault {
			if s.Shredded {
				continue
			}
			for _, k := range slices.Sorted(maps.Keys(s.Record)) {
				doc.Person = append(doc.Person, export.Row{Label: k, Values: []string{s.Record[k]}, Text: true})
			}
		}
		for _, ft := range rep.Data.Tables {
			at := export.AccessTable{Heading: ft.SystemName + ": " + ft.Table, Columns: ft.Columns, Rows: ft.Rows}
			var notes []string
			if ft.More {
				notes = append(notes, t("ui.areport.more"))
			}
			if ft.Redacted > 0 {
				notes = append(notes, t("ui.redact.cells", ft.Redacted))
			}
			at.Note = strings.Join(notes, " ")
			doc.Tables = append(doc.Tables, at)
		}
	}
	return export.WriteAccessPDF(w, doc, export.Options{Lang: l, Now: now})
}

// sourcesText is (g) in words: the sources the register names, or that
// the data was collected from the person.
func sourcesText(ra *ReportActivity, l locale.Lang) []string {
	if len(ra.Sources) > 0 {
		return ra.Sources
	}
	return []string{locale.T(l, "ui.areport.g.self")}
}
