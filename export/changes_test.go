package export

import (
	"encoding/json"
	"strings"
	"testing"

	"gdpr/locale"
	"gdpr/register"
)

func TestChangeRows(t *testing.T) {
	old := &register.Activity{ID: "shop", Name: "Shop", Status: register.StatusDraft, Purposes: []string{"Verkauf", "Versand"},
		Contact:    &register.Contact{Name: "Frau Muster", Phone: "0521 1"},
		Recipients: register.Recipients{Items: []register.Recipient{{Name: "Paketdienst", Kind: register.RecipientExternal}}},
		TOMs:       []string{"backup"}}
	new := *old
	new.Status = register.StatusApproved
	new.Purposes = []string{"Verkauf", "Newsletter"}
	new.Contact = &register.Contact{Name: "Frau Muster", Phone: "0521 2"}
	new.Recipients = register.Recipients{Items: []register.Recipient{{Name: "Paketdienst", Kind: register.RecipientExternal}, {Name: "Zahlungsdienst", Kind: register.RecipientProcessor}}}
	new.TOMs = []string{"backup", "tls"}
	new.ThirdCountryTransfers = register.Transfers{None: true}
	changes, err := register.Diff(old, &new)
	if err != nil {
		t.Fatal(err)
	}
	rows := ChangeRows("activity", changes, map[string]string{"tls": "TLS 1.3 für alle Verbindungen"}, locale.DE)
	var got []string
	for _, r := range rows {
		if r.List {
			got = append(got, r.Label+": +"+strings.Join(r.Added, "+")+" -"+strings.Join(r.Removed, "-"))
		} else {
			got = append(got, r.Label+": "+r.Old+" → "+r.New)
		}
	}
	want := []string{
		"Ansprechpartner: Telefon: 0521 1 → 0521 2",
		"Zwecke der Verarbeitung: +Newsletter -Versand",
		"Kategorien von Empfängern: +Zahlungsdienst (Auftragsverarbeiter) -",
		"Übermittlung an Drittländer: +Keine Übermittlung in Drittländer -",
		"Technische und organisatorische Maßnahmen: +TLS 1.3 für alle Verbindungen -",
		"Status: Entwurf → Freigegeben",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, r := range rows {
		if strings.ContainsAny(r.Old+r.New+strings.Join(r.Added, "")+strings.Join(r.Removed, ""), "{}[]\"") {
			t.Errorf("raw JSON in %+v", r)
		}
	}
}

func TestChangeRowsMeasureAndHeader(t *testing.T) {
	cases := []struct {
		entity, field, old, new string
		want                    string
	}{
		{"measure", "category", `"integrity"`, `"encryption"`, "Kategorie (Art. 32): Integrität → Verschlüsselung"},
		{"measure", "review_interval", `null`, `"P1Y"`, "Prüfintervall: – → 1 Jahr"},
		{"measure", "last_reviewed", `"2026-01-31"`, `"2026-11-02"`, "Zuletzt geprüft: 31.01.2026 → 02.11.2026"},
		{"measure", "legacy_control", `null`, `"zutrittskontrolle"`, "Kontrolle (BDSG a.F.): – → Zutrittskontrolle"},
		{"controller", "title", `"Alt"`, `"Neu"`, "Titel des Verzeichnisses: Alt → Neu"},
		{"controller", "controller", `{"name":"A GmbH"}`, `{"name":"A GmbH","dpo":{"name":"Dr. B"}}`, "Verantwortlicher: Datenschutzbeauftragter: Name: – → Dr. B"},
		{"activity", "dpia", `{"required":"unknown"}`, `{"required":"yes","reason":"Profiling"}`, "Datenschutz-Folgenabschätzung: Erforderlich: nicht bewertet → erforderlich\nDatenschutz-Folgenabschätzung: Begründung: – → Profiling"},
	}
	for _, c := range cases {
		rows := ChangeRows(c.entity, []register.Change{{Field: c.field, Old: json.RawMessage(c.old), New: json.RawMessage(c.new)}}, nil, locale.DE)
		var got []string
		for _, r := range rows {
			got = append(got, r.Label+": "+r.Old+" → "+r.New)
		}
		if strings.Join(got, "\n") != c.want {
			t.Errorf("%s %s: %q, want %q", c.entity, c.field, strings.Join(got, "\n"), c.want)
		}
	}
}
