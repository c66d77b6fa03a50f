package consent

import (
	"strings"
	"testing"
)

func TestDiffText(t *testing.T) {
	for _, c := range []struct{ old, new, want string }{
		{"Ja, ich möchte den Newsletter.", "Ja, ich möchte den Newsletter wöchentlich.", " Ja, ich möchte den |-Newsletter.|+Newsletter wöchentlich."},
		{"", "Neu.", "+Neu."},
		{"Alt.", "", "-Alt."},
		{"gleich bleibt", "gleich bleibt", " gleich bleibt"},
		{"a b c", "a c", " a |-b | c"},
	} {
		var parts []string
		for _, p := range DiffText(c.old, c.new) {
			parts = append(parts, string(p.Op)+p.Text)
		}
		if got := strings.Join(parts, "|"); got != c.want {
			t.Errorf("DiffText(%q, %q) = %q, want %q", c.old, c.new, got, c.want)
		}
		// The kept and added parts are the new text; kept and removed the old.
		var o, n strings.Builder
		for _, p := range DiffText(c.old, c.new) {
			if p.Op != '+' {
				o.WriteString(p.Text)
			}
			if p.Op != '-' {
				n.WriteString(p.Text)
			}
		}
		if o.String() != c.old || n.String() != c.new {
			t.Errorf("parts do not rebuild %q → %q: %q → %q", c.old, c.new, o.String(), n.String())
		}
	}
}

func FuzzDiffText(f *testing.F) {
	f.Add("Ja, ich möchte den Newsletter.", "Ja, den Newsletter wöchentlich.")
	f.Fuzz(func(t *testing.T, old, new string) {
		var o, n strings.Builder
		for _, p := range DiffText(old, new) {
			if p.Op != '+' {
				o.WriteString(p.Text)
			}
			if p.Op != '-' {
				n.WriteString(p.Text)
			}
		}
		if o.String() != old || n.String() != new {
			t.Fatalf("parts do not rebuild the texts")
		}
	})
}
