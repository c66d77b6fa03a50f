package export

import (
	"io"

	"gdpr/locale"
)

// The answer to an access request (Art. 15 GDPR) as a PDF: what the
// register says of the activities that hold the person's data, the rights
// and the authority, then the copy of the data (Art. 15(3)) table by
// table. The caller (the use case) writes the words; this lays them out.

// AccessSection is one activity with its fields (purposes, categories,
// recipients, ...), or a paragraph (Text) under a heading.
type AccessSection struct {
	Heading string
	Rows    []Row
	Text    string
}

// AccessTable is one table of the copy: its rows, each as column: value.
type AccessTable struct {
	Heading string
	Columns []string
	Rows    [][]string
	Note    string // e.g. cut, or cells redacted
}

// Access is the document.
type Access struct {
	Title, Controller, Intro, AsOf string
	Lang                           locale.Lang
	Sections                       []AccessSection
	CopyTitle                      string
	Person                         []Row // what the vault holds
	Tables                         []AccessTable
}

// WriteAccessPDF writes the answer as PDF, dated and paged.
func WriteAccessPDF(w io.Writer, a *Access, o Options) error {
	f, d := datedPDF(o, a.Title, a.Controller, a.AsOf, a.Lang)
	d.heading(a.Title, 18)
	if a.Controller != "" {
		d.text(o.t("export.controller")+": "+a.Controller, bodyFont+1, "", [3]int{})
	}
	d.text(a.AsOf, bodyFont, "", colMuted)
	if a.Intro != "" {
		f.Ln(2)
		d.text(a.Intro, bodyFont, "", [3]int{})
	}
	f.Ln(4)
	for _, s := range a.Sections {
		d.keepSpace(4 * lineH)
		d.bookmark(s.Heading)
		d.heading(s.Heading, 12.5)
		if len(s.Rows) > 0 {
			d.table(s.Rows)
			f.Ln(3)
		}
		if s.Text != "" {
			d.text(s.Text, bodyFont, "", [3]int{})
			f.Ln(3)
		}
	}
	if a.CopyTitle != "" {
		f.AddPage()
		d.bookmark(a.CopyTitle)
		d.heading(a.CopyTitle, 15)
	}
	if len(a.Person) > 0 {
		d.table(a.Person)
		f.Ln(4)
	}
	for _, t := range a.Tables {
		d.keepSpace(6 * lineH)
		d.heading(t.Heading, 11.5)
		if t.Note != "" {
			d.text(t.Note, bodyFont-0.5, "", colMuted)
		}
		for i, r := range t.Rows {
			rows := make([]Row, 0, len(t.Columns))
			for j, c := range t.Columns {
				v := ""
				if j < len(r) {
					v = r[j]
				}
				rows = append(rows, Row{Label: c, Values: []string{orDash(v)}, Text: true})
			}
			d.keepSpace(3 * lineH)
			d.text(o.t("export.access.row", i+1), bodyFont, "B", colMuted)
			d.table(rows)
			f.Ln(2)
		}
		f.Ln(2)
	}
	d.logCheckpoint()
	if err := f.Error(); err != nil {
		return err
	}
	return f.Output(w)
}
