package export_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gdpr/export"
	"gdpr/register"
)

func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext missing in CI")
		}
		t.Skip("pdftotext not installed")
	}
	path := filepath.Join(t.TempDir(), "doc.pdf")
	os.WriteFile(path, pdf, 0o644)
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// TestAuthorityDocument: the Art. 30 document shows the register as the
// controller states it: no diagnostics of the tool (an unreadable rule,
// a missing start event) and no measure text twice; a complete rule is
// printed beside its statement.
func TestAuthorityDocument(t *testing.T) {
	r := demo(t)
	for _, f := range []export.Format{export.PDF, export.Markdown, export.HTML} {
		doc := string(render(t, f, r, opts))
		if f == export.PDF {
			doc = pdfText(t, []byte(doc))
		}
		flat := strings.Join(strings.Fields(doc), " ")
		for _, diag := range []string{"Startereignis fehlt", "keine ausführbare Regel"} {
			if strings.Contains(flat, diag) {
				t.Errorf("%s: the document for the authority says %q", f, diag)
			}
		}
		if !strings.Contains(flat, "IP-Adressen nach 30 Tagen → 30 Tage nach Erhebung") {
			t.Errorf("%s: the complete rule is missing", f)
		}
		for _, m := range r.TOMs {
			title, desc := m.Display()
			for _, s := range []string{title, desc} {
				if s = strings.Join(strings.Fields(s), " "); s != "" && strings.Count(flat, s) > 1 {
					t.Errorf("%s: %q stands twice", f, s)
				}
			}
		}
	}
}

// TestReport: the audit report lists every finding with rule, citation,
// entry and status, dated, in PDF and Markdown.
func TestReport(t *testing.T) {
	r := demo(t)
	fs := register.Check(r, register.DateOf(opts.Now))
	rep := export.BuildReport(r, fs, opts)
	if len(rep.Entries) != len(fs) || len(fs) == 0 {
		t.Fatalf("%d entries for %d findings", len(rep.Entries), len(fs))
	}
	var md bytes.Buffer
	if err := export.WriteReport(&md, export.Markdown, rep, opts); err != nil {
		t.Fatal(err)
	}
	var pdf bytes.Buffer
	if err := export.WriteReport(&pdf, export.PDF, rep, opts); err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(pdfText(t, pdf.Bytes())), " ")
	for _, doc := range []string{md.String(), text} {
		for _, want := range []string{"Prüfbericht", "Erstellt am 23.11.2026, 11:00 MEZ", "Rechtsgrundlage fehlt", "Art. 5 Abs. 2, Art. 6 Abs. 1 DSGVO",
			"Kundenverwaltung", "Entwurf", "Löschfrist ohne Startereignis"} {
			if !strings.Contains(doc, want) {
				t.Errorf("report lacks %q:\n%.600s", want, doc)
			}
		}
	}
	if err := export.WriteReport(&md, export.CSV, rep, opts); err == nil {
		t.Error("a report as CSV")
	}
}
