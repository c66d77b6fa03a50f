package web

import (
	"io/fs"
	"regexp"
	"testing"

	"gdpr/locale"
)

var keyUse = regexp.MustCompile(`t \$?\.(?:Page\.)?Lang "([a-z0-9_.\-]+)"`)

// TestTemplateKeys: every catalogue key a template names exists.
func TestTemplateKeys(t *testing.T) {
	names, _ := fs.Glob(templates, "templates/*.html")
	n := 0
	for _, name := range names {
		b, _ := fs.ReadFile(templates, name)
		for _, m := range keyUse.FindAllStringSubmatch(string(b), -1) {
			n++
			if !locale.Has(m[1]) {
				t.Errorf("%s: no catalogue entry %q", name, m[1])
			}
		}
	}
	if n < 100 {
		t.Errorf("only %d keys found: is the pattern right?", n)
	}
	parsePages(funcs()) // panics on a template error
}
