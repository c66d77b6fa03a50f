package retention_test

import (
	"regexp"
	"testing"

	"gdpr/retention"
)

// benchPhrases are statements as registers write them; a register repeats
// a few of them for most of its activities.
var benchPhrases = []string{
	"IP-Adressen nach 30 Tagen",
	"10 Jahre (gesetzliche Aufbewahrungspflicht)",
	"zwei Jahre nach Abschluss der Anfrage",
	seed342,
	"8 Jahre ab Schluss des Kalenderjahres, in dem die Rechnung ausgestellt wurde (§ 147 AO)",
	"Dauer der Geschäftsbeziehung + 1 Monat",
	"bis zum Widerruf der Einwilligung",
	firstEN,
	"Bewerbungsunterlagen 6 Monate nach Absage",
	"nach 18 Monaten ohne Anmeldung",
}

var topics = []string{"Newsletter Versand Kunden E-Mail-Adressen", "Buchhaltung Rechnungen Belege", "Bewerbungen Bewerber", "Webshop Bestellungen Kunden"}

var oneRegexp = regexp.MustCompile(`(\d+)\s*-?\s*(stunden|tage|tag|wochen|monate|jahre|jahr|days?|months?|years?)\b`)

// BenchmarkParseCold parses statements the memo has not seen (each
// iteration makes them new), against one regular expression over the same
// text measured in the same run (x-one-regexp).
func BenchmarkParseCold(b *testing.B) {
	var base, parse int64
	n := 0
	for i := range b.N {
		text := benchPhrases[i%len(benchPhrases)] + " " + string(rune('a'+i%26)) + itoa(i)
		t0 := nowNano()
		oneRegexp.FindAllStringSubmatchIndex(text, -1)
		t1 := nowNano()
		retention.Parse(text, retention.Context{Topic: topics[i%len(topics)]})
		t2 := nowNano()
		base += t1 - t0
		parse += t2 - t1
		n++
	}
	b.ReportMetric(float64(parse)/float64(n), "ns/statement")
	b.ReportMetric(float64(parse)/float64(max(base, 1)), "x-one-regexp")
}

// BenchmarkParseRepeated parses the statements of a register of 10,000
// activities that use ten distinct statements under four kinds of topic,
// against the cold parse of the same statements in the same run
// (x-cold).
func BenchmarkParseRepeated(b *testing.B) {
	var cold, warm int64
	for i := range b.N {
		t0 := nowNano()
		for j, p := range benchPhrases {
			retention.Parse(p+" "+itoa(i)+"x", retention.Context{Topic: topics[j%len(topics)]})
		}
		t1 := nowNano()
		for k := range 10000 {
			retention.Parse(benchPhrases[k%len(benchPhrases)], retention.Context{Topic: topics[k%len(topics)] + " " + itoa(k)})
		}
		t2 := nowNano()
		cold += (t1 - t0) / int64(len(benchPhrases))
		warm += (t2 - t1) / 10000
	}
	b.ReportMetric(float64(warm)/float64(b.N), "ns/statement")
	b.ReportMetric(float64(warm)/float64(max(cold, 1)), "x-cold")
}
