package retention_test

import (
	"testing"
	"time"

	"gdpr/retention"
)

// FuzzParse: any text, no panic and no hang; every rule it yields validates
// and evaluates, and confidence stays within 0..1.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"IP-Adressen nach 30 Tagen", "10 Jahre (gesetzliche Aufbewahrungspflicht)", seed342, firstEN, lastDE,
		"Dauer der Geschäftsbeziehung + 1 Monat", "8 Jahre ab Schluss des Kalenderjahres", "bis zum Widerruf", "solange erforderlich",
		"Rechnungen 10 Jahre, Lieferscheine 6 Jahre", "P1Y6MT12H nach Erhebung", "999999999 Jahre"} {
		f.Add(s)
	}
	events := ev("collected=2024-01-31", "contract_end=2024-02-29", "document_date=2024-12-31", "consent_withdrawn=2024-03-31")
	f.Fuzz(func(t *testing.T, s string) {
		res := retention.Parse(s, retention.Context{Topic: s})
		if res.Confidence < 0 || res.Confidence > 1 {
			t.Fatalf("confidence %v", res.Confidence)
		}
		for _, r := range res.Rules {
			if err := r.Validate(); err != nil {
				t.Fatalf("rule %v from %q invalid: %v", r, s, err)
			}
			o := retention.Evaluate(r, events, nil, time.Now())
			if o.Known && o.End.Before(day("2024-01-31")) {
				t.Fatalf("%v ends before its events: %v", r, o.End)
			}
		}
	})
}
