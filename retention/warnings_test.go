package retention_test

import (
	"slices"
	"testing"

	"gdpr/period"
	"gdpr/retention"
)

func codes(r retention.Result) []string {
	var out []string
	for _, w := range r.Warnings {
		out = append(out, w.Code)
	}
	return out
}

func TestWarnings(t *testing.T) {
	cases := []struct {
		name, text, topic string
		want, not         []string
	}{
		{"seed 000 marketing: no statutory duty", "10 Jahre (gesetzliche Aufbewahrungspflicht)", "Werbemaßnahmen zur Kundengewinnung Marketing zur Kundenakquise E-Mail-Adressen der Kunden",
			[]string{"no-start-event", "no-statutory-duty"}, nil},
		{"seed 000 payments: outdated 10 years", "10 Jahre (gesetzliche Aufbewahrungspflicht)", "Zahlungsabwicklung bei Kunden Durchführung der Zahlungsverarbeitung",
			[]string{"no-start-event", "outdated-law"}, []string{"no-statutory-duty"}},
		{"customer master data: only no start", "10 Jahre (gesetzliche Aufbewahrungspflicht)", "Kundenverwaltung Stammdaten der Kunden",
			[]string{"no-start-event"}, []string{"outdated-law", "no-statutory-duty"}},
		{"invoices 10 years", "Rechnungen: 10 Jahre ab Schluss des Kalenderjahres", "", []string{"outdated-law"}, nil},
		{"banks keep 10 years", "Kontoauszüge und Buchungsbelege 10 Jahre ab Schluss des Kalenderjahres", "Kreditinstitut", nil, []string{"outdated-law"}},
		{"books keep 10 years", "Jahresabschlüsse und Handelsbücher 10 Jahre ab Schluss des Kalenderjahres", "", nil, []string{"outdated-law", "below-minimum"}},
		{"invoices too short", "Rechnungen werden nach 5 Jahren gelöscht", "", []string{"below-minimum"}, nil},
		{"business letters too short", "Geschäftsbriefe 3 Jahre ab Schluss des Kalenderjahres", "", []string{"below-minimum"}, nil},
		{"statutory period from the event day", "Rechnungen 8 Jahre nach Rechnungsdatum (§ 147 AO)", "", []string{"statutory-year-end"}, []string{"outdated-law"}},
		{"two rules", "Rechnungen 8 Jahre, Lieferscheine 6 Jahre", "", []string{"multiple-rules"}, nil},
		{"vague", "solange dies erforderlich ist", "", []string{"vague"}, nil},
		{"vague purpose end", "sobald der Zweck der Verarbeitung entfällt", "", []string{"vague"}, nil},
		{"unbounded", "Die Daten werden gespeichert.", "", []string{"unbounded"}, nil},
		{"statutory without length", "Löschung nach Ablauf der gesetzlichen Aufbewahrungsfrist", "", []string{"statutory-unspecified"}, nil},
		{"explicit and clean", "2 Jahre nach Vertragsende", "", nil, []string{"no-start-event", "implied-start", "vague"}},
		{"negated invoice is no invoice", "Anfragen, die nicht zu einer Rechnung geführt haben, werden nach zwei Jahren gelöscht", "", nil, []string{"below-minimum"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := codes(retention.Parse(c.text, retention.Context{Topic: c.topic}))
			for _, w := range c.want {
				if !slices.Contains(got, w) {
					t.Errorf("%v lacks %s", got, w)
				}
			}
			for _, w := range c.not {
				if slices.Contains(got, w) {
					t.Errorf("%v has %s", got, w)
				}
			}
		})
	}
	for code, r := range retention.WarningRules {
		if r.Ref == "" || (r.Severity != retention.SevWarning && r.Severity != retention.SevInfo) {
			t.Errorf("%s: %+v", code, r)
		}
	}
}

func TestMultipleRulesAreSplit(t *testing.T) {
	res := retention.Parse("Rechnungen 8 Jahre ab Schluss des Kalenderjahres; Bewerbungen 6 Monate nach Zugang der Absage", retention.Context{})
	if len(res.Rules) != 2 || res.Rules[1].Event != retention.ApplicationRejected || res.Rules[0].Anchor != retention.AnchorYearEnd {
		t.Fatalf("rules = %v", res.Rules)
	}
}

func TestActionsConditionsRefs(t *testing.T) {
	r := retention.Parse("Anfragen ohne Vertragsabschluss werden 2 Jahre nach Abschluss der Anfrage anonymisiert (Art. 17 DSGVO)", retention.Context{}).Rules[0]
	if r.Action != retention.Anonymise || r.Condition != "no_contract" || r.LegalRef != "Art. 17 dsgvo" {
		t.Errorf("rule = %+v", r)
	}
	r = retention.Parse("Nach Widerspruch 3 Jahre auf der Sperrliste", retention.Context{}).Rules[0]
	if r.Action != retention.Suppress || r.Event != retention.ObjectionReceived {
		t.Errorf("rule = %+v", r)
	}
	r = retention.Parse("Daten werden 10 Tage nach Vertragsende gesperrt und danach gelöscht", retention.Context{}).Rules[0]
	if r.Action != retention.RestrictThenDelete {
		t.Errorf("rule = %+v", r)
	}
}

func TestHolds(t *testing.T) {
	p := period.MustParse("P30D")
	r := retention.Rule{Event: retention.Collected, Period: &p}
	until := day("2026-12-31")
	holds := []retention.Hold{{Reason: "Rechtsstreit", Owner: "DSB", Until: &until}}
	events := ev("collected=2024-01-01")
	if o := retention.Evaluate(r, events, holds, day("2026-11-23")); o.HeldBy == nil || !o.Known || o.End.Format("2006-01-02") != "2024-01-31" {
		t.Errorf("active hold: %+v", o)
	}
	if o := retention.Evaluate(r, events, holds, day("2027-01-01")); o.HeldBy != nil {
		t.Errorf("expired hold still active: %+v", o)
	}
	if o := retention.Evaluate(r, events, []retention.Hold{{Reason: "Prüfung"}}, day("2030-01-01")); o.HeldBy == nil {
		t.Error("open-ended hold not active")
	}
}

func TestValidate(t *testing.T) {
	p := period.MustParse("P1Y")
	for _, bad := range []retention.Rule{
		{},
		{Period: &p, Event: "birthday"},
		{Period: &p, Anchor: "week_end"},
		{Period: &p, Action: "shred"},
		{Combine: retention.First, Branches: []retention.Rule{{Period: &p}}},
		{Combine: "either", Branches: []retention.Rule{{Period: &p}, {Period: &p}}},
		{Period: &p, Branches: []retention.Rule{{Period: &p}}},
	} {
		if bad.Validate() == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
	if err := (retention.Rule{Period: &p, Event: retention.ContractEnd, Anchor: retention.AnchorYearEnd}).Validate(); err != nil {
		t.Error(err)
	}
}

func TestClasses(t *testing.T) {
	parse := func(s string) []retention.Rule { return retention.Parse(s, retention.Context{}).Rules }
	m := retention.Classes([]retention.Item{
		{Label: "shop/IP", Rules: parse("IP-Adressen nach 30 Tagen")},
		{Label: "shop/Rechnungen", Rules: parse("8 Jahre ab Schluss des Kalenderjahres")},
		{Label: "crm/Anfragen", Rules: parse("zwei Jahre nach Abschluss der Anfrage")},
		{Label: "logs", Rules: parse("max. 30 Tage")},
		{Label: "crm/Verträge", Rules: parse(seed342)},
	})
	if got := len(m.Periods); got != 4 || m.Periods[0].String() != "P30D" || m.Periods[3].String() != "P10Y" {
		t.Fatalf("periods = %v", m.Periods)
	}
	ip := m.Cells[retention.Start{Event: retention.Collected}][period.MustParse("P30D")]
	if !slices.Equal(ip, []string{"shop/IP", "logs"}) {
		t.Errorf("collected/P30D = %v", ip)
	}
	if m.Starts[0].Event != retention.Collected {
		t.Errorf("starts = %v", m.Starts)
	}
}
