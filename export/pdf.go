package export

import (
	"fmt"
	"io"
	"strings"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomono"
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

// writePDF lays the register out twice. The first pass measures: it
// breaks lines and pages as the second will, but draws nothing, so that
// it costs little memory; it learns where each section starts and how
// many pages there are. The second pass prints the contents and "page x
// of y" with those numbers (the layout does not depend on them), so that
// no page needs to be changed once it is finished: pages are compressed
// then, and an activity's rows are made only for its page.
func writePDF(w io.Writer, v *view, o Options) error {
	pages := map[string]int{}
	m, err := renderPDF(v, o, pages, true, 0)
	if err != nil {
		return err
	}
	total := m.PageNo()
	m = nil
	doc, err := renderPDF(v, o, pages, false, total)
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
	// measure: lay out without drawing (the first pass).
	measure bool
	total   int // pages of the document, known in the second pass
	// The colours last set, and on which page.
	drawn, filled       [3]int
	colorPage, fillPage int
}

// newPDF is an A4 document with the fonts, margins, dates and metadata
// every PDF of the engine has.
func newPDF(o Options, title, author, lang string) *fpdf.Fpdf {
	f := fpdf.New("P", "mm", "A4", "")
	// Each page is compressed when it is finished (third_party/fpdf):
	// the document holds some 2 KB a page instead of 9.
	f.CompressPagesEarly()
	f.AddUTF8FontFromBytes("go", "", goregular.TTF)
	f.AddUTF8FontFromBytes("go", "B", gobold.TTF)
	f.AddUTF8FontFromBytes("mono", "", gomono.TTF)
	f.SetMargins(margin, margin, margin)
	f.SetAutoPageBreak(true, bottom)
	f.SetCreationDate(o.Now)
	f.SetModificationDate(o.Now)
	f.SetTitle(title+" – "+author, true)
	f.SetAuthor(author, true)
	f.SetCreator("gdpr", true)
	f.SetLang(lang)
	return f
}

func renderPDF(v *view, o Options, pages map[string]int, measure bool, total int) (*pdfDoc, error) {
	f := newPDF(o, v.Title, v.Name, v.Lang)
	d := &pdfDoc{Fpdf: f, v: v, o: o, pages: pages, measure: measure, total: total}
	f.SetHeaderFunc(d.header)
	f.SetFooterFunc(d.footer)

	d.cover()
	for _, a := range v.Activities {
		f.AddPage()
		pages[a.ID] = f.PageNo()
		d.bookmark(fmt.Sprintf("%d. %s", a.Number, a.Name))
		d.heading(fmt.Sprintf("%d. %s", a.Number, a.Name), 13)
		d.table(a.Rows())
	}
	if len(v.Categories) > 0 || len(v.Documents) > 0 {
		f.AddPage()
		pages["#toms"] = f.PageNo()
		d.bookmark(v.TOMTitle)
		d.heading(v.TOMTitle, 15)
		d.text(v.TOMSubtitle, bodyFont, "", colMuted)
		f.Ln(3)
		for _, c := range v.Categories {
			d.keepSpace(3 * lineH * 2)
			d.heading(c.Label, 11.5)
			for _, m := range c.Measures {
				d.measureBlock(m)
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
	d.logCheckpoint()
	return d, f.Error()
}

// logCheckpoint ends a document with the audit log's signed checkpoint,
// so that a copy of the tree head lives outside the database with every
// PDF handed out: "gdpr audit verify --checkpoint FILE" checks the log
// against it later. In a fixed-width font, one line of the note a line,
// so that it can be copied back exactly.
func (d *pdfDoc) logCheckpoint() {
	if d.o.Checkpoint == "" {
		return
	}
	lines := strings.Split(strings.TrimRight(d.o.Checkpoint, "\n"), "\n")
	d.keepSpace(float64(len(lines)+4) * 3.6)
	d.Ln(6)
	d.SetFont("go", "B", bodyFont)
	d.setColor(colAccent)
	d.lines(pageW-2*margin, lineH, d.o.t("export.checkpoint"))
	d.text(d.o.t("export.checkpoint.help"), bodyFont-1.5, "", colMuted)
	d.Ln(1)
	d.SetFont("mono", "", 6.5)
	d.setColor([3]int{})
	for _, l := range lines {
		d.CellFormat(pageW-2*margin, 3.4, pdfSafe(l), "", 1, "L", false, 0, "")
	}
}

func (d *pdfDoc) bookmark(s string) {
	if !d.measure {
		d.Bookmark(s, 0, -1)
	}
}

// cell is CellFormat, which the measuring pass does not draw: ln 0 keeps
// the position (the callers set it), 1 moves to the next line.
func (d *pdfDoc) cell(w, h float64, s string, ln int, align string) {
	if !d.measure {
		d.CellFormat(w, h, s, "", ln, align, false, 0, "")
		return
	}
	if ln == 1 {
		d.SetXY(margin, d.GetY()+h)
	}
}

// lines prints s wrapped to width w, h millimetres a line, breaking pages
// as CellFormat does (a line that does not fit goes to the next page), in
// both passes alike.
func (d *pdfDoc) lines(w, h float64, s string) {
	for _, l := range d.wrap(s, w-2*d.GetCellMargin()) {
		if d.GetY()+h > pageH-bottom {
			d.AddPage()
		}
		y := d.GetY()
		d.cell(w, h, l, 0, "L")
		d.SetXY(margin, y+h)
	}
}

func (d *pdfDoc) header() {
	if d.PageNo() == 1 {
		return
	}
	if d.measure {
		d.SetXY(margin, margin)
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
	if d.measure {
		return
	}
	d.SetFont("go", "", 8)
	d.setColor(colMuted)
	d.setDraw(colRule)
	d.Line(margin, pageH-16, pageW-margin, pageH-16)
	d.SetXY(margin, pageH-15)
	d.CellFormat((pageW-2*margin)/2, 4, pdfSafe(d.v.AsOf), "", 0, "L", false, 0, "")
	d.CellFormat((pageW-2*margin)/2, 4, d.o.t("export.page", d.PageNo(), fmt.Sprint(d.total)), "", 0, "R", false, 0, "")
}

func (d *pdfDoc) cover() {
	d.AddPage()
	d.SetY(45)
	w := pageW - 2*margin
	d.SetFont("go", "B", 22)
	d.setColor(colAccent)
	d.lines(w, 10, d.v.Title)
	d.SetFont("go", "", 11)
	d.setColor([3]int{})
	d.lines(w, 6, d.v.Subtitle)
	if d.v.DocTitle != "" {
		d.lines(w, 6, d.v.DocTitle)
	}
	d.setColor(colMuted)
	d.lines(w, 6, d.v.AsOf)
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
		if d.GetY()+lineH+1 > pageH-bottom {
			d.AddPage()
		}
		d.cell(w-15, lineH+1, pdfSafe(truncate(title, 95)), 0, "L")
		d.cell(15, lineH+1, page, 1, "R")
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
	d.lines(pageW-2*margin, size*0.5, s)
	d.Ln(headerGapAfter * size / 13)
}

func (d *pdfDoc) text(s string, size float64, style string, c [3]int) {
	d.SetFont("go", style, size)
	d.setColor(c)
	d.lines(pageW-2*margin, lineH, s)
}

// keepSpace starts a new page when less than h millimetres are left, so
// that a heading does not stand alone at the foot of a page.
func (d *pdfDoc) keepSpace(h float64) {
	if d.GetY()+h > pageH-bottom {
		d.AddPage()
	}
}

func (d *pdfDoc) measureBlock(m measureView) {
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
// Labels are wrapped in the bold font and values in the regular one before
// anything is drawn; on a page, the rows' frames and values are drawn
// first and their labels together at the page's end. Every change of font
// is an instruction on the page (some 60 bytes with embedded fonts), and
// fpdf keeps every page in memory until it writes the file: two changes a
// page instead of four a row keep the export of a large register small.
func (d *pdfDoc) table(rows []row) {
	valueW := pageW - 2*margin - labelW
	labels := make([][]string, len(rows))
	values := make([][]string, len(rows))
	d.SetFont("go", "B", bodyFont)
	for i, r := range rows {
		labels[i] = d.wrap(r.Label, labelW-2*cellPad)
	}
	d.SetFont("go", "", bodyFont)
	for i, r := range rows {
		for _, v := range r.Values {
			if len(r.Values) > 1 && !r.Text {
				v = "• " + v
			}
			values[i] = append(values[i], d.wrap(v, valueW-2*cellPad)...)
		}
	}
	type label struct {
		y    float64
		text string
	}
	var pending []label
	flush := func() {
		if d.measure || len(pending) == 0 {
			pending = pending[:0]
			return
		}
		d.SetFont("go", "B", bodyFont)
		d.setColor([3]int{})
		for _, l := range pending {
			d.SetXY(margin, l.y)
			d.CellFormat(labelW, lineH, l.text, "", 0, "L", false, 0, "")
		}
		pending = pending[:0]
	}
	newPage := func() {
		flush()
		d.AddPage()
	}
	for ri, r := range rows {
		labelLines, valLines := labels[ri], values[ri]
		total := max(len(labelLines), len(valLines))
		avail := func() int { return int((pageH - bottom - d.GetY() - 2*cellPad) / lineH) }
		if total > avail() && float64(total) <= (pageH-bottom-margin-2*cellPad)/lineH {
			newPage()
		}
		first := true
		for first || len(valLines) > 0 {
			if avail() < 1 {
				newPage()
			}
			n := min(avail(), max(len(valLines), 1))
			if first {
				n = min(avail(), total)
			}
			h := float64(n)*lineH + 2*cellPad
			x, y := margin, d.GetY()
			take := min(n, len(valLines))
			if !d.measure {
				d.setFill(colLabel)
				d.setDraw(colRule)
				d.Rect(x, y, labelW, h, "FD")
				d.Rect(x+labelW, y, valueW, h, "D")
				if first {
					for i, l := range labelLines[:min(n, len(labelLines))] {
						pending = append(pending, label{y + cellPad + float64(i)*lineH, l})
					}
				}
				d.SetFont("go", "", bodyFont)
				d.setColor([3]int{})
				if r.Missing {
					d.setColor(colAlarm)
				}
				for i, l := range valLines[:take] {
					d.SetXY(x+labelW, y+cellPad+float64(i)*lineH)
					d.CellFormat(valueW, lineH, l, "", 0, "L", false, 0, "")
				}
			}
			valLines = valLines[take:]
			d.SetXY(margin, y+h)
			first = false
		}
	}
	y := d.GetY()
	flush()
	d.SetXY(margin, y)
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

// setDraw and setFill write a colour only when it changes on the page
// (fpdf writes it each time).
func (d *pdfDoc) setDraw(c [3]int) {
	if d.drawn != c || d.colorPage != d.PageNo() {
		d.SetDrawColor(c[0], c[1], c[2])
		d.drawn = c
	}
	d.colorPage = d.PageNo()
}

func (d *pdfDoc) setFill(c [3]int) {
	if d.filled != c || d.fillPage != d.PageNo() {
		d.SetFillColor(c[0], c[1], c[2])
		d.filled = c
	}
	d.fillPage = d.PageNo()
}

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
