package export_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"gdpr/export"
	"gdpr/locale"
	"gdpr/register"
)

// BenchmarkChangeRows: making 1000 changed activities readable for the
// import preview and the history, relative to computing the changes
// themselves (x-diff), both measured in the same run.
func BenchmarkChangeRows(b *testing.B) {
	type pair struct{ old, new []byte }
	var pairs []pair
	for i := range 1000 {
		a := &register.Activity{ID: fmt.Sprintf("a%d", i), Name: "Kundenverwaltung", Purposes: []string{"Verwaltung", "Betreuung"},
			Recipients: register.Recipients{Items: []register.Recipient{{Name: "Hoster", Kind: register.RecipientProcessor}}},
			Contact:    &register.Contact{Name: "Frau Muster", Phone: "0521 1"}, Status: register.StatusDraft}
		c := *a
		c.Purposes = []string{"Verwaltung", "Newsletter"}
		c.Contact = &register.Contact{Name: "Frau Muster", Phone: "0521 2"}
		c.Status = register.StatusApproved
		o, _ := json.Marshal(a)
		n, _ := json.Marshal(&c)
		pairs = append(pairs, pair{o, n})
	}
	var base, subject time.Duration
	rows := 0
	for range b.N {
		for _, p := range pairs {
			t0 := time.Now()
			ch, err := register.DiffDocs(p.old, p.new)
			if err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			rows += len(export.ChangeRows("activity", ch, nil, locale.DE))
			base, subject = base+t1.Sub(t0), subject+time.Since(t1)
		}
	}
	if rows != 3*1000*b.N {
		b.Fatalf("%d rows", rows)
	}
	b.ReportMetric(float64(subject)/float64(base), "x-diff")
}
