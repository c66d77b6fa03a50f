package importer

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"time"
)

// bigCSV is a register of n activities in the German Excel export shape.
func bigCSV(n int) []byte {
	var b strings.Builder
	b.WriteString("Bezeichnung der Verarbeitungstätigkeit;Zwecke der Verarbeitung;Rechtsgrundlage;Kategorien betroffener Personen;Kategorien personenbezogener Daten;Kategorien von Empfängern;Übermittlung an Drittländer;Fristen für die Löschung;Datum der Einführung\n")
	for i := range n {
		fmt.Fprintf(&b, "Verarbeitung %d;Zweck %d der Verarbeitung;Art. 6 Abs. 1 lit. b DSGVO;\"• Kunden\n• Interessenten\";\"Name\nAnschrift\nE-Mail-Adresse\";Steuerberater; keine;10 Jahre nach Vertragsende;19.03.2018\n", i, i)
	}
	return []byte(b.String())
}

// BenchmarkParseCSV reports the importer's throughput and its cost relative
// to plain encoding/csv reading the same bytes (x-encoding-csv), measured in
// the same process.
func BenchmarkParseCSV(b *testing.B) {
	data := bigCSV(5000)
	b.SetBytes(int64(len(data)))
	var base, subject time.Duration
	for range b.N {
		t0 := time.Now()
		r := csv.NewReader(bytes.NewReader(data))
		r.Comma = ';'
		r.FieldsPerRecord = -1
		if _, err := r.ReadAll(); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := Parse("big.csv", data); err != nil {
			b.Fatal(err)
		}
		base, subject = base+t1.Sub(t0), subject+time.Since(t1)
	}
	b.ReportMetric(float64(subject)/float64(base), "x-encoding-csv")
}
