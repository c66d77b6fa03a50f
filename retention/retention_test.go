package retention_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"gdpr/retention"
)

func day(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02", s, retention.Berlin)
	if err != nil {
		panic(err)
	}
	return t
}

// ev builds the event map from "name=YYYY-MM-DD" pairs.
func ev(pairs ...string) map[retention.Event]time.Time {
	m := map[retention.Event]time.Time{}
	for _, p := range pairs {
		k, v, _ := strings.Cut(p, "=")
		m[retention.Event(k)] = day(v)
	}
	return m
}

const seed342 = "Alle Anfragen die sich auf einen bestehenden, oder eingegangenen Vertrag beziehen, werden zehn Jahre oder zwei Jahre nach Vertragsbeendigung gelöscht. Dies ist abhängig davon, welcher Fall zuerst eintritt."
const firstEN = "30 days after collection, or 7 days after the account is closed, whichever comes first"
const lastDE = "1 Jahr nach Vertragsende oder 3 Jahre nach Erhebung, je nachdem was später eintritt"

// TestPhrases is the acceptance table: every retention phrase of the five
// seeds and the common German and English forms, with event dates and the
// expected end of retention ("none": no rule; "nostart": the rule names no
// start event; "pending:a,b": those events are needed).
func TestPhrases(t *testing.T) {
	cases := []struct {
		text   string
		events map[retention.Event]time.Time
		want   string
		warns  []string
	}{
		// Seed 000.
		{"IP-Adressen nach 30 Tagen", ev("collected=2024-03-15"), "2024-04-14", []string{"implied-start"}},
		{"10 Jahre (gesetzliche Aufbewahrungspflicht)", ev("collected=2024-03-15"), "nostart", []string{"no-start-event"}},
		// Seed 001.
		{"zwei Jahre nach Abschluss der Anfrage", ev("inquiry_closed=2023-05-10"), "2025-05-10", nil},
		{seed342, ev("contract_end=2020-06-30"), "2022-06-30", []string{"shorter-branch-wins"}},
		{"Angriffsprotokolle max. sieben Tage", ev("collected=2024-12-28"), "2025-01-04", []string{"implied-start"}},
		{"Die Speicherung der Angriffsprotokolle erfolgt dabei max. sieben Tage.", ev("collected=2024-03-01"), "2024-03-08", nil},
		{"Eine Datenschutzanfrage wird unmittelbar nach Abschluss und Beantwortung gelöscht.", ev("request_closed=2024-07-01"), "2024-07-01", nil},
		{"Anfragen von Nutzern bei denen kein Vertrag besteht und aus denen kein Vertrag hervorgeht, werden zwei Jahre nach Abschluss der Anfrage gelöscht.", ev("inquiry_closed=2022-02-28"), "2024-02-28", nil},
		{"Daten die im Rahmen einer Anfrage gespeichert wurden, welche nicht zu einem Vertrag oder einer Rechnung geführt haben, werden nach zwei Jahren gelöscht.", ev("collected=2023-01-15"), "2025-01-15", nil},
		{"Vertragsdaten werden zehn Jahre nach der letzten, aus dem Vertrag hervorgegangenen Rechnung gelöscht.", ev("last_invoice=2015-03-31"), "2025-03-31", nil},
		{"Rechnungen werden unabhängig davon ob es Folgerechnungen gibt, nach zehn Jahren gelöscht.", ev("collected=2020-05-05"), "2030-05-05", []string{"outdated-law"}},
		{"Nach Angaben von Google erfolgt die Speicherung max. ein Jahr.", ev("collected=2024-02-29"), "2025-02-28", nil},
		{"Alle personenbezogenen Daten werden gelöscht, sobald der Grund für die Datenverarbeitung nicht mehr vorhanden ist.", nil, "none", []string{"vague"}},
		{"Sobald der Vorgang beendet ist und es die gesetzlichen Vorgaben erlauben, werden diese Daten gelöscht.", nil, "none", []string{"statutory-unspecified"}},
		{"unverzüglich, binnen 48 Stunden", ev("collected=2024-03-15"), "2024-03-17", nil},
		// Seed 003.
		{"Dauer der Geschäftsbeziehung + 1 Monat", ev("relationship_end=2024-01-31"), "2024-02-29", nil},
		{"welches bis zu 7 Tage nach Erstelldatum des Backups verfügbar ist", ev("created=2024-03-29"), "2024-04-05", nil},
		{"Dieses Archiv wird für einen Zeitraum von 2 Wochen nach Erstellung vorgehalten.", ev("created=2024-12-25"), "2025-01-08", nil},
		{"Die genannten Informationen werden über den gesamten Zeitraum, in welchem der betroffene Account existiert, vorgehalten", ev("account_closed=2026-01-10"), "2026-01-10", nil},
		// The examples and § 147 AO / § 257 HGB.
		{"8 Jahre ab Schluss des Kalenderjahres", ev("document_date=2024-03-15"), "2032-12-31", []string{"implied-start"}},
		{"acht Jahre ab Schluss des Kalenderjahres", ev("document_date=2024-12-31"), "2032-12-31", nil},
		{"10 Jahre ab Schluss des Kalenderjahres, in dem die Rechnung ausgestellt wurde", ev("document_date=2019-01-01"), "2029-12-31", []string{"outdated-law"}},
		{"6 Jahre ab Ende des Kalenderjahres (Handelsbriefe, § 257 HGB)", ev("document_date=2020-06-15"), "2026-12-31", nil},
		{"Buchungsbelege: 8 Jahre nach Ablauf des Kalenderjahres", ev("document_date=2025-12-31"), "2033-12-31", nil},
		{"10 years from the end of the calendar year in which the invoice was issued", ev("document_date=2016-07-01"), "2026-12-31", []string{"outdated-law"}},
		{"Jahresabschlüsse 10 Jahre ab Schluss des Kalenderjahres", ev("document_date=2016-07-01"), "2026-12-31", nil},
		// Month ends, leap years, § 188(3) BGB clamping.
		{"1 Monat nach Vertragsende", ev("contract_end=2023-01-31"), "2023-02-28", nil},
		{"ein Monat nach Vertragsende", ev("contract_end=2024-01-31"), "2024-02-29", nil},
		{"3 Monate nach Vertragsende", ev("contract_end=2024-11-30"), "2025-02-28", nil},
		{"1 Jahr nach Vertragsende", ev("contract_end=2024-02-29"), "2025-02-28", nil},
		{"4 Jahre nach Vertragsende", ev("contract_end=2024-02-29"), "2028-02-29", nil},
		{"P30D nach Erhebung", ev("collected=2024-01-31"), "2024-03-01", nil},
		{"P6M nach Vertragsende", ev("contract_end=2024-08-31"), "2025-02-28", nil},
		{"halbes Jahr nach Vertragsende", ev("contract_end=2024-08-31"), "2025-02-28", nil},
		{"30 Tage nach Ende des Monats der Erhebung", ev("collected=2024-02-10"), "2024-03-30", nil},
		{"3 Monate ab Monatsende nach Vertragsende", ev("contract_end=2024-11-15"), "2025-02-28", nil},
		{"eine Woche nach Erhebung", ev("collected=2024-02-26"), "2024-03-04", nil},
		{"zwölf Monate nach der letzten Anmeldung", ev("last_activity=2024-02-29"), "2025-02-28", nil},
		{"10 Jahre zzgl. 6 Monate nach Vertragsende", ev("contract_end=2014-08-31"), "2025-02-28", nil},
		{"Dauer der Geschäftsbeziehung zzgl. 3 Jahre", ev("relationship_end=2021-12-31"), "2024-12-31", nil},
		// Hours, counted from the moment (DST change on 31 March 2024).
		{"Videoaufnahmen werden nach 72 Stunden automatisch überschrieben", ev("collected=2024-03-30"), "2024-04-02", nil},
		// 26 Oct 2024 00:00 + 48 real hours is 27 Oct 23:00: that night has 25 hours.
		{"PT48H nach Erhebung", ev("collected=2024-10-26"), "2024-10-27", nil},
		// P0D and events without a period.
		{"bis zum Widerruf", ev("consent_withdrawn=2025-02-03"), "2025-02-03", nil},
		{"Newsletter-Daten bis zum Widerruf der Einwilligung", ev("consent_withdrawn=2025-05-05"), "2025-05-05", nil},
		{"für die Dauer der Mitgliedschaft", ev("membership_end=2025-06-30"), "2025-06-30", nil},
		{"immediately after the request has been answered", ev("request_closed=2025-03-03"), "2025-03-03", nil},
		{"until consent is withdrawn", ev("consent_withdrawn=2025-01-01"), "2025-01-01", nil},
		// The other start events.
		{"6 Monate nach Zugang der Absage", ev("application_rejected=2025-08-31"), "2026-02-28", nil},
		{"Bewerbungsunterlagen werden sechs Monate nach Abschluss des Bewerbungsverfahrens gelöscht", ev("application_rejected=2025-03-31"), "2025-09-30", nil},
		{"Löschung 2 Jahre nach der letzten Bestellung", ev("last_activity=2023-06-01"), "2025-06-01", nil},
		{"Inaktive Konten werden nach 24 Monaten Inaktivität gelöscht", ev("last_activity=2024-01-31"), "2026-01-31", nil},
		{"Mitgliederdaten werden 2 Jahre nach Ende der Mitgliedschaft gelöscht", ev("membership_end=2024-12-31"), "2026-12-31", nil},
		{"Patientenakten: 10 Jahre nach Abschluss der Behandlung (§ 630f BGB)", ev("treatment_end=2015-03-10"), "2025-03-10", nil},
		{"Terminanfragen werden 1 Woche nach dem Termin gelöscht", ev("appointment=2024-12-30"), "2025-01-06", nil},
		{"Bescheide werden 5 Jahre nach der Entscheidung aufbewahrt", ev("decision=2020-02-29"), "2025-02-28", nil},
		{"Registrierungsdaten 3 Jahre nach der Anmeldung", ev("signup=2021-02-28"), "2024-02-28", nil},
		{"90 days after the contract ends", ev("contract_end=2024-11-15"), "2025-02-13", nil},
		{"2 years after the end of the business relationship", ev("relationship_end=2024-02-29"), "2026-02-28", nil},
		{"six months after the application was rejected", ev("application_rejected=2024-08-31"), "2025-02-28", nil},
		{"Bewerberdaten: 6 Monate nach Zugang der Absage", ev("application_rejected=2024-01-31"), "2024-07-31", nil},
		// Whichever first / last.
		{firstEN, ev("collected=2024-01-01", "account_closed=2024-01-10"), "2024-01-17", nil},
		{firstEN, ev("collected=2024-01-01"), "2024-01-31", nil},
		{firstEN, nil, "pending:collected,account_closed", nil},
		{"2 Jahre nach Vertragsende, spätestens jedoch 10 Jahre nach Erhebung", ev("contract_end=2030-01-01", "collected=2021-06-01"), "2031-06-01", nil},
		{lastDE, ev("contract_end=2024-05-01", "collected=2022-01-01"), "2025-05-01", nil},
		{lastDE, ev("collected=2022-01-01"), "pending:contract_end", nil},
		{"unverzüglich nach Vertragsende", ev("contract_end=2025-06-30"), "2025-06-30", nil},
		{"höchstens 3 Monate", ev("collected=2024-11-30"), "2025-02-28", []string{"implied-start"}},
		{"Speicherung für 14 Tage", ev("collected=2024-02-20"), "2024-03-05", nil},
		{"Löschung 1 Jahr nach dem letzten Login", ev("last_activity=2023-03-01"), "2024-03-01", nil},
		// Periods of inactivity run from the last activity.
		{"bei Inaktivität von zwei Jahren", ev("last_activity=2024-03-01"), "2026-03-01", nil},
		{"nach 18 Monaten ohne Anmeldung", ev("last_activity=2024-01-31"), "2025-07-31", nil},
		{"Konten, die 12 Monate nicht genutzt wurden, werden gelöscht", ev("last_activity=2024-05-10"), "2025-05-10", nil},
		{"nach 6 Monaten ohne Login", ev("last_activity=2024-05-10"), "2024-11-10", nil},
		{"Löschung nach drei Jahren ohne jede Nutzung des Kontos", ev("last_activity=2021-02-01"), "2024-02-01", nil},
		{"nach zwei Jahren ohne Bestellung", ev("last_activity=2022-08-31"), "2024-08-31", nil},
		{"after one year without use", ev("last_activity=2024-02-29"), "2025-02-28", nil},
		{"deleted after 2 years of inactivity", ev("last_activity=2024-03-01"), "2026-03-01", nil},
		{"accounts inactive for 18 months are deleted", ev("last_activity=2024-01-31"), "2025-07-31", nil},
		{"after 6 months without logging in", ev("last_activity=2024-05-10"), "2024-11-10", nil},
		{"if the account has not been used for three years", ev("last_activity=2021-02-01"), "2024-02-01", nil},
		{"after 90 days with no login", ev("last_activity=2024-01-01"), "2024-03-31", nil},
		// A sign-up is still a sign-up.
		{"2 Jahre nach Anmeldung zum Newsletter", ev("signup=2024-01-01"), "2026-01-01", nil},
		// No rule, or no start.
		{"solange erforderlich", nil, "none", []string{"vague"}},
		{"as long as necessary", nil, "none", []string{"vague"}},
		{"Daten werden gespeichert.", nil, "none", []string{"unbounded"}},
		{"gesetzliche Aufbewahrungsfrist", nil, "none", []string{"statutory-unspecified"}},
		{"3 Tage", ev("collected=2024-01-01"), "nostart", []string{"no-start-event"}},
		{"PT48H", ev("collected=2024-01-01"), "nostart", []string{"no-start-event"}},
		{"Logfiles: 14 Tage", ev("collected=2024-01-01"), "nostart", []string{"no-start-event"}},
	}
	if len(cases) < 60 {
		t.Fatalf("only %d phrases", len(cases))
	}
	today := day("2026-11-23")
	for _, c := range cases {
		t.Run(c.text, func(t *testing.T) {
			res := retention.Parse(c.text, retention.Context{})
			var codes []string
			for _, w := range res.Warnings {
				codes = append(codes, w.Code)
			}
			for _, w := range c.warns {
				if !slices.Contains(codes, w) {
					t.Errorf("warnings %v lack %s", codes, w)
				}
			}
			if c.want == "none" {
				if len(res.Rules) != 0 || res.Confidence != 0 {
					t.Fatalf("rules %v (confidence %.1f), want none", res.Rules, res.Confidence)
				}
				return
			}
			if len(res.Rules) != 1 {
				t.Fatalf("rules = %v, want one; warnings %v", res.Rules, codes)
			}
			if err := res.Rules[0].Validate(); err != nil {
				t.Fatalf("rule %v invalid: %v", res.Rules[0], err)
			}
			o := retention.Evaluate(res.Rules[0], c.events, nil, today)
			var got string
			switch {
			case o.Known:
				got = o.End.Format("2006-01-02")
			case len(o.Pending) > 0:
				var p []string
				for _, e := range o.Pending {
					p = append(p, string(e))
				}
				got = "pending:" + strings.Join(p, ",")
			case o.NoStart:
				got = "nostart"
			}
			if got != c.want {
				t.Errorf("rule %v: got %s, want %s (warnings %v)", res.Rules[0], got, c.want, codes)
			}
		})
	}
}

// TestFirstWithPendingBranch: "whichever comes first" with one branch's
// event unknown gives the known branch's end as the latest possible one,
// and names the pending event (it can only bring the end forward).
func TestFirstWithPendingBranch(t *testing.T) {
	res := retention.Parse(firstEN, retention.Context{})
	o, err := retention.Due(res, ev("collected=2024-01-01"), nil, day("2024-01-02"))
	if err != nil || !o.Known || !o.Latest || o.End.Format("2006-01-02") != "2024-01-31" || len(o.Pending) != 1 || o.Pending[0] != retention.AccountClosed {
		t.Fatalf("%+v %v", o, err)
	}
	o, _ = retention.Due(res, ev("collected=2024-01-01", "account_closed=2024-01-10"), nil, day("2024-01-02"))
	if !o.Known || o.Latest || len(o.Pending) != 0 || o.End.Format("2006-01-02") != "2024-01-17" {
		t.Fatalf("both known: %+v", o)
	}
	o, _ = retention.Due(res, nil, nil, day("2024-01-02"))
	if o.Known || len(o.Pending) != 2 {
		t.Fatalf("none known: %+v", o)
	}
	// "whichever comes last" needs every branch.
	o, _ = retention.Due(retention.Parse(lastDE, retention.Context{}), ev("contract_end=2024-01-01"), nil, day("2024-01-02"))
	if o.Known || len(o.Pending) != 1 || o.Pending[0] != retention.Collected {
		t.Fatalf("last with one pending: %+v", o)
	}
}
