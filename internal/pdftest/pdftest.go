// Package pdftest reads a PDF's text back for tests with pdftotext
// (poppler), which .ci/run installs.
package pdftest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Text is a PDF's text as pdftotext reads it; false where pdftotext is not
// installed (logged; a failure under CI=true).
func Text(t testing.TB, pdf []byte) (string, bool) {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext missing in CI")
		}
		t.Log("pdftotext not installed: the PDF is not read back")
		return "", false
	}
	name := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(name, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", name, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out), true
}
