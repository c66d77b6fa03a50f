package web

import (
	"io/fs"
	"regexp"
	"testing"

	"gdpr/locale"
	"gdpr/register"
	"gdpr/retention"
	"gdpr/run"
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

// TestDynamicKeys: the keys the pages make from a vocabulary exist for
// every word of it.
func TestDynamicKeys(t *testing.T) {
	var keys []string
	for _, e := range retention.Events {
		keys = append(keys, "eventname."+string(e.Event), "event."+string(e.Event))
	}
	for _, a := range register.SweepActions {
		keys = append(keys, "ui.system.action."+string(a))
	}
	for _, e := range register.Engines {
		keys = append(keys, "value.engine."+string(e))
	}
	for _, s := range []run.State{run.Running, run.Done, run.Failed, run.Aborted} {
		keys = append(keys, "value.run."+string(s))
	}
	for _, k := range []run.Kind{run.Sweep, run.Scan} {
		keys = append(keys, "value.runkind."+string(k))
	}
	for _, k := range keys {
		if !locale.Has(k) {
			t.Errorf("no catalogue entry %q", k)
		}
	}
}
