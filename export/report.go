package export

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/go-pdf/fpdf"

	"gdpr"
	"gdpr/locale"
	"gdpr/register"
)

// The audit report (Prüfbericht) is the tool's own reading of the
// register: every finding of the lint with its rule, legal reference, the
// entry it concerns and that entry's status, dated. It is kept apart from
// the Art. 30 document, which shows the register as the controller
// states it.

// ReportFormats are the formats of the audit report.
var ReportFormats = []Format{PDF, Markdown}

// ReportEntry is one finding of the report.
type ReportEntry struct {
	Severity, Rule, Kind, Entry, Status, Message, Citation string
}

// Report is the audit report's content.
type Report struct {
	Title, Controller, AsOf string
	Counts                  [3]int // errors, warnings, notes
	Entries                 []ReportEntry
	Lang                    locale.Lang
}

// BuildReport describes the findings of r for the report: names and
// statuses come from the register, texts from the catalogue.
func BuildReport(r *register.Register, fs []register.Finding, o Options) *Report {
	rep := &Report{Title: o.t("report.title"), AsOf: o.t("report.asof", locale.Time(o.Lang, o.Now)), Lang: o.Lang}
	if r.Controller != nil {
		rep.Controller = r.Controller.Name
	}
	acts, ms := map[string]*register.Activity{}, map[string]*register.Measure{}
	for _, a := range r.Activities {
		acts[a.ID] = a
	}
	for _, m := range r.TOMs {
		ms[m.ID] = m
	}
	for _, f := range Describe(fs, o.Lang) {
		e := ReportEntry{Severity: o.t("value.severity." + string(f.Severity)), Rule: f.Rule, Kind: o.t("value.entity." + f.Entity),
			Message: f.Message, Citation: f.Citation, Entry: rep.Controller}
		switch f.Severity {
		case register.SevError:
			rep.Counts[0]++
		case register.SevWarning:
			rep.Counts[1]++
		default:
			rep.Counts[2]++
		}
		if a := acts[f.EntityID]; f.Entity == "activity" && a != nil {
			e.Entry, e.Status = a.Name, o.t("value.status."+string(a.Status))
		}
		if m := ms[f.EntityID]; f.Entity == "measure" && m != nil {
			e.Entry, e.Status = m.Title, o.t("value.status."+string(m.Status))
		}
		rep.Entries = append(rep.Entries, e)
	}
	return rep
}

// WriteReport writes the report as PDF or Markdown.
func WriteReport(w io.Writer, f Format, rep *Report, o Options) error {
	switch f {
	case Markdown:
		return reportMarkdown(w, rep, o)
	case PDF:
		return reportPDF(w, rep, o)
	}
	return gdpr.Keyed(gdpr.EINVALID, "format", "report.format", string(f))
}

func reportMarkdown(w io.Writer, rep *Report, o Options) error {
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, "# %s\n\n", mdEscape(rep.Title))
	if rep.Controller != "" {
		fmt.Fprintf(b, "%s: %s  \n", o.t("export.controller"), mdEscape(rep.Controller))
	}
	fmt.Fprintf(b, "%s\n\n%s\n\n", mdEscape(rep.AsOf), mdEscape(o.t("report.counts", rep.Counts[0], rep.Counts[1], rep.Counts[2])))
	if len(rep.Entries) == 0 {
		fmt.Fprintf(b, "%s\n", o.t("export.nofindings"))
		return b.Flush()
	}
	fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s |\n|---|---|---|---|---|---|\n", o.t("label.severity"), o.t("ui.findings.rule"),
		o.t("label.entry"), o.t("label.status"), o.t("label.message"), o.t("label.ref"))
	for _, e := range rep.Entries {
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s |\n", mdEscape(e.Severity), mdEscape(e.Rule), mdEscape(e.Kind+": "+e.Entry),
			mdEscape(orDash(e.Status)), mdEscape(e.Message), mdEscape(e.Citation))
	}
	return b.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func reportPDF(w io.Writer, rep *Report, o Options) error {
	f, d := datedPDF(o, rep.Title, rep.Controller, rep.AsOf, rep.Lang)
	d.heading(rep.Title, 18)
	if rep.Controller != "" {
		d.text(o.t("export.controller")+": "+rep.Controller, bodyFont+1, "", [3]int{})
	}
	d.text(rep.AsOf, bodyFont, "", colMuted)
	d.text(o.t("report.counts", rep.Counts[0], rep.Counts[1], rep.Counts[2]), bodyFont+1, "B", [3]int{})
	d.text(o.t("report.note"), bodyFont-0.5, "", colMuted)
	f.Ln(4)
	if len(rep.Entries) == 0 {
		d.text(o.t("export.nofindings"), bodyFont, "", [3]int{})
	}
	for _, e := range rep.Entries {
		d.keepSpace(4 * lineH)
		c := [3]int{}
		if strings.EqualFold(e.Severity, o.t("value.severity.error")) {
			c = colAlarm
		}
		d.text(e.Severity+" · "+e.Rule, bodyFont, "B", c)
		d.text(e.Kind+": "+e.Entry+statusSuffix(e.Status, o), bodyFont, "", [3]int{})
		d.text(e.Message, bodyFont, "", [3]int{})
		d.text(e.Citation, bodyFont-1, "", colMuted)
		f.Ln(2.5)
	}
	d.logCheckpoint()
	if err := f.Error(); err != nil {
		return err
	}
	return f.Output(w)
}

// datedPDF starts a document of the tool's own (the audit report, the
// deletion protocol): its date and the page number in every footer.
func datedPDF(o Options, title, controller, asOf string, lang locale.Lang) (*fpdf.Fpdf, *pdfDoc) {
	f := newPDF(o, title, controller, string(lang))
	d := &pdfDoc{Fpdf: f, v: &view{Title: title, Name: controller, AsOf: asOf}, o: o}
	f.SetFooterFunc(func() {
		f.SetFont("go", "", 8)
		d.setColor(colMuted)
		f.SetXY(margin, pageH-15)
		f.CellFormat(pageW-2*margin, 4, pdfSafe(asOf)+" · "+o.t("report.page", f.PageNo()), "", 0, "L", false, 0, "")
	})
	f.AddPage()
	return f, d
}

func statusSuffix(s string, o Options) string {
	if s == "" {
		return ""
	}
	return " (" + o.t("label.status") + ": " + s + ")"
}
