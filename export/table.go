package export

import (
	"encoding/csv"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"gdpr/locale"
	"gdpr/register"
)

// tableKeys are the activity columns of the tabular exports: every field
// of an activity, in the order of Art. 30(1) (the DSK Muster's). Their
// labels are the catalogue's, which the importer's header mapping
// recognises, and the cells are written as it reads them (cells.go): a
// CSV or XLSX export imports again without a change.
var tableKeys = []string{"id", "name", "role", "controllers", "contact", "introduced", "department", "description", "purposes",
	"legal_bases", "data_subjects", "data_categories", "recipients", "third_country_transfers", "retention", "data_location",
	"sources", "automated", "toms", "dpia", "status", "notes"}

// tableRows calls emit with the header and then one row per activity
// (list values joined with newlines: multi-line cells), a row at a time,
// so that a large register is never held as one table.
func tableRows(v *view, o Options, emit func([]string) error) error {
	header := make([]string, len(tableKeys), len(tableKeys)+2)
	for i, k := range tableKeys {
		header[i] = o.t("label." + k)
	}
	// The rule as the engine reads the statement, for the reader: the
	// importer ignores this column. A rule stated explicitly (not parsed
	// from the text) is kept in a column of its own that the importer
	// reads back; it is there only when some activity has one.
	header = append(header, o.t("export.rule"))
	explicit := false
	for _, a := range v.Activities {
		for _, r := range a.activity.Retention {
			explicit = explicit || r.Rule != nil
		}
	}
	if explicit {
		header = append(header, o.t("export.rulejson"))
	}
	if err := emit(header); err != nil {
		return err
	}
	for _, a := range v.Activities {
		act := a.activity
		byKey := activityCells(act, o)
		cells := make([]string, len(tableKeys), len(tableKeys)+2)
		for j, k := range tableKeys {
			cells[j] = byKey[k]
		}
		var rules []string
		for _, r := range act.Retention {
			for _, rule := range r.Rules(act).Rules {
				rules = append(rules, RuleText(rule, o.Lang))
			}
		}
		cells = append(cells, strings.Join(rules, "\n"))
		if explicit {
			cells = append(cells, byKey["rule_json"])
		}
		if err := emit(cells); err != nil {
			return err
		}
	}
	return nil
}

func writeCSV(w io.Writer, r *register.Register, o Options) error {
	// Excel opens UTF-8 CSV correctly only with a BOM; German Excel expects
	// semicolons.
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if o.Lang == locale.DE {
		cw.Comma = ';'
	}
	if err := tableRows(build(r, o), o, func(row []string) error {
		for i, c := range row {
			row[i] = CSVSafe(c)
		}
		return cw.Write(row)
	}); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// CSVSafe neutralises a cell that a spreadsheet would evaluate as a
// formula (OWASP, CSV injection): a cell beginning with =, +, -, @, tab or
// carriage return gets a leading apostrophe, which Excel and LibreOffice
// read as "text" and do not show. A cell beginning with an apostrophe
// gets one more, so that the importer, which takes one away, gives back
// exactly what was exported. XLSX cells are typed as text and need none.
func CSVSafe(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r', '\'':
		return "'" + s
	}
	return s
}

// writeXLSX writes the workbook with excelize's stream writer: rows go
// out as they are made (beyond 16 MB into a temporary file, which excelize
// removes), not into a worksheet held in memory.
func writeXLSX(w io.Writer, r *register.Register, o Options) error {
	f := excelize.NewFile()
	defer f.Close()
	v := build(r, o)
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"EEF2F6"}, Pattern: 1},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	sheets := []struct {
		name string
		cols int
		rows func(emit func([]string) error) error
	}{
		{o.t("export.activities"), len(tableKeys) + 2, func(emit func([]string) error) error { return tableRows(v, o, emit) }},
		{o.t("export.controller"), 2, func(emit func([]string) error) error { return each(controllerTable(r, o), emit) }},
		{"TOM", len(measureKeys), func(emit func([]string) error) error { return each(tomTable(r, o), emit) }},
		{o.t("export.documents.sheet"), 3, func(emit func([]string) error) error { return each(documentTable(r, o), emit) }},
	}
	for i, s := range sheets {
		name := sheetName(s.name)
		if i == 0 {
			f.SetSheetName("Sheet1", name)
		} else if _, err := f.NewSheet(name); err != nil {
			return err
		}
		sw, err := f.NewStreamWriter(name)
		if err != nil {
			return err
		}
		if err := sw.SetColWidth(1, s.cols, 28); err != nil {
			return err
		}
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return err
		}
		n := 0
		if err := s.rows(func(cells []string) error {
			n++
			style := wrap
			if n == 1 {
				style = bold
			}
			vals := make([]any, len(cells))
			for ci, c := range cells {
				vals[ci] = excelize.Cell{StyleID: style, Value: c}
			}
			cell, _ := excelize.CoordinatesToCellName(1, n)
			return sw.SetRow(cell, vals)
		}); err != nil {
			return err
		}
		if err := sw.Flush(); err != nil {
			return err
		}
	}
	return f.Write(w)
}

func each(rows [][]string, emit func([]string) error) error {
	for _, r := range rows {
		if err := emit(r); err != nil {
			return err
		}
	}
	return nil
}

// controllerTable is the controller sheet: a header row, then label and
// value of the register's title and each controller field.
func controllerTable(r *register.Register, o Options) [][]string {
	out := [][]string{{o.t("export.field"), o.t("export.value")}}
	cells := controllerCells(r.Title, r.Controller)
	for _, k := range controllerKeys {
		out = append(out, []string{o.t("label." + k), cells[k]})
	}
	return out
}

// tomTable is the TOM sheet: every field of every measure in force, in
// register order.
func tomTable(r *register.Register, o Options) [][]string {
	header := make([]string, len(measureKeys))
	for i, k := range measureKeys {
		header[i] = o.t("label." + k)
	}
	out := [][]string{header}
	for _, m := range r.TOMs {
		if m.Status == register.StatusArchived {
			continue
		}
		cells := measureCells(m, o)
		row := make([]string, len(measureKeys))
		for i, k := range measureKeys {
			row[i] = cells[k]
		}
		out = append(out, row)
	}
	return out
}

// documentTable is the sheet of the documents the measures rely on.
func documentTable(r *register.Register, o Options) [][]string {
	out := [][]string{{o.t("label.id"), o.t("label.doc_title"), o.t("label.description")}}
	for _, d := range r.Documents {
		out = append(out, []string{d.ID, d.Title, d.Description})
	}
	return out
}

// sheetName shortens a name to Excel's 31 characters.
func sheetName(s string) string {
	if r := []rune(s); len(r) > 31 {
		return string(r[:31])
	}
	return s
}
