package importer

import (
	"strings"

	"gdpr/locale"
	"gdpr/register"
)

// The workbook the XLSX export writes has, beside the activities, a sheet
// of measures and one of the controller; both are read back. Their
// headers and labels are recognised in both languages.

// measureHeaders maps normalised TOM-sheet headers to measure fields.
var measureHeaders = func() map[string]string {
	m := map[string]string{
		"id": "id", "kennung": "id", "maßnahme": "title", "titel": "title", "title": "title", "measure": "title",
		"kategorie": "category", "category": "category", "schutzziel": "category",
		"kontrolle": "legacy_control", "control": "legacy_control", "bereich": "group", "area": "group", "gruppe": "group",
		"beschreibung": "description", "description": "description", "verantwortlich": "owner", "owner": "owner",
		"prüfintervall": "review_interval", "review interval": "review_interval", "zuletzt geprüft": "last_reviewed",
		"last reviewed": "last_reviewed", "nachweis": "evidence", "evidence": "evidence", "status": "status",
	}
	return m
}()

// measureColumns maps a header row to measure fields; ok when it has a
// title column and one more that only a measure has.
func measureColumns(cells []string) ([]string, bool) {
	out := make([]string, len(cells))
	title, other := false, false
	for i, c := range cells {
		f := measureHeaders[normHeader(c)]
		out[i] = f
		title = title || f == "title"
		other = other || f == "category" || f == "legacy_control" || f == "review_interval" || f == "last_reviewed"
	}
	return out, title && other
}

// rowMeasure builds a measure from one row of a TOM sheet.
func (p *parser) rowMeasure(fields, header, cells []string, l loc, taken ids) (*register.Measure, error) {
	m := &register.Measure{}
	for i, f := range fields {
		if i >= len(cells) || f == "" {
			continue
		}
		val := strings.TrimSpace(cleanCell(cells[i]))
		if val == "" {
			continue
		}
		field := strings.TrimSpace(header[i])
		switch f {
		case "id":
			if !register.ValidID(val) {
				return nil, p.cellErr(l, field, "invalid.id", val)
			}
			m.ID = val
		case "title":
			m.Title = oneLine(val)
		case "description":
			m.Description = val
		case "category":
			c, ok := categoryNames[normHeader(val)]
			if !ok {
				return nil, p.cellErr(l, field, "import.category", val)
			}
			m.Category = c
		case "legacy_control":
			c, ok := legacyLabels[normHeader(val)]
			if !ok {
				return nil, p.cellErr(l, field, "import.legacy", val)
			}
			m.LegacyControl = c
		case "group":
			m.Group = oneLine(val)
		case "owner":
			m.Owner = oneLine(val)
		case "review_interval":
			pd, ok := parsePeriodText(val)
			if !ok {
				return nil, p.cellErr(l, field, "import.interval", val)
			}
			m.ReviewInterval = &pd
		case "last_reviewed":
			d, err := parseCellDate(val, true)
			if err != nil {
				return nil, p.cellErr(l, field, "import.wrap", err)
			}
			m.LastReviewed = &d
		case "evidence":
			m.Evidence = val
		case "status":
			s, ok := ParseStatus(val)
			if !ok {
				return nil, p.cellErr(l, field, "import.status", val)
			}
			m.Status = s
		}
	}
	if m.Title == "" {
		return nil, p.cellErr(l, header[indexOf(fields, "title")], "import.notitle")
	}
	var err error
	m.ID, err = p.takeID(l, header[indexOf(fields, "id")], m.ID, m.Title, taken)
	return m, err
}

// controllerFields are the rows of the controller sheet, by the
// catalogue key of their label.
var controllerFields = []string{"register_title", "controller_name", "address", "representative", "phone", "email", "web", "dpo", "joint_controllers"}

var controllerLabels = func() map[string]string {
	m := map[string]string{}
	for _, f := range controllerFields {
		for _, l := range locale.Langs {
			m[normHeader(locale.T(l, "label."+f))] = f
		}
	}
	m[normHeader(locale.T(locale.DE, "export.controller"))] = "controller_name"
	m[normHeader(locale.T(locale.EN, "export.controller"))] = "controller_name"
	return m
}()

// isControllerHeader tells the controller sheet by its header row.
func isControllerHeader(cells []string) bool {
	if len(cells) < 2 {
		return false
	}
	for _, l := range locale.Langs {
		if normHeader(cells[0]) == normHeader(locale.T(l, "export.field")) && normHeader(cells[1]) == normHeader(locale.T(l, "export.value")) {
			return true
		}
	}
	return false
}

// controllerRow sets one field of the controller sheet.
func (p *parser) controllerRow(r *register.Register, cells []string, l loc) error {
	if len(cells) == 0 || strings.TrimSpace(cells[0]) == "" {
		return nil
	}
	f, ok := controllerLabels[normHeader(cells[0])]
	if !ok {
		return p.cellErr(l, strings.TrimSpace(cells[0]), "import.controller.label", strings.TrimSpace(cells[0]))
	}
	val := ""
	if len(cells) > 1 {
		val = strings.TrimSpace(strings.ReplaceAll(cleanCell(cells[1]), "\r\n", "\n"))
	}
	if val == "" {
		return nil
	}
	if f == "register_title" {
		r.Title = oneLine(val)
		return nil
	}
	if r.Controller == nil {
		r.Controller = &register.Controller{}
	}
	c := r.Controller
	switch f {
	case "controller_name":
		c.Name = oneLine(val)
	case "address":
		c.Address = val
	case "representative":
		c.Representative = oneLine(val)
	case "phone":
		c.Phone = oneLine(val)
	case "email":
		c.Email = oneLine(val)
	case "web":
		c.Web = oneLine(val)
	case "dpo":
		c.DPO = ParseContact(oneLine(val))
	case "joint_controllers":
		for _, it := range splitListOn(val, false) {
			c.JointControllers = append(c.JointControllers, *ParseContact(it))
		}
	}
	return nil
}

// isDocumentHeader tells the documents sheet: id, title and description
// columns and nothing else.
func isDocumentHeader(cells []string) bool {
	var id, title bool
	for _, c := range cells {
		switch n := normHeader(c); n {
		case "kennung", "id":
			id = true
		case "titel", "title":
			title = true
		case "beschreibung", "description", "":
		default:
			return false
		}
	}
	return id && title
}

// rowDocument reads one row of the documents sheet (id, title,
// description, in the header's order).
func (p *parser) rowDocument(header, cells []string, l loc, taken ids) (*register.Document, error) {
	d := &register.Document{}
	for i, h := range header {
		if i >= len(cells) {
			break
		}
		val := strings.TrimSpace(cleanCell(cells[i]))
		switch normHeader(h) {
		case "kennung", "id":
			if val != "" && !register.ValidID(val) {
				return nil, p.cellErr(l, strings.TrimSpace(h), "invalid.id", val)
			}
			d.ID = val
		case "titel", "title":
			d.Title = oneLine(val)
		case "beschreibung", "description":
			d.Description = val
		}
	}
	if d.Title == "" {
		return nil, p.cellErr(l, strings.TrimSpace(header[0]), "import.notitle")
	}
	var err error
	d.ID, err = p.takeID(l, strings.TrimSpace(header[0]), d.ID, d.Title, taken)
	return d, err
}
