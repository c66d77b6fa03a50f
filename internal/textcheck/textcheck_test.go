package textcheck

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		text string
		want string
	}{
		{"Gespeichert. Die Verarbeitungstätigkeit „Kundenverwaltung“ gibt es nicht.", ""},
		{"activity \"nope\" not found", "English word found|English word not|English word activity"},
		{"Status: draft", "English word draft"},
		{"Ereignis document_date fehlt", "internal name document_date"},
		{"Regel legal-basis-missing", "internal name legal-basis-missing"},
		{"Aktion activity.update", "internal name activity.update"},
		{"Taste ui.save drücken", "raw key ui.save"},
		{"Schreiben Sie an info@allegro-it.de oder https://example.com/a_b", ""},
	} {
		got := strings.Join(Check(c.text), "|")
		for _, w := range strings.Split(c.want, "|") {
			if w != "" && !strings.Contains(got, w) {
				t.Errorf("Check(%q) = %q, lacks %q", c.text, got, w)
			}
		}
		if c.want == "" && got != "" {
			t.Errorf("Check(%q) = %q, want nothing", c.text, got)
		}
	}
}
