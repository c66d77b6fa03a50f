package consent

import (
	"strings"
	"testing"
	"time"

	"gdpr"
	"gdpr/locale"
)

func TestReadImport(t *testing.T) {
	for _, c := range []struct {
		name, file string
		rows       int
		check      func(t *testing.T, rs []ImportRow)
		err        string // in the German message
	}{
		{name: "seed 003's facts, semicolons, German times", rows: 2,
			file: "E-Mail-Adresse;ID des internen Anmeldevorgangs;Modus des Setups;URL von der das Anmeldeformular abgesendet wurde;IP von der das Formular abgesendet wurde;IP von der der Bestätigungslink geklickt wurde;Zeitpunkt der Anmeldung;Zeitpunkt der Bestätigung;Im Formular abgefragte Abonnentenfelder und Listen;Abonnenten-ID\n" +
				"ida@example.org;A-1001;Double-Opt-In;https://shop.example/nl;198.51.100.7;203.0.113.9;01.03.2024 10:00;01.03.2024 10:05;E-Mail, Vorname | Angebote;77\n" +
				"max@example.org;A-1002;Single-Opt-In;https://shop.example/nl;198.51.100.8;;02.03.2024 11:00;;E-Mail;78\n",
			check: func(t *testing.T, rs []ImportRow) {
				r := rs[0]
				if r.Mode != DOI || r.Signup != "A-1001" || r.Subscriber != "77" || r.IP != "198.51.100.7" || r.ConfirmIP != "203.0.113.9" || r.FormURL != "https://shop.example/nl" {
					t.Errorf("row %+v", r)
				}
				if !r.At.Equal(time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)) || !r.Confirmed.Equal(time.Date(2024, 3, 1, 9, 5, 0, 0, time.UTC)) {
					t.Errorf("times %v %v (Berlin local time)", r.At, r.Confirmed)
				}
				if strings.Join(r.Fields, ",") != "Angebote,E-Mail,Vorname" || rs[1].Mode != SOI {
					t.Errorf("fields %v, mode %s", r.Fields, rs[1].Mode)
				}
			}},
		{name: "Mailchimp's audience export, UTC", rows: 1,
			file: "Email Address,First Name,Last Name,OPTIN_TIME,OPTIN_IP,CONFIRM_TIME,CONFIRM_IP,LEID,TAGS\n\"ida@example.org\",Ida,Abo,\"2024-03-01 10:00:00\",198.51.100.7,\"2024-03-01 10:05:00\",203.0.113.9,123,\"\"\"Angebote\"\"\"\n",
			check: func(t *testing.T, rs []ImportRow) {
				r := rs[0]
				if r.Mode != DOI || r.Name != "Ida Abo" || !r.At.Equal(time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)) || r.Subscriber != "123" {
					t.Errorf("row %+v", r)
				}
			}},
		{name: "listmonk's export, a blocklisted one withdrawn", rows: 2,
			file: "uuid,email,name,attributes,status,created_at,updated_at\n" +
				"5e91dda1-1c16-467d-9bf9-2a21bf22ae21,ida@example.org,Ida,\"{}\",enabled,2024-03-01 10:00:00.123456+01:00,2024-03-01 10:00:00+01:00\n" +
				"6e91dda1-1c16-467d-9bf9-2a21bf22ae21,max@example.org,Max,\"{}\",blocklisted,2024-03-02 10:00:00+01:00,2024-03-02 10:00:00+01:00\n",
			check: func(t *testing.T, rs []ImportRow) {
				if rs[0].Mode != SOI || !rs[0].Withdrawn.IsZero() || rs[1].Withdrawn.IsZero() || rs[0].Subscriber == "" {
					t.Errorf("rows %+v", rs)
				}
			}},
		{name: "no address column", file: "Name;Zeitpunkt der Anmeldung\nIda;01.03.2024\n", err: "Zeile 1: Keine Spalte mit der E-Mail-Adresse"},
		{name: "a bad time names its line and column", file: "email,created_at\nida@example.org,2024-03-01\nmax@example.org,gestern\n", err: "f.csv, Zeile 3: „gestern“ ist kein Zeitpunkt"},
		{name: "no time of sign-up", file: "email,name\nida@example.org,Ida\n", err: "Zeile 2: Ohne Zeitpunkt der Anmeldung"},
		{name: "an unknown mode", file: "email;modus;Zeitpunkt der Anmeldung\nida@example.org;per Brieftaube;01.03.2024\n", err: "Zeile 2: Einen Modus „per Brieftaube“"},
		{name: "broken quotes", file: "email,created_at\n\"ida@example.org,2024-03-01\n", err: "Das ist kein lesbares CSV"},
		{name: "empty", file: "", err: "keine Einwilligungen"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rs, err := ReadImport(strings.NewReader(c.file), "f.csv")
			if c.err != "" {
				if msg := gdpr.Localized(err, locale.DE); err == nil || !strings.Contains(msg, c.err) || rs != nil {
					t.Fatalf("got %q, want %q", msg, c.err)
				}
				return
			}
			if err != nil || len(rs) != c.rows {
				t.Fatalf("%d rows, %v", len(rs), gdpr.Localized(err, locale.DE))
			}
			c.check(t, rs)
		})
	}
}

func FuzzReadImport(f *testing.F) {
	f.Add("email;Zeitpunkt der Anmeldung;Modus\nida@example.org;01.03.2024 10:00;Double-Opt-In\n")
	f.Add("Email Address,OPTIN_TIME,CONFIRM_TIME\na@b.c,2024-03-01 10:00:00,\n")
	f.Fuzz(func(t *testing.T, file string) {
		rs, err := ReadImport(strings.NewReader(file), "f.csv")
		if err == nil && len(rs) == 0 {
			t.Fatal("no error and no rows")
		}
		for _, r := range rs {
			if r.Email == "" || r.At.IsZero() || r.Mode == "" {
				t.Fatalf("row %+v", r)
			}
		}
	})
}
