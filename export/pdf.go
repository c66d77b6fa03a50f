package export

import (
	"fmt"
	"io"
	"strings"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// Page geometry in millimetres (A4 portrait).
const (
	pageW, pageH   = 210.0, 297.0
	margin         = 20.0
	bottom         = 22.0 // room for the footer
	lineH          = 4.8
	cellPad        = 1.6
	labelW         = 64.0
	bodyFont       = 9.5
	headerGapAfter = 4.0
)

var (
	colAccent = [3]int{31, 78, 121}
	colLabel  = [3]int{238, 242, 246}
	colRule   = [3]int{184, 196, 208}
	colMuted  = [3]int{90, 90, 90}
	colAlarm  = [3]int{160, 0, 0}
)

// writePDF lays the register out twice: the first pass learns on which page
// each section starts, the second prints the contents with those numbers
// (the layout does not depend on them, so the pages stay where they were).
func writePDF(w io.Writer, v *view, o Options) error {
	pages := map[string]int{}
	if _, err := renderPDF(v, o, pages); err != nil {
		return err
	}
	doc, err := renderPDF(v, o, pages)
	if err != nil {
		return err
	}
	return doc.Output(w)
}

type pdfDoc struct {
	*fpdf.Fpdf
	v     *view
	o     Options
	pages map[string]int
}

func renderPDF(v *view, o Options, pages map[string]int) (*pdfDoc, error) {
	f := fpdf.New("P", "mm", "A4", "")
	d := &pdfDoc{Fpdf: f, v: v, o: o, pages: pages}
	f.AddUTF8FontFromBytes("go", "", goregular.TTF)
	f.AddUTF8FontFromBytes("go", "B", gobold.TTF)
	f.SetMargins(margin, margin, margin)
	f.SetAutoPageBreak(true, bottom)
	f.AliasNbPages("{nb}")
	f.SetCreationDate(o.Now)
	f.SetModificationDate(o.Now)
	f.SetTitle(v.Title+" – "+v.Name, true)
	f.SetAuthor(v.Name, true)
	f.SetCreator("gdpr", true)
	f.SetLang(v.Lang)
	f.SetHeaderFunc(d.header)
	f.SetFooterFunc(d.footer)

	d.cover()
	for _, a := range v.Activities {
		f.AddPage()
		pages[a.ID] = f.PageNo()
		f.Bookmark(fmt.Sprintf("%d. %s", a.Number, a.Name), 0, -1)
		d.heading(fmt.Sprintf("%d. %s", a.Number, a.Name), 13)
		d.table(a.Rows)
	}
	if len(v.Categories) > 0 || len(v.Documents) > 0 {
		f.AddPage()
		pages["#toms"] = f.PageNo()
		f.Bookmark(v.TOMTitle, 0, -1)
		d.heading(v.TOMTitle, 15)
		d.text(v.TOMSubtitle, bodyFont, "", colMuted)
		f.Ln(3)
		for _, c := range v.Categories {
			d.keepSpace(3 * lineH * 2)
			d.heading(c.Label, 11.5)
			for _, m := range c.Measures {
				d.measure(m)
			}
			f.Ln(2)
		}
		if len(v.Documents) > 0 {
			d.keepSpace(3 * lineH * 2)
			d.heading(v.DocsTitle, 11.5)
			for _, doc := range v.Documents {
				d.text("• "+doc, bodyFont, "", [3]int{})
			}
		}
	}
	return d, f.Error()
}

func (d *pdfDoc) header() {
	if d.PageNo() == 1 {
		return
	}
	d.SetFont("go", "", 8)
	d.setColor(colMuted)
	d.SetXY(margin, 10)
	d.CellFormat(pageW-2*margin, 4, pdfSafe(d.v.Title+" – "+d.v.Name), "", 0, "L", false, 0, "")
	d.setDraw(colRule)
	d.Line(margin, 15, pageW-margin, 15)
	d.SetXY(margin, margin)
}

func (d *pdfDoc) footer() {
	d.SetFont("go", "", 8)
	d.setColor(colMuted)
	d.setDraw(colRule)
	d.Line(margin, pageH-16, pageW-margin, pageH-16)
	d.SetXY(margin, pageH-15)
	d.CellFormat((pageW-2*margin)/2, 4, pdfSafe(d.v.AsOf), "", 0, "L", false, 0, "")
	d.CellFormat((pageW-2*margin)/2, 4, d.o.t("export.page", d.PageNo(), "{nb}"), "", 0, "R", false, 0, "")
}

func (d *pdfDoc) cover() {
	d.AddPage()
	d.SetY(45)
	d.SetFont("go", "B", 22)
	d.setColor(colAccent)
	d.MultiCell(0, 10, pdfSafe(d.v.Title), "", "L", false)
	d.SetFont("go", "", 11)
	d.setColor([3]int{})
	d.MultiCell(0, 6, pdfSafe(d.v.Subtitle), "", "L", false)
	if d.v.DocTitle != "" {
		d.MultiCell(0, 6, pdfSafe(d.v.DocTitle), "", "L", false)
	}
	d.setColor(colMuted)
	d.MultiCell(0, 6, pdfSafe(d.v.AsOf), "", "L", false)
	d.Ln(8)
	d.heading(d.v.Labels["controller"], 12)
	d.table(d.v.Controller)
	d.Ln(4)
	d.heading(d.v.Labels["contents"], 12)
	entry := func(title, key string) {
		d.SetFont("go", "", bodyFont+0.5)
		d.setColor([3]int{})
		page := ""
		if p := d.pages[key]; p > 0 {
			page = fmt.Sprint(p)
		}
		w := pageW - 2*margin
		d.CellFormat(w-15, lineH+1, pdfSafe(truncate(title, 95)), "", 0, "L", false, 0, "")
		d.CellFormat(15, lineH+1, page, "", 1, "R", false, 0, "")
	}
	for _, a := range d.v.Activities {
		entry(fmt.Sprintf("%d. %s", a.Number, a.Name), a.ID)
	}
	if len(d.v.Categories) > 0 || len(d.v.Documents) > 0 {
		entry(d.v.TOMTitle, "#toms")
	}
}

func (d *pdfDoc) heading(s string, size float64) {
	d.SetFont("go", "B", size)
	d.setColor(colAccent)
	d.MultiCell(0, size*0.5, pdfSafe(s), "", "L", false)
	d.Ln(headerGapAfter * size / 13)
}

func (d *pdfDoc) text(s string, size float64, style string, c [3]int) {
	d.SetFont("go", style, size)
	d.setColor(c)
	d.MultiCell(0, lineH, pdfSafe(s), "", "L", false)
}

// keepSpace starts a new page when less than h millimetres are left, so
// that a heading does not stand alone at the foot of a page.
func (d *pdfDoc) keepSpace(h float64) {
	if d.GetY()+h > pageH-bottom {
		d.AddPage()
	}
}

func (d *pdfDoc) measure(m measureView) {
	d.keepSpace(2 * lineH)
	d.text(m.Title, bodyFont, "B", [3]int{})
	if m.Description != "" && m.Description != m.Title {
		d.text(m.Description, bodyFont, "", [3]int{})
	}
	for _, r := range m.Rows {
		d.text(r.Label+": "+strings.Join(r.Values, "; "), bodyFont-1.5, "", colMuted)
	}
	d.Ln(1.5)
}

// table draws label/value rows with borders. A row that does not fit on the
// rest of the page moves to the next; a row longer than a page is split.
func (d *pdfDoc) table(rows []row) {
	valueW := pageW - 2*margin - labelW
	for _, r := range rows {
		d.SetFont("go", "B", bodyFont)
		labelLines := d.wrap(r.Label, labelW-2*cellPad)
		d.SetFont("go", "", bodyFont)
		var valLines []string
		for _, v := range r.Values {
			if len(r.Values) > 1 && !r.Text {
				v = "• " + v
			}
			valLines = append(valLines, d.wrap(v, valueW-2*cellPad)...)
		}
		total := max(len(labelLines), len(valLines))
		avail := func() int { return int((pageH - bottom - d.GetY() - 2*cellPad) / lineH) }
		if total > avail() && float64(total) <= (pageH-bottom-margin-2*cellPad)/lineH {
			d.AddPage()
		}
		first := true
		for first || len(valLines) > 0 {
			if avail() < 1 {
				d.AddPage()
			}
			n := min(avail(), max(len(valLines), 1))
			if first {
				n = min(avail(), total)
			}
			h := float64(n)*lineH + 2*cellPad
			x, y := margin, d.GetY()
			d.setFill(colLabel)
			d.setDraw(colRule)
			d.Rect(x, y, labelW, h, "FD")
			d.Rect(x+labelW, y, valueW, h, "D")
			if first {
				d.SetFont("go", "B", bodyFont)
				d.setColor([3]int{})
				for i, l := range labelLines[:min(n, len(labelLines))] {
					d.SetXY(x, y+cellPad+float64(i)*lineH)
					d.CellFormat(labelW, lineH, l, "", 0, "L", false, 0, "")
				}
			}
			d.SetFont("go", "", bodyFont)
			d.setColor([3]int{})
			if r.Missing {
				d.setColor(colAlarm)
			}
			take := min(n, len(valLines))
			for i, l := range valLines[:take] {
				d.SetXY(x+labelW, y+cellPad+float64(i)*lineH)
				d.CellFormat(valueW, lineH, l, "", 0, "L", false, 0, "")
			}
			valLines = valLines[take:]
			d.SetXY(margin, y+h)
			first = false
		}
	}
}

func (d *pdfDoc) wrap(s string, w float64) []string {
	var out []string
	for _, para := range strings.Split(pdfSafe(s), "\n") {
		ls := d.SplitText(para, w)
		if len(ls) == 0 {
			ls = []string{""}
		}
		out = append(out, ls...)
	}
	return out
}

func (d *pdfDoc) setColor(c [3]int) { d.SetTextColor(c[0], c[1], c[2]) }
func (d *pdfDoc) setDraw(c [3]int)  { d.SetDrawColor(c[0], c[1], c[2]) }
func (d *pdfDoc) setFill(c [3]int)  { d.SetFillColor(c[0], c[1], c[2]) }

// pdfSafe replaces what the embedded font cannot show (characters outside
// the Basic Multilingual Plane, control characters) so that the PDF shows a
// visible '?' instead of failing.
func pdfSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\t':
			return ' '
		case r < 0x20 || r > 0xFFFF || r >= 0xD800 && r <= 0xDFFF:
			return '?'
		}
		return r
	}, s)
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
