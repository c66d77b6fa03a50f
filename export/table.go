package export

import (
	"encoding/csv"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"gdpr/locale"
	"gdpr/register"
)

// tableKeys are the activity columns of the tabular exports, in the order of
// the DSK Muster. Their labels are the catalogue's, which the importer's
// header mapping recognises: a CSV or XLSX export imports again.
var tableKeys = []string{"id", "name", "contact", "introduced", "department", "purposes", "legal_bases", "data_subjects",
	"data_categories", "recipients", "third_country_transfers", "retention", "toms", "dpia", "status"}

// tableRows calls emit with the header and then one row per activity
// (list values joined with newlines: multi-line cells), a row at a time,
// so that a large register is never held as one table.
func tableRows(v *view, o Options, emit func([]string) error) error {
	header := make([]string, len(tableKeys), len(tableKeys)+1)
	for i, k := range tableKeys {
		header[i] = o.t("label." + k)
	}
	// The rule is derived from the statement: its own column, which the
	// importer ignores, keeps the statement itself intact for re-import.
	header = append(header, o.t("export.rule"))
	if err := emit(header); err != nil {
		return err
	}
	for _, a := range v.Activities {
		byKey := map[string]row{}
		for _, rw := range a.Rows() {
			byKey[rw.Key] = rw
		}
		act := a.activity
		cells := make([]string, len(tableKeys), len(tableKeys)+1)
		var rules []string
		for j, k := range tableKeys {
			rw, ok := byKey[k]
			switch {
			case k == "name":
				cells[j] = act.Name
			case k == "retention":
				var texts []string
				for _, r := range act.Retention {
					s := r.Text
					if r.DataCategory != "" {
						s = r.DataCategory + ": " + s
					}
					texts = append(texts, s)
					for _, rule := range r.Rules(act).Rules {
						rules = append(rules, RuleText(rule, o.Lang))
					}
				}
				cells[j] = strings.Join(texts, "\n")
			case ok && !rw.Missing:
				cells[j] = strings.Join(rw.Values, "\n")
			}
		}
		if err := emit(append(cells, strings.Join(rules, "\n"))); err != nil {
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
		{o.t("export.activities"), len(tableKeys) + 1, func(emit func([]string) error) error { return tableRows(v, o, emit) }},
		{o.t("export.controller"), 2, func(emit func([]string) error) error { return each(rowsTable(v.Controller), emit) }},
		{"TOM", 7, func(emit func([]string) error) error { return each(tomTable(v, o), emit) }},
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

func rowsTable(rows []row) [][]string {
	out := [][]string{}
	for _, r := range rows {
		out = append(out, []string{r.Label, strings.Join(r.Values, "\n")})
	}
	return out
}

func tomTable(v *view, o Options) [][]string {
	out := [][]string{{o.t("label.id"), o.t("label.category"), o.t("label.title"), o.t("label.description"), o.t("label.group"),
		o.t("label.legacy_control"), o.t("label.last_reviewed")}}
	for _, c := range v.Categories {
		for _, m := range c.Measures {
			extra := map[string]string{}
			for _, r := range m.Rows {
				extra[r.Key] = strings.Join(r.Values, "; ")
			}
			out = append(out, []string{m.ID, c.Label, m.Title, m.Description, extra["group"], extra["legacy_control"], extra["last_reviewed"]})
		}
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
