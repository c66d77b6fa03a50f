package export

import (
	"encoding/json"
	"strings"

	"gdpr/register"
)

// The tabular exports (CSV, XLSX) write every field of an entry in a
// form the importer reads back to the same entry: an export imported
// again changes nothing. The forms, field by field:
//
//	lists             one item a line
//	contact           "Name, phone, e-mail"
//	recipients        "Name (kind)", kind in the document's language or
//	                  "(Art nicht angegeben)"; "Keine Weitergabe" for none
//	transfers         "country | recipient | safeguard"; "Keine Übermittlung
//	                  in Drittländer" for none
//	retention         "data category: statement" a line; an explicit rule
//	                  as JSON in its own column, a line per statement
//	DPIA              "erforderlich", "nicht erforderlich" or "nicht
//	                  bewertet", then ": reason" when there is one
//	status, role      the value's label
//	measure refs      the measures' ids, references as written as written
//
// The round-trip test in package importer proves it for every field.

// activityCells returns the table cells of an activity by column key.
func activityCells(a *register.Activity, o Options) map[string]string {
	c := map[string]string{
		"id": a.ID, "name": a.Name, "department": a.Department, "description": a.Description,
		"purposes": join(a.Purposes), "legal_bases": join(a.LegalBases), "data_subjects": join(a.DataSubjects),
		"data_categories": join(a.DataCategories), "toms": join(a.TOMs), "data_location": a.DataLocation,
		"controllers": join(a.Controllers), "notes": join(a.Notes), "sources": join(a.Sources), "automated": a.Automated,
	}
	if a.Role != "" {
		c["role"] = o.t("value.role." + string(a.Role))
	}
	if a.Status != "" {
		c["status"] = o.t("value.status." + string(a.Status))
	}
	if a.Contact != nil {
		c["contact"] = contact(a.Contact)
	}
	if a.Introduced != nil {
		c["introduced"] = o.date(*a.Introduced)
	}
	switch {
	case a.Recipients.None:
		c["recipients"] = o.t("value.no_disclosure")
	default:
		var vals []string
		for _, r := range a.Recipients.Items {
			kind := o.t("export.kind.unset")
			if r.Kind != "" {
				kind = o.t("value.kind." + string(r.Kind))
			}
			vals = append(vals, r.Name+" ("+kind+")")
		}
		c["recipients"] = join(vals)
	}
	switch {
	case a.ThirdCountryTransfers.None:
		c["third_country_transfers"] = o.t("value.no_transfer")
	default:
		var vals []string
		for _, t := range a.ThirdCountryTransfers.Items {
			vals = append(vals, strings.TrimRight(t.Country+" | "+t.Recipient+" | "+t.Safeguard, " |"))
		}
		c["third_country_transfers"] = join(vals)
	}
	var texts, rules []string
	explicit := false
	for _, r := range a.Retention {
		s := r.Text
		if r.DataCategory != "" {
			s = r.DataCategory + ": " + s
		}
		texts = append(texts, s)
		js := "-"
		if r.Rule != nil {
			if b, err := json.Marshal(r.Rule); err == nil {
				js, explicit = string(b), true
			}
		}
		rules = append(rules, js)
	}
	c["retention"] = join(texts)
	if explicit {
		c["rule_json"] = join(rules)
	}
	if a.DPIA != nil {
		s := o.t("value.dpia." + string(a.DPIA.Required))
		if a.DPIA.Required == "" {
			s = o.t("value.dpia.unknown")
		}
		if a.DPIA.Reason != "" {
			s += ": " + a.DPIA.Reason
		}
		c["dpia"] = s
	}
	return c
}

func join(xs []string) string { return strings.Join(xs, "\n") }

// measureKeys are the columns of the TOM sheet.
var measureKeys = []string{"id", "category", "title", "description", "group", "legacy_control", "owner", "review_interval",
	"last_reviewed", "evidence", "status"}

func measureCells(m *register.Measure, o Options) map[string]string {
	c := map[string]string{"id": m.ID, "title": m.Title, "description": m.Description, "group": m.Group, "owner": m.Owner,
		"evidence": m.Evidence}
	if m.Category != "" {
		c["category"] = o.t("value.category." + string(m.Category))
	}
	if m.LegacyControl != "" {
		c["legacy_control"] = o.t("value.legacy." + string(m.LegacyControl))
	}
	if m.ReviewInterval != nil {
		c["review_interval"] = PeriodText(*m.ReviewInterval, o.Lang)
	}
	if m.LastReviewed != nil {
		c["last_reviewed"] = o.date(*m.LastReviewed)
	}
	if m.Status != "" {
		c["status"] = o.t("value.status." + string(m.Status))
	}
	return c
}

// controllerKeys are the rows of the controller sheet: label, value.
var controllerKeys = []string{"register_title", "controller_name", "address", "representative", "phone", "email", "web", "dpo", "joint_controllers"}

func controllerCells(title string, c *register.Controller) map[string]string {
	out := map[string]string{"register_title": title}
	if c == nil {
		return out
	}
	out["controller_name"], out["address"], out["representative"] = c.Name, c.Address, c.Representative
	out["phone"], out["email"], out["web"] = c.Phone, c.Email, c.Web
	if c.DPO != nil {
		out["dpo"] = contact(c.DPO)
	}
	var js []string
	for _, j := range c.JointControllers {
		js = append(js, contact(&j))
	}
	out["joint_controllers"] = join(js)
	return out
}
