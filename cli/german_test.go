package cli_test

import (
	"path/filepath"
	"strings"
	"testing"

	"gdpr/internal/textcheck"
)

// TestGermanCLI runs the commands a DPO or admin reads in German, and
// their errors: no English word, raw catalogue key or internal name in
// what they print. Left out on purpose: the native format (show, export
// --format yaml/json, schema) and `retention events`, whose ids are the
// words --event takes.
func TestGermanCLI(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "gdpr.db")
	s000, s002, _, _ := seeds(t)
	out := filepath.Join(dir, "verzeichnis.pdf")
	keys := filepath.Join(dir, "schluessel")
	for _, args := range [][]string{
		{"vault", "init", keys},
		{"--vault-keys", keys, "import", s000, s002},
		{"--vault-keys", keys, "audit", "verify"},
		{"--vault-keys", keys, "vault", "seal"},
		{"--vault-keys", keys, "audit", "prove", "taetigkeit/gibt-es-nicht/1"},
		{"audit", "verify"},
		{"audit", "check", filepath.Join(dir, "fehlt.json"), "--public-key", filepath.Join(keys, "log.pub")},
		{"vault", "init", keys},
		{"import", "--dry-run", "--diff", s000},
		{"activities", "list"},
		{"toms", "list"},
		{"documents", "list"},
		{"toms", "list", "--status", "approved"},
		{"check"},
		{"export", "--format", "md"},
		{"export", "--format", "pdf", "-o", out},
		{"retention", "parse", "10 Jahre nach Rechnungsdatum"},
		{"retention", "parse", "Dauer der Geschäftsbeziehung + 1 Monat"},
		{"retention", "classes"},
		{"users", "list"},
		{"tokens", "list"},
		// Errors.
		{"activities", "show", "gibt-es-nicht"},
		{"toms", "show", "gibt-es-nicht"},
		{"activities", "list", "--status", "fertig"},
		{"activities", "list", "--status", "Entwurf"},
		{"activities", "list", "--format", "xml"},
		{"activities", "show"},
		{"activities", "list", "überzählig"},
		{"activities", "list", "--gibt-es-nicht"},
		{"activities", "list", "--status"},
		{"gibtsnicht"},
		{"export", "--format", "docx"},
		{"import", filepath.Join(dir, "fehlt.txt")},
		{"--lang", "fr", "check"},
		{"--db", filepath.Join(dir, "nicht-da.db"), "activities", "list"},
		{"serve", "--addr", "0.0.0.0:0"},
		{"retention", "due", "--event", "kaputt", "10 Jahre"},
		{"users", "add", "erika", "--role", "editor"},
		{"subjects", "show", "s-gibtsnicht"},
		{"subjects", "add", "kaputt"},
	} {
		r := gdpr(t, db, args...)
		if probs := textcheck.Check(r.stdout + "\n" + r.stderr); len(probs) > 0 {
			t.Errorf("gdpr %s: %s\n%s%s", strings.Join(args, " "), strings.Join(probs, "; "), r.stdout, r.stderr)
		}
	}
}
