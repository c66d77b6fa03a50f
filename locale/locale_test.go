package locale_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"gdpr/locale"
	"gdpr/register"
	"gdpr/retention"
)

// TestCatalogueComplete: every text exists in both languages, and every
// value the domain can produce has a label.
func TestCatalogueComplete(t *testing.T) {
	verbs := regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z]`)
	for _, k := range locale.Keys() {
		de, en := locale.T(locale.DE, k), locale.T(locale.EN, k)
		if de == "" || en == "" {
			t.Errorf("%s: empty in a language", k)
		}
		// The same arguments in the same order; %q in English may be
		// „%s“ in German.
		norm := func(s string) []string {
			var vs []string
			for _, v := range verbs.FindAllString(strings.ReplaceAll(s, "%%", ""), -1) {
				vs = append(vs, strings.NewReplacer("%q", "%s", "%v", "%s").Replace(v))
			}
			return vs
		}
		if d, e := norm(de), norm(en); !slices.Equal(d, e) {
			t.Errorf("%s: arguments %v in German, %v in English", k, d, e)
		}
	}
	var need []string
	for _, r := range register.Rules {
		need = append(need, "finding."+r.Code, "rule."+r.Code)
	}
	for _, c := range register.Categories {
		need = append(need, "value.category."+string(c))
	}
	for _, l := range register.LegacyControls {
		need = append(need, "value.legacy."+string(l))
	}
	for _, s := range register.Statuses {
		need = append(need, "value.status."+string(s))
	}
	for _, k := range register.RecipientKinds {
		need = append(need, "value.kind."+string(k))
	}
	need = append(need, "value.role.controller", "value.role.processor", "value.dpia.yes", "value.dpia.no", "value.dpia.unknown",
		"value.severity.error", "value.severity.warning", "value.severity.info", "value.entity.controller", "value.entity.activity", "value.entity.measure", "value.entity.document")
	for _, e := range retention.Events {
		need = append(need, "event."+string(e.Event))
	}
	for _, k := range need {
		if !locale.Has(k) {
			t.Errorf("catalogue lacks %s", k)
		}
	}
}

func TestParse(t *testing.T) {
	for in, want := range map[string]locale.Lang{"de": locale.DE, "en-GB": locale.EN, "fr, en;q=0.8": locale.EN, "de-AT,de;q=0.9": locale.DE} {
		if got, ok := locale.Parse(in); !ok || got != want {
			t.Errorf("Parse(%q) = %s %v", in, got, ok)
		}
	}
	if _, ok := locale.Parse("fr"); ok {
		t.Error("fr accepted")
	}
	if got := locale.T(locale.EN, "no.such.key"); got != "no.such.key" {
		t.Errorf("missing key gives %q", got)
	}
}
