package export_test

import (
	"bytes"
	"encoding/csv"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"gopkg.in/yaml.v3"

	demodata "gdpr/demo"

	"gdpr/export"
	"gdpr/importer"
	"gdpr/locale"
	"gdpr/register"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// demo is the register of the seed company: seed 000 and seed 002.
func demo(t *testing.T) *register.Register {
	t.Helper()
	r, err := demodata.Register()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var opts = export.Options{Lang: locale.DE, Now: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}

func render(t *testing.T, f export.Format, r *register.Register, o export.Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := export.Write(&buf, f, r, o); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./export -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; inspect with go test ./export -update && git diff", name)
	}
}

func TestGolden(t *testing.T) {
	r := demo(t)
	for _, c := range []struct {
		f    export.Format
		lang locale.Lang
		file string
	}{
		{export.Markdown, locale.DE, "demo.de.md"},
		{export.Markdown, locale.EN, "demo.en.md"},
		{export.HTML, locale.DE, "demo.de.html"},
		{export.CSV, locale.DE, "demo.de.csv"},
		{export.YAML, locale.DE, "demo.yaml"},
		{export.JSON, locale.DE, "demo.json"},
	} {
		o := opts
		o.Lang = c.lang
		golden(t, c.file, render(t, c.f, r, o))
	}
}

func TestNativeRoundTrip(t *testing.T) {
	r := demo(t)
	for _, f := range []export.Format{export.YAML, export.JSON} {
		first := render(t, f, r, opts)
		res, err := importer.Parse("export."+string(f), first)
		if err != nil {
			t.Fatalf("%s export does not import: %v", f, err)
		}
		if second := render(t, f, res.Register, opts); !bytes.Equal(first, second) {
			t.Errorf("%s export -> import -> export differs", f)
		}
	}
}

func TestTableExportsImportAgain(t *testing.T) {
	r := demo(t)
	for _, c := range []struct {
		f    export.Format
		lang locale.Lang
	}{{export.CSV, locale.DE}, {export.CSV, locale.EN}, {export.XLSX, locale.DE}, {export.XLSX, locale.EN}} {
		o := opts
		o.Lang = c.lang
		res, err := importer.Parse("export."+string(c.f), render(t, c.f, r, o))
		if err != nil {
			t.Fatalf("%s/%s: %v", c.f, c.lang, err)
		}
		if len(res.Register.Activities) != 4 {
			t.Fatalf("%s/%s: %d activities", c.f, c.lang, len(res.Register.Activities))
		}
		for i, a := range res.Register.Activities {
			o := r.Activities[i]
			if a.ID != o.ID || a.Name != o.Name || strings.Join(a.DataCategories, "|") != strings.Join(o.DataCategories, "|") ||
				!a.Recipients.None || !a.ThirdCountryTransfers.None || a.Introduced.String() != "2018-03-19" || *a.Contact != *o.Contact ||
				len(a.Retention) != 1 || a.Retention[0].Text != o.Retention[0].Text || len(a.Notes) != 0 {
				t.Errorf("%s/%s row %d: %+v", c.f, c.lang, i, a)
			}
		}
	}
}

// TestCSVFormulaInjection: cells a spreadsheet would run as formulas are
// written as text, and import again as they were.
func TestCSVFormulaInjection(t *testing.T) {
	r := demo(t)
	evil := []string{`=HYPERLINK("http://evil.example","x")`, "+49 30 1234", "-2+3", "@SUM(A1)", "'quoted", "'=both"}
	for in, want := range map[string]string{"\tcmd": "'\tcmd", "\rcmd": "'\rcmd", "plain": "plain", "": "", "=1": "'=1"} {
		if got := export.CSVSafe(in); got != want {
			t.Errorf("CSVSafe(%q) = %q", in, got)
		}
	}
	r.Activities[0].Name = evil[0]
	r.Activities[0].Purposes = evil[1:]
	b := render(t, export.CSV, r, opts)
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff")))).ReadAll()
	if err != nil {
		rd := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff"))))
		rd.Comma = ';'
		if rows, err = rd.ReadAll(); err != nil {
			t.Fatal(err)
		}
	}
	for _, row := range rows {
		for _, c := range row {
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				t.Errorf("cell %q would be a formula", c)
			}
		}
	}
	res, err := importer.Parse("x.csv", b)
	if err != nil {
		t.Fatal(err)
	}
	a := res.Register.Activities[0]
	if a.Name != evil[0] || strings.Join(a.Purposes, "|") != strings.Join(evil[1:], "|") {
		t.Fatalf("imported %q %q", a.Name, a.Purposes)
	}
}

// TestYAMLPartsEqualWhole: the native YAML written entry by entry is the
// bytes the encoder writes for the whole register, multi-line texts with
// blank lines, quotes and lists included.
func TestYAMLPartsEqualWhole(t *testing.T) {
	r := demo(t)
	r.Activities[0].Description = "erste Zeile\n\ndritte Zeile nach einer leeren\n  eingerückt: mit Doppelpunkt"
	r.Activities[1].Notes = []string{"- wie eine Liste", "#kein Kommentar", "'quoted'", ""}
	r.TOMs[0].Description = "a\n\n\nb"
	var whole bytes.Buffer
	enc := yaml.NewEncoder(&whole)
	enc.SetIndent(2)
	if err := enc.Encode(export.Native(r)); err != nil {
		t.Fatal(err)
	}
	enc.Close()
	parts := render(t, export.YAML, r, opts)
	if !bytes.Equal(parts, whole.Bytes()) {
		t.Fatalf("entry by entry:\n%s\nwhole:\n%s", parts, whole.Bytes())
	}
}

func TestXLSXSheets(t *testing.T) {
	f, err := excelize.OpenReader(bytes.NewReader(render(t, export.XLSX, demo(t), opts)))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.GetSheetList(), ","); got != "Verarbeitungstätigkeiten,Verantwortlicher,TOM,Dokumente" {
		t.Fatalf("sheets = %s", got)
	}
	rows, _ := f.GetRows("TOM")
	if len(rows) != 1+8+23 {
		t.Errorf("TOM sheet has %d rows", len(rows))
	}
}

// TestPDF checks the PDF as a reader would: its text (pdftotext) has the
// cover, every activity, the TOM chapter and page numbers. CI installs
// poppler-utils; without it the test fails in CI and is skipped elsewhere.
func TestPDF(t *testing.T) {
	pdf := render(t, export.PDF, demo(t), opts)
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatal("not a PDF")
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext missing in CI")
		}
		t.Skip("pdftotext not installed")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "demo.pdf")
	os.WriteFile(path, pdf, 0o644)
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	info, _ := exec.Command("pdfinfo", path).Output()
	if !strings.Contains(string(info), "595.28 x 841.89 pts (A4)") {
		t.Errorf("not A4: %s", info)
	}
	pages := strings.Count(text, "\f")
	for _, want := range []string{
		"Verzeichnis von Verarbeitungstätigkeiten", "gemäß Art. 30 Abs. 1 DSGVO", "Stand: 23.11.2026", "allegro:it",
		"Rüthener Straße 7", "Datenschutzbeauftragter", "nicht angegeben",
		"1. Betrieb der Website und des Onlineshops", "4. Werbemaßnahmen zur Kundengewinnung",
		"Zwecke der Verarbeitung", "Keine Weitergabe", "IP-Adressen nach 30 Tagen", "19.03.2018",
		"Technische und organisatorische Maßnahmen", "Pseudonymisierung", "Wiederherstellung nach einem Zwischenfall",
		"Notfallanweisungen für Webserver", "Seite 1 von ", "Seite 2 von ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
	if pages < 6 || !strings.Contains(text, "Seite 6 von ") {
		t.Errorf("%d pages", pages)
	}
	if strings.Contains(text, "{nb}") {
		t.Error("page-count alias not replaced")
	}
	if os.Getenv("GDPR_KEEP_PDF") != "" {
		os.WriteFile(os.Getenv("GDPR_KEEP_PDF"), pdf, 0o644)
	}
}

func TestPDFEnglishAndOddText(t *testing.T) {
	r := demo(t)
	r.Activities[0].Notes = []string{"emoji 😀 and a tab\tand " + strings.Repeat("very long note ", 600)}
	o := opts
	o.Lang = locale.EN
	pdf := render(t, export.PDF, r, o)
	if len(pdf) < 1000 {
		t.Fatal("PDF too small")
	}
}

// full sets every field the documents can show, so that a label or value
// missing from the catalogue shows up as a raw key.
func full(t *testing.T) *register.Register {
	r := demo(t)
	d := register.Date{Year: 2025, Month: 1, Day: 31}
	p := register.DefaultReviewInterval
	r.Controller.DPO = &register.Contact{Name: "Dr. Datenschutz", Email: "dsb@example.org"}
	r.Controller.JointControllers = []register.Contact{{Name: "Partner GmbH"}}
	a := r.Activities[0]
	a.Role, a.Controllers, a.Department, a.Description = register.RoleProcessor, []string{"Kunde A"}, "Vertrieb", "Shop"
	a.LegalBases = []string{"Art. 6 Abs. 1 lit. b DSGVO"}
	a.Recipients = register.Recipients{Items: []register.Recipient{{Name: "Steuerberater", Kind: register.RecipientExternal}, {Name: "Hoster", Kind: register.RecipientProcessor},
		{Name: "Finanzamt", Kind: register.RecipientAuthority}, {Name: "Buchhaltung", Kind: register.RecipientInternal}}}
	a.ThirdCountryTransfers = register.Transfers{Items: []register.Transfer{{Country: "US", Recipient: "Mailer Inc.", Safeguard: "SCC"}}}
	a.Retention = append(a.Retention, register.Retention{DataCategory: "Rechnungen", Text: "8 Jahre"})
	a.DataLocation, a.DPIA, a.Status, a.Notes = "EU", &register.DPIA{Required: register.Yes, Reason: "Profiling"}, register.StatusInReview, []string{"Anmerkung"}
	a.TOMs = []string{r.TOMs[0].ID}
	r.Activities[1].DPIA = &register.DPIA{Required: register.No}
	r.Activities[2].Status = register.StatusApproved
	m := r.TOMs[0]
	m.Owner, m.Evidence, m.LastReviewed, m.ReviewInterval, m.LegacyControl = "IT", "Protokoll", &d, &p, register.LegacyZutritt
	return r
}

func TestNoRawCatalogueKeys(t *testing.T) {
	r := full(t)
	for _, lang := range locale.Langs {
		o := opts
		o.Lang = lang
		for _, f := range []export.Format{export.Markdown, export.HTML, export.CSV} {
			out := string(render(t, f, r, o))
			for _, prefix := range []string{"label.", "value.", "export.", "finding."} {
				if i := strings.Index(out, prefix); i >= 0 {
					t.Errorf("%s/%s shows a raw key near %q", f, lang, out[i:min(len(out), i+40)])
				}
			}
		}
		pdf := render(t, export.PDF, r, o)
		if len(pdf) < 1000 {
			t.Errorf("pdf/%s too small", lang)
		}
	}
	md := string(render(t, export.Markdown, r, opts))
	for _, want := range []string{"Im Auftrag von", "Kunde A", "US – Mailer Inc. (Garantie: SCC)", "Rechnungen: 8 Jahre", "erforderlich – Profiling",
		"Dr. Datenschutz", "Zutrittskontrolle", "nächste Prüfung 31.01.2026", "Steuerberater (extern)", "Hoster (Auftragsverarbeiter)"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
}
