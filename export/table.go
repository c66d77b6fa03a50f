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

// tableRows returns the header and one row per activity; list values are
// joined with newlines (multi-line cells).
func tableRows(r *register.Register, o Options) [][]string {
	header := make([]string, len(tableKeys), len(tableKeys)+1)
	for i, k := range tableKeys {
		header[i] = o.t("label." + k)
	}
	// The rule is derived from the statement: its own column, which the
	// importer ignores, keeps the statement itself intact for re-import.
	header = append(header, o.t("export.rule"))
	out := [][]string{header}
	v := build(r, o)
	for i, a := range v.Activities {
		byKey := map[string]row{}
		for _, rw := range a.Rows {
			byKey[rw.Key] = rw
		}
		act := v.Activities[i].activity
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
		cells = append(cells, strings.Join(rules, "\n"))
		out = append(out, cells)
	}
	return out
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
	rows := tableRows(r, o)
	for _, row := range rows {
		for i, c := range row {
			row[i] = CSVSafe(c)
		}
	}
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
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

func writeXLSX(w io.Writer, r *register.Register, o Options) error {
	f := excelize.NewFile()
	defer f.Close()
	v := build(r, o)
	sheets := []struct {
		name string
		rows [][]string
	}{
		{o.t("export.activities"), tableRows(r, o)},
		{o.t("export.controller"), rowsTable(v.Controller)},
		{"TOM", tomTable(v, o)},
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"EEF2F6"}, Pattern: 1}})
	if err != nil {
		return err
	}
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	for i, s := range sheets {
		name := sheetName(s.name)
		if i == 0 {
			f.SetSheetName("Sheet1", name)
		} else if _, err := f.NewSheet(name); err != nil {
			return err
		}
		for ri, cells := range s.rows {
			vals := make([]any, len(cells))
			for ci, c := range cells {
				vals[ci] = c
			}
			cell, _ := excelize.CoordinatesToCellName(1, ri+1)
			if err := f.SetSheetRow(name, cell, &vals); err != nil {
				return err
			}
		}
		if len(s.rows) > 0 {
			last, _ := excelize.CoordinatesToCellName(len(s.rows[0]), len(s.rows))
			f.SetCellStyle(name, "A1", last, wrap)
			lastHead, _ := excelize.CoordinatesToCellName(len(s.rows[0]), 1)
			f.SetCellStyle(name, "A1", lastHead, bold)
			endCol, _ := excelize.ColumnNumberToName(len(s.rows[0]))
			f.SetColWidth(name, "A", endCol, 28)
			f.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
		}
	}
	return f.Write(w)
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
