// Package export prints the register in the forms a supervisory authority
// or a colleague asks for (Art. 30(4) GDPR): PDF, HTML, Markdown, CSV and
// XLSX laid out like the DSK Muster, and the native YAML/JSON. Every layout
// is built from one view model, so that each format shows the same fields
// with the same labels from the message catalogue.
package export

import (
	"gdpr"
	"slices"
	"strings"
	"time"

	"gdpr/locale"
	"gdpr/register"
)

// Options control an export.
type Options struct {
	Lang locale.Lang
	// Now is the time the document is dated with; tests fix it.
	Now time.Time
	// Checkpoint is the audit log's newest signed checkpoint, printed on
	// the last page of a PDF ("" prints none).
	Checkpoint string
}

func (o Options) t(key string, args ...any) string { return locale.T(o.Lang, key, args...) }

func (o Options) date(d register.Date) string {
	if o.Lang == locale.DE {
		return d.German()
	}
	return d.String()
}

// row is one labelled field; Missing marks content Art. 30(1) requires that
// the register lacks, so that layouts can highlight it.
type row struct {
	Key     string
	Label   string
	Values  []string
	Missing bool
	Text    bool // Values are the lines of one text (an address), not a list
}

// Row is one labelled field of a document, as pages show it too.
type Row = row

// ActivityRows returns the fields of an activity as the documents show
// them, with TOM references resolved by their titles (id → title).
func ActivityRows(a *register.Activity, titles map[string]string, lang locale.Lang) []Row {
	return activityRows(a, titles, Options{Lang: lang})
}

type activityView struct {
	Number   int
	ID       string
	Name     string
	activity *register.Activity
	titles   map[string]string
	o        Options
}

// Rows are the activity's fields, made when asked for: a document of
// 10,000 activities needs one activity's rows at a time, not all of them
// at once.
func (a activityView) Rows() []row { return activityRows(a.activity, a.titles, a.o) }

type measureView struct {
	ID, Title, Description string
	Rows                   []row
}

type categoryView struct {
	Key      string
	Label    string
	Measures []measureView
}

type view struct {
	Title       string
	Subtitle    string
	DocTitle    string // the register's own title, if it has one
	Name        string // the controller's name, for running headers
	AsOf        string
	Controller  []row
	Activities  []activityView
	TOMTitle    string
	TOMSubtitle string
	Categories  []categoryView
	DocsTitle   string
	Documents   []string
	Lang        string
	Labels      map[string]string
}

// build derives the view of the register: archived entries are left out,
// required fields that are empty are shown as "not stated".
func build(r *register.Register, o Options) *view {
	v := &view{
		Title: o.t("export.title"), Subtitle: o.t("export.subtitle"),
		AsOf:     o.t("export.asof", o.date(register.DateOf(o.Now))),
		TOMTitle: o.t("export.toms.title"), TOMSubtitle: o.t("export.toms.subtitle"),
		DocsTitle: o.t("export.documents"), Lang: string(o.Lang),
		Labels: map[string]string{},
	}
	for _, k := range []string{"export.controller", "export.activities", "export.contents", "export.activity", "export.generated"} {
		v.Labels[strings.TrimPrefix(k, "export.")] = o.t(k)
	}
	v.DocTitle = r.Title
	if c := r.Controller; c != nil {
		v.Name = c.Name
		v.Controller = controllerRows(c, o)
	} else {
		v.Controller = []row{{Key: "name", Label: o.t("export.controller"), Values: []string{o.t("export.notstated")}, Missing: true}}
	}
	titles := map[string]string{}
	for _, m := range r.TOMs {
		titles[m.ID] = m.Title
	}
	n := 0
	for _, a := range r.Activities {
		if a.Status == register.StatusArchived {
			continue
		}
		n++
		v.Activities = append(v.Activities, activityView{Number: n, ID: a.ID, Name: a.Name, activity: a, titles: titles, o: o})
	}
	byCat := map[register.Category][]measureView{}
	for _, m := range r.TOMs {
		if m.Status == register.StatusArchived {
			continue
		}
		title, desc := m.Display()
		mv := measureView{ID: m.ID, Title: title, Description: desc, Rows: measureRows(m, o)}
		// A title cut from the description ("… so …") would only repeat it.
		if cut := strings.TrimSuffix(m.Title, " …"); cut != m.Title && strings.HasPrefix(m.Description, cut) {
			mv.Title, mv.Description = m.Description, ""
		}
		byCat[m.Category] = append(byCat[m.Category], mv)
	}
	for _, c := range append(slices.Clone(register.Categories), "") {
		if len(byCat[c]) == 0 {
			continue
		}
		label := o.t("export.uncategorised")
		if c != "" {
			label = o.t("value.category." + string(c))
		}
		v.Categories = append(v.Categories, categoryView{Key: string(c), Label: label, Measures: byCat[c]})
	}
	for _, d := range r.Documents {
		v.Documents = append(v.Documents, d.Title)
	}
	return v
}

func controllerRows(c *register.Controller, o Options) []row {
	var rows []row
	add := func(key, val string) {
		if strings.TrimSpace(val) != "" {
			rows = append(rows, row{Key: key, Label: o.t("label." + key), Values: lines(val), Text: true})
		}
	}
	rows = append(rows, row{Key: "name", Label: o.t("export.controller"), Values: []string{c.Name}})
	add("address", c.Address)
	add("representative", c.Representative)
	add("phone", c.Phone)
	add("email", c.Email)
	add("web", c.Web)
	if c.DPO != nil && !c.DPO.IsZero() {
		add("dpo", contact(c.DPO))
	} else {
		rows = append(rows, row{Key: "dpo", Label: o.t("label.dpo"), Values: []string{o.t("export.notstated")}, Missing: true})
	}
	for _, j := range c.JointControllers {
		add("joint_controllers", contact(&j))
	}
	return rows
}

func activityRows(a *register.Activity, tomTitles map[string]string, o Options) []row {
	var rows []row
	notStated := []string{o.t("export.notstated")}
	// required rows appear always, optional ones only when set.
	required := func(key string, vals []string) {
		r := row{Key: key, Label: o.t("label." + key), Values: vals}
		if len(vals) == 0 {
			r.Values, r.Missing = notStated, true
		}
		rows = append(rows, r)
	}
	optional := func(key string, vals []string) {
		if len(vals) > 0 {
			rows = append(rows, row{Key: key, Label: o.t("label." + key), Values: vals})
		}
	}
	optional("id", []string{a.ID})
	if a.Role == register.RoleProcessor {
		optional("role", []string{o.t("value.role.processor")})
		required("controllers", a.Controllers)
	}
	if a.Contact != nil {
		optional("contact", []string{contact(a.Contact)})
	}
	if a.Introduced != nil {
		optional("introduced", []string{o.date(*a.Introduced)})
	}
	optional("department", nonEmpty(a.Department))
	optional("description", lines(a.Description))
	markText(rows, "description")
	required("purposes", a.Purposes)
	required("legal_bases", a.LegalBases)
	required("data_subjects", a.DataSubjects)
	required("data_categories", a.DataCategories)
	switch {
	case a.Recipients.None:
		required("recipients", []string{o.t("value.no_disclosure")})
	default:
		var vals []string
		for _, r := range a.Recipients.Items {
			s := r.Name
			if r.Kind != "" {
				s += " (" + o.t("value.kind."+string(r.Kind)) + ")"
			}
			vals = append(vals, s)
		}
		required("recipients", vals)
	}
	switch {
	case a.ThirdCountryTransfers.None:
		required("third_country_transfers", []string{o.t("value.no_transfer")})
	default:
		var vals []string
		for _, t := range a.ThirdCountryTransfers.Items {
			s := t.Country
			if t.Recipient != "" {
				s += " – " + t.Recipient
			}
			if t.Safeguard != "" {
				s += " (" + o.t("label.safeguard") + ": " + t.Safeguard + ")"
			}
			vals = append(vals, s)
		}
		required("third_country_transfers", vals)
	}
	var ret []string
	for _, r := range a.Retention {
		s := r.Text
		if r.DataCategory != "" {
			s = r.DataCategory + ": " + s
		}
		// The structured rule beside the original text, so that a reader
		// sees how the engine will apply the statement; only a complete
		// one (a period from a named event): what the engine could not
		// read is a finding of the audit report, not part of the
		// controller's record.
		var rules []string
		res := r.Rules(a)
		complete := len(res.Rules) > 0
		for _, rule := range res.Rules {
			complete = complete && Complete(rule)
			rules = append(rules, RuleText(rule, o.Lang))
		}
		if !complete {
			ret = append(ret, s)
			continue
		}
		ret = append(ret, s+" → "+strings.Join(rules, "; "))
	}
	required("retention", ret)
	optional("data_location", lines(a.DataLocation))
	markText(rows, "data_location")
	optional("sources", a.Sources)
	optional("automated", lines(a.Automated))
	markText(rows, "automated")
	var toms []string
	for _, ref := range a.TOMs {
		if t, ok := tomTitles[ref]; ok {
			toms = append(toms, t)
		} else {
			toms = append(toms, ref)
		}
	}
	required("toms", toms)
	if a.DPIA != nil {
		s := o.t("value.dpia." + string(a.DPIA.Required))
		if a.DPIA.Reason != "" {
			s += " – " + a.DPIA.Reason
		}
		optional("dpia", []string{s})
	} else {
		optional("dpia", []string{o.t("value.dpia.unknown")})
	}
	optional("status", []string{o.t("value.status." + string(a.Status))})
	optional("notes", a.Notes)
	if a.Changed != nil {
		optional("changed", []string{o.date(register.DateOf(*a.Changed))})
	}
	return rows
}

func markText(rows []row, key string) {
	if n := len(rows); n > 0 && rows[n-1].Key == key {
		rows[n-1].Text = true
	}
}

func measureRows(m *register.Measure, o Options) []row {
	var rows []row
	add := func(key string, vals ...string) {
		if vals = nonEmpty(vals...); len(vals) > 0 {
			rows = append(rows, row{Key: key, Label: o.t("label." + key), Values: vals})
		}
	}
	add("group", m.Group)
	if m.LegacyControl != "" {
		add("legacy_control", o.t("value.legacy."+string(m.LegacyControl)))
	}
	add("owner", m.Owner)
	if m.ReviewInterval != nil {
		add("review_interval", m.ReviewInterval.String())
	}
	if m.LastReviewed != nil {
		s := o.date(*m.LastReviewed)
		if due, ok := m.ReviewDue(); ok {
			s += " (" + o.t("export.reviewdue", o.date(due)) + ")"
		}
		add("last_reviewed", s)
	}
	add("evidence", m.Evidence)
	return rows
}

func contact(c *register.Contact) string {
	return strings.Join(nonEmpty(c.Name, c.Phone, c.Email), ", ")
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func nonEmpty(xs ...string) []string {
	var out []string
	for _, x := range xs {
		if strings.TrimSpace(x) != "" {
			out = append(out, x)
		}
	}
	return out
}

// Format is an export format.
type Format string

// Formats.
const (
	PDF      Format = "pdf"
	HTML     Format = "html"
	Markdown Format = "md"
	CSV      Format = "csv"
	XLSX     Format = "xlsx"
	JSON     Format = "json"
	YAML     Format = "yaml"
)

// Formats lists every export format.
var Formats = []Format{PDF, HTML, Markdown, CSV, XLSX, JSON, YAML}

// ParseFormat accepts a format name (also "markdown", "yml").
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "markdown":
		return Markdown, nil
	case "yml":
		return YAML, nil
	}
	f := Format(strings.ToLower(s))
	if !slices.Contains(Formats, f) {
		return "", gdpr.Keyed(gdpr.EINVALID, "format", "export.format.unknown", s)
	}
	return f, nil
}

// ContentType is the MIME type of a format.
func (f Format) ContentType() string {
	switch f {
	case PDF:
		return "application/pdf"
	case HTML:
		return "text/html; charset=utf-8"
	case Markdown:
		return "text/markdown; charset=utf-8"
	case CSV:
		return "text/csv; charset=utf-8"
	case XLSX:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case JSON:
		return "application/json"
	default:
		return "application/yaml"
	}
}
