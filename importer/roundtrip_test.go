package importer_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"gdpr/demo"
	"gdpr/export"
	"gdpr/importer"
	"gdpr/locale"
	"gdpr/period"
	"gdpr/register"
	"gdpr/retention"
)

// fullRegister sets every field the register has, with the values that
// are easy to lose: kinds (and a recipient without one), the explicit
// "none", a DPIA with its reason, an explicit retention rule, a processor
// activity, references as written, measures with every field.
func fullRegister() *register.Register {
	p1y, p6m, p10y := period.MustParse("P1Y"), period.MustParse("P6M"), period.MustParse("P10Y")
	p1d, p7d, p2w := period.MustParse("P1D"), period.MustParse("P7D"), period.MustParse("P2W")
	d := register.Date{Year: 2019, Month: 4, Day: 1}
	rev := register.Date{Year: 2026, Month: 2, Day: 27}
	r := &register.Register{
		Title: "Verzeichnis der Muster GmbH",
		Controller: &register.Controller{Name: "Muster GmbH", Address: "Hauptstr. 1\n33098 Paderborn", Representative: "Erika Muster",
			Phone: "05251 123456", Email: "info@muster.example", Web: "https://muster.example",
			DPO:              &register.Contact{Name: "Dr. Hans Schmidt", Phone: "05251 654321", Email: "dsb@muster.example"},
			JointControllers: []register.Contact{{Name: "Partner AG", Email: "datenschutz@partner.example"}}},
		Activities: []*register.Activity{
			{ID: "kundenverwaltung", Name: "Kundenverwaltung", Role: register.RoleController,
				Contact: &register.Contact{Name: "Thomas Grimm", Phone: "02951-9336991", Email: "info@allegro.example"}, Introduced: &d,
				Department: "Vertrieb", Description: "Pflege der Kundenstammdaten\nim ERP",
				Purposes: []string{"Vertragserfüllung", "Kundenbetreuung"}, LegalBases: []string{"Art. 6 Abs. 1 lit. b DSGVO"},
				DataSubjects: []string{"Kunden"}, DataCategories: []string{"Name", "Anschrift", "Bestellungen"},
				Recipients: register.Recipients{Items: []register.Recipient{
					{Name: "Hosting-Dienstleister", Kind: register.RecipientProcessor}, {Name: "Finanzamt", Kind: register.RecipientAuthority},
					{Name: "Buchhaltung", Kind: register.RecipientInternal}, {Name: "Steuerberater", Kind: register.RecipientExternal},
					{Name: "Partnernetzwerk"}}},
				ThirdCountryTransfers: register.Transfers{Items: []register.Transfer{{Country: "US", Recipient: "Mailchimp", Safeguard: "SCC (Art. 46(2)(c) GDPR)"}, {Country: "CH"}}},
				Retention: []register.Retention{
					{Text: "10 Jahre nach Schluss des Kalenderjahres", DataCategory: "Rechnungen",
						Rule: &retention.Rule{Event: retention.DocumentDate, Anchor: retention.AnchorYearEnd, Period: &p10y}},
					{Text: "3 Jahre nach Vertragsende"}},
				DataLocation: "Rechenzentrum Frankfurt", Sources: []string{"Auskunftei (Bonitätsprüfung)", "Adresshändler"}, Automated: "Bonitätsscore der Auskunftei entscheidet über Kauf auf Rechnung", TOMs: []string{"backup", "Siehe IT-Sicherheitskonzept"},
				DPIA:   &register.DPIA{Required: register.No, Reason: "keine umfangreiche Verarbeitung besonderer Kategorien"},
				Status: register.StatusApproved, Notes: []string{"Übernommen aus dem Word-Verzeichnis"}},
			{ID: "lohnabrechnung-fuer-kunden", Name: "Lohnabrechnung für Kunden", Role: register.RoleProcessor,
				Controllers: []string{"Bäckerei Müller", "Autohaus Schmidt"}, Purposes: []string{"Lohnabrechnung im Auftrag"},
				LegalBases: []string{"Art. 28 DSGVO"}, DataSubjects: []string{"Beschäftigte der Kunden"}, DataCategories: []string{"Lohndaten"},
				Recipients: register.Recipients{None: true}, ThirdCountryTransfers: register.Transfers{None: true},
				DPIA: &register.DPIA{Required: register.Unknown}, Status: register.StatusDraft},
		},
		TOMs: []*register.Measure{
			{ID: "backup", Title: "Tägliche Sicherung", Description: "Verschlüsselte Sicherung in ein zweites Rechenzentrum", Category: register.CatRestore,
				LegacyControl: register.LegacyVerfuegbarkeit, Group: "Hosting", Owner: "IT-Leitung", ReviewInterval: &p1y,
				LastReviewed: &rev, Evidence: "Wiederherstellungstest vom Februar", Status: register.StatusApproved},
			{ID: "schulung", Title: "Datenschutzschulung", Category: register.CatEvaluation, ReviewInterval: &p6m, Status: register.StatusInReview},
			{ID: "schliessanlage", Title: "Schließanlage", LegacyControl: register.LegacyZutritt, Status: register.StatusApproved},
		},
		Documents: []*register.Document{{ID: "notfallplan", Title: "Notfallplan", Description: "Anweisungen für den Ausfall"}},
		Systems: []*register.System{{ID: "shop-db", Name: "Shop-Datenbank", Engine: register.EnginePostgres, DSNEnv: "SHOP_DSN",
			Description: "Bestellungen und Kundenkonten",
			Tables: []register.Table{
				{Name: "public.customers", Activity: "kundenverwaltung", SubjectKey: []string{"id", "email"},
					Columns: map[string]string{"email": "E-Mail-Adresse", "name": "Name", "last_ip": "IP-Adresse"},
					Events:  map[retention.Event]string{retention.ContractEnd: "contracts.ended_at", retention.LastActivity: "last_login_at"},
					Action:  register.SweepAnonymise, Anonymise: []string{"email", "name"}, Restricted: "restricted"},
				{Name: "invoices", Activity: "kundenverwaltung", Retention: "Rechnungen", SubjectKey: []string{"customer_id"},
					Events: map[retention.Event]string{retention.DocumentDate: "issued_on"}},
			},
			Backups: []register.Backup{{Name: "Server", Every: &p1d, Keep: &p7d}, {Name: "Konto-Datenbank", Every: &p1d, Keep: &p2w}}}},
	}
	return r
}

// TestRoundTrip: what a register exports as imports back to the same
// register, and exports again to the same file, for every format that
// can be both exported and imported, in both languages. CSV holds the
// activities only; the workbook holds the controller, the measures and
// the documents too.
func TestRoundTrip(t *testing.T) {
	demoReg, err := demo.Register()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		r    *register.Register
	}{{"full", fullRegister()}, {"demo", demoReg}} {
		for _, f := range []export.Format{export.CSV, export.XLSX, export.YAML, export.JSON} {
			for _, l := range locale.Langs {
				t.Run(tc.name+"/"+string(f)+"/"+string(l), func(t *testing.T) {
					o := export.Options{Lang: l, Now: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
					var first bytes.Buffer
					if err := export.Write(&first, f, tc.r, o); err != nil {
						t.Fatal(err)
					}
					res, err := importer.Parse("register."+string(f), first.Bytes())
					if err != nil {
						t.Fatal(err)
					}
					want := *export.Native(tc.r)
					if f == export.CSV {
						want = register.Register{Activities: want.Activities}
					}
					if f == export.CSV || f == export.XLSX {
						// Systems live in the native format only.
						want.Systems = nil
					}
					for _, a := range want.Activities {
						a.Normalize()
					}
					for _, m := range want.TOMs {
						m.Normalize()
					}
					got := res.Register
					for _, a := range got.Activities {
						a.Normalize()
					}
					for _, m := range got.TOMs {
						m.Normalize()
					}
					wj, _ := json.MarshalIndent(want, "", " ")
					gj, _ := json.MarshalIndent(got, "", " ")
					if !bytes.Equal(wj, gj) {
						changes, _ := register.Diff(&want, got)
						for _, c := range changes {
							if c.Field != "activities" {
								t.Errorf("%s: exported %s\n imported %s", c.Field, c.Old, c.New)
							}
						}
						for i := range min(len(want.Activities), len(got.Activities)) {
							cs, _ := register.Diff(want.Activities[i], got.Activities[i])
							for _, c := range cs {
								t.Errorf("activity %s %s: exported %s, imported %s", want.Activities[i].ID, c.Field, c.Old, c.New)
							}
						}
						return
					}
					var second bytes.Buffer
					if err := export.Write(&second, f, got, o); err != nil {
						t.Fatal(err)
					}
					if f == export.XLSX {
						// The workbook's zip entries carry no state of
						// their own but their compression may differ:
						// compare what the sheets hold.
						compareWorkbooks(t, first.Bytes(), second.Bytes())
					} else if !bytes.Equal(first.Bytes(), second.Bytes()) {
						t.Errorf("the second export differs from the first:\n%s\n---\n%s", first.String(), second.String())
					}
				})
			}
		}
	}
}
