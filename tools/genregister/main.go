// Command genregister writes a large register for the benchmarks: N
// activities as a CSV table (the DSK Muster columns, semicolons) or in the
// native YAML format, with a TOM catalogue in YAML. Statements, legal
// bases, departments and recipients repeat as in real registers (a few
// dozen distinct ones); names and ids are unique. The output is
// deterministic.
package main

import (
	"bufio"
	"encoding/csv"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
)

var (
	retentions = []string{"10 Jahre (gesetzliche Aufbewahrungspflicht)", "8 Jahre ab Schluss des Kalenderjahres, in dem die Rechnung ausgestellt wurde", "zwei Jahre nach Abschluss der Anfrage",
		"IP-Adressen nach 30 Tagen", "Dauer der Geschäftsbeziehung + 1 Monat", "bis zum Widerruf der Einwilligung", "6 Monate nach Absage", "nach 18 Monaten ohne Anmeldung",
		"3 Jahre nach Vertragsende", "Videoaufnahmen 72 Stunden nach Aufzeichnung"}
	bases       = []string{"Art. 6 Abs. 1 lit. b DSGVO", "Art. 6 Abs. 1 lit. c DSGVO", "Art. 6 Abs. 1 lit. f DSGVO", "Art. 6 Abs. 1 lit. a DSGVO", "§ 26 BDSG"}
	departments = []string{"Vertrieb", "Buchhaltung", "Personal", "IT", "Marketing", "Einkauf", "Kundendienst", "Geschäftsführung", "Logistik", "Recht"}
	subjects    = []string{"Kunden", "Interessenten", "Beschäftigte", "Bewerber", "Lieferanten", "Besucher der Website", "Newsletter-Abonnenten"}
	categories  = []string{"Stammdaten", "Kontaktdaten", "Vertragsdaten", "Zahlungsdaten", "Kaufhistorie", "IP-Adressen", "Bewerbungsunterlagen", "Gesundheitsdaten", "Bankverbindung"}
	recipients  = []string{"Steuerberater (extern)", "Hosting-Dienstleister (Auftragsverarbeiter)", "Finanzamt (Behörde)", "Versanddienstleister (extern)", "Buchhaltung (intern)", "Keine Weitergabe"}
	purposes    = []string{"Durchführung des Vertrags", "Bearbeitung von Anfragen", "Erfüllung steuerlicher Pflichten", "Versand von Newslettern", "Auswahl von Bewerbern",
		"Sicherheit der Website", "Abrechnung von Leistungen", "Kundenbetreuung", "Lohnabrechnung", "Zutrittskontrolle"}
	verbs = []string{"Verwaltung", "Abwicklung", "Betreuung", "Auswertung", "Archivierung", "Erfassung", "Prüfung", "Planung"}
	nouns = []string{"Kundenaufträge", "Bewerbungen", "Lieferantenrechnungen", "Newsletter", "Zeiterfassung", "Besucherlisten", "Supportfälle", "Reisekosten", "Schulungen", "Verträge"}
)

func pick[T any](r *rand.Rand, xs []T, n int) []T {
	out := make([]T, 0, n)
	for _, i := range r.Perm(len(xs))[:n] {
		out = append(out, xs[i])
	}
	return out
}

func main() {
	n := flag.Int("n", 10000, "activities")
	format := flag.String("format", "csv", "csv or yaml")
	toms := flag.Int("toms", 60, "measures (yaml only)")
	flag.Parse()
	r := rand.New(rand.NewPCG(3, 5))
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	defer w.Flush()
	switch *format {
	case "csv":
		cw := csv.NewWriter(w)
		cw.Comma = ';'
		cw.Write([]string{"Bezeichnung der Verarbeitungstätigkeit", "Verantwortliche Fachabteilung", "Zwecke der Verarbeitung", "Rechtsgrundlage",
			"Kategorien betroffener Personen", "Kategorien personenbezogener Daten", "Kategorien von Empfängern", "Übermittlung an Drittländer", "Fristen für die Löschung", "Status"})
		for i := range *n {
			rec := recipients[r.IntN(len(recipients))]
			cw.Write([]string{
				fmt.Sprintf("%s der %s %d", verbs[r.IntN(len(verbs))], nouns[r.IntN(len(nouns))], i+1),
				departments[r.IntN(len(departments))],
				strings.Join(pick(r, purposes, 1+r.IntN(2)), "\n"),
				bases[r.IntN(len(bases))],
				strings.Join(pick(r, subjects, 1+r.IntN(2)), "\n"),
				strings.Join(pick(r, categories, 2+r.IntN(3)), "\n"),
				rec,
				"keine",
				retentions[r.IntN(len(retentions))],
				[]string{"Entwurf", "Freigegeben", "In Prüfung"}[r.IntN(3)],
			})
		}
		cw.Flush()
	case "yaml":
		fmt.Fprintln(w, "title: Verzeichnis von Verarbeitungstätigkeiten (Benchmark)")
		fmt.Fprintln(w, "controller:\n  name: Benchmark GmbH\n  address: Musterstraße 1, 12345 Musterstadt\n  email: datenschutz@example.org\n  dpo: {name: Erika Mustermann, email: dsb@example.org}")
		fmt.Fprintln(w, "activities:")
		for i := range *n {
			fmt.Fprintf(w, "  - id: a-%d\n    name: %s der %s %d\n    department: %s\n", i+1, verbs[r.IntN(len(verbs))], nouns[r.IntN(len(nouns))], i+1, departments[r.IntN(len(departments))])
			fmt.Fprintf(w, "    contact: {name: Kontakt %d, email: kontakt%d@example.org}\n", i%50, i%50)
			for _, l := range []struct {
				key   string
				items []string
			}{{"purposes", pick(r, purposes, 1+r.IntN(2))}, {"legal_bases", pick(r, bases, 1)}, {"data_subjects", pick(r, subjects, 1+r.IntN(2))}, {"data_categories", pick(r, categories, 2+r.IntN(3))}} {
				fmt.Fprintf(w, "    %s: [%s]\n", l.key, quoteAll(l.items))
			}
			fmt.Fprintf(w, "    recipients: [{name: %q, kind: processor}]\n    third_country_transfers: none\n", recipients[1])
			fmt.Fprintf(w, "    retention: [{text: %q}]\n    toms: [tom-%d, tom-%d]\n    status: approved\n", retentions[r.IntN(len(retentions))], r.IntN(*toms)+1, r.IntN(*toms)+1)
		}
		fmt.Fprintln(w, "toms:")
		cats := []string{"encryption", "confidentiality", "integrity", "availability", "resilience", "restore", "evaluation", "pseudonymisation"}
		for i := range *toms {
			fmt.Fprintf(w, "  - id: tom-%d\n    title: Maßnahme %d\n    category: %s\n    last_reviewed: \"2026-0%d-15\"\n", i+1, i+1, cats[i%len(cats)], 1+i%9)
		}
	default:
		fmt.Fprintln(os.Stderr, "genregister: -format: csv or yaml")
		os.Exit(2)
	}
}

func quoteAll(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, ", ")
}
