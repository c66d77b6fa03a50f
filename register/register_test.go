package register_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"gdpr"
	"gdpr/importer"
	"gdpr/locale"
	"gdpr/period"
	"gdpr/register"
	"gdpr/retention"
)

func seed000(t *testing.T) *register.Register {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "demo", "seed000-allegro.txt"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := importer.Parse("seed000", b)
	if err != nil {
		t.Fatal(err)
	}
	return res.Register
}

func has(fs []register.Finding, code, id string) bool {
	return slices.ContainsFunc(fs, func(f register.Finding) bool { return f.Code == code && f.EntityID == id })
}

func TestCheckSeed000(t *testing.T) {
	r := seed000(t)
	fs := register.Check(r, register.Date{Year: 2026, Month: 11, Day: 23})
	n := register.CountBySeverity(fs)
	if n[register.SevError] != 0 {
		t.Errorf("seed 000 states every Art. 30(1)(a)-(e) item, got errors: %v", fs)
	}
	want := []struct{ code, id string }{
		{register.CodeRecipientsNoneExternal, "zahlungsabwicklung-bei-kunden-ueber-externe"},
		{register.CodeLegalBasisMissing, "kundenverwaltung"},
		{register.CodeControllerDPO, ""},
		{register.CodeTOMUnresolved, "betrieb-der-website-und-des-onlineshops"},
		{register.CodeMeasureNeverReviewed, "kundendatenbank-absichern"},
		{register.CodeMeasureCategoryMissing, "kundendatenbank-absichern"},
		{register.CodeDPIAUnknown, "werbemassnahmen-zur-kundengewinnung"},
		// The retention statements (issue 3's acceptance): "10 Jahre
		// (gesetzliche Aufbewahrungspflicht)" names no start event, no
		// statutory duty covers marketing e-mail addresses, and payment
		// records are 8 years since 2025.
		{"retention-no-start-event", "kundenverwaltung"},
		{"retention-no-start-event", "werbemassnahmen-zur-kundengewinnung"},
		{"retention-no-statutory-duty", "werbemassnahmen-zur-kundengewinnung"},
		{"retention-outdated-law", "zahlungsabwicklung-bei-kunden-ueber-externe"},
		{"retention-implied-start", "betrieb-der-website-und-des-onlineshops"},
	}
	for _, w := range want {
		if !has(fs, w.code, w.id) {
			t.Errorf("missing finding %s for %q", w.code, w.id)
		}
	}
	// "Keine Weitergabe" is plausible for the activities that name no
	// service provider.
	for _, id := range []string{"kundenverwaltung", "betrieb-der-website-und-des-onlineshops", "werbemassnahmen-zur-kundengewinnung"} {
		if has(fs, register.CodeRecipientsNoneExternal, id) {
			t.Errorf("false recipients finding for %s", id)
		}
	}
	if n[register.SevWarning] != 4+1+8+8+5 {
		t.Errorf("warnings = %d, want 26 (4 legal basis, 1 recipients, 8+8 TOM, 3 no start event, 1 no statutory duty, 1 outdated law)", n[register.SevWarning])
	}
	for _, id := range []string{"kundenverwaltung", "betrieb-der-website-und-des-onlineshops"} {
		if has(fs, "retention-no-statutory-duty", id) || has(fs, "retention-outdated-law", id) {
			t.Errorf("false statutory finding for %s", id)
		}
	}
	// Errors sort first, and every finding has a message in both languages.
	for _, f := range fs {
		for _, l := range locale.Langs {
			if !locale.Has("finding." + f.Code) {
				t.Errorf("no message for %s in %s", f.Code, l)
			}
		}
		if f.Ref == "" {
			t.Errorf("%s has no legal reference", f.Code)
		}
	}
}

func TestCheckRules(t *testing.T) {
	today := register.Date{Year: 2026, Month: 11, Day: 23}
	p6m := period.MustParse("P6M")
	cases := []struct {
		name string
		reg  register.Register
		code string
		sev  register.Severity
		hit  bool
	}{
		{"no controller", register.Register{}, register.CodeControllerMissing, register.SevError, true},
		{"purpose missing", act(func(a *register.Activity) { a.Purposes = nil }), register.CodePurposeMissing, register.SevError, true},
		{"vague purpose", act(func(a *register.Activity) { a.Purposes = []string{"Verwaltung"} }), register.CodePurposeVague, register.SevWarning, true},
		{"open-ended purpose", act(func(a *register.Activity) { a.Purposes = []string{"Vertrieb, Marketing usw."} }), register.CodePurposeVague, register.SevWarning, true},
		{"specific purpose", act(func(a *register.Activity) {}), register.CodePurposeVague, "", false},
		{"subjects missing", act(func(a *register.Activity) { a.DataSubjects = nil }), register.CodeDataSubjectsMissing, register.SevError, true},
		{"categories missing", act(func(a *register.Activity) { a.DataCategories = nil }), register.CodeDataCategoriesMissing, register.SevError, true},
		{"recipients not stated", act(func(a *register.Activity) { a.Recipients = register.Recipients{} }), register.CodeRecipientsMissing, register.SevError, true},
		{"transfers not stated", act(func(a *register.Activity) { a.ThirdCountryTransfers = register.Transfers{} }), register.CodeTransfersMissing, register.SevError, true},
		{"transfer without safeguard", act(func(a *register.Activity) {
			a.ThirdCountryTransfers = register.Transfers{Items: []register.Transfer{{Country: "US"}}}
		}), register.CodeTransferSafeguard, register.SevWarning, true},
		{"transfer with safeguard", act(func(a *register.Activity) {
			a.ThirdCountryTransfers = register.Transfers{Items: []register.Transfer{{Country: "US", Safeguard: "SCC"}}}
		}), register.CodeTransferSafeguard, "", false},
		{"no legal basis", act(func(a *register.Activity) { a.LegalBases = nil }), register.CodeLegalBasisMissing, register.SevWarning, true},
		{"no retention", act(func(a *register.Activity) { a.Retention = nil }), register.CodeRetentionMissing, register.SevWarning, true},
		{"retention without period", act(func(a *register.Activity) { a.Retention = []register.Retention{{Text: "solange erforderlich"}} }), "retention-vague", register.SevWarning, true},
		{"retention unbounded", act(func(a *register.Activity) { a.Retention = []register.Retention{{Text: "Daten werden gespeichert"}} }), "retention-unbounded", register.SevWarning, true},
		{"retention with written number", act(func(a *register.Activity) { a.Retention = []register.Retention{{Text: "zehn Jahre nach Vertragsende"}} }), "retention-no-start-event", "", false},
		{"explicit rule wins over the text", act(func(a *register.Activity) {
			p := period.MustParse("P10Y")
			a.Retention = []register.Retention{{Text: "10 Jahre", Rule: &retention.Rule{Event: retention.ContractEnd, Period: &p}}}
		}), "retention-no-start-event", "", false},
		{"processor without controller", act(func(a *register.Activity) { a.Role = register.RoleProcessor }), register.CodeProcessorNoController, register.SevWarning, true},
		{"processor with controller", act(func(a *register.Activity) { a.Role = register.RoleProcessor; a.Controllers = []string{"Kunde A"} }), register.CodeProcessorNoController, "", false},
		{"archived activity is not linted", act(func(a *register.Activity) { a.Purposes = nil; a.Status = register.StatusArchived }), register.CodePurposeMissing, "", false},
		{"tom never reviewed", tom(func(m *register.Measure) { m.LastReviewed = nil }), register.CodeMeasureNeverReviewed, register.SevWarning, true},
		{"tom overdue (default yearly)", tom(func(m *register.Measure) { m.LastReviewed = &register.Date{Year: 2025, Month: 11, Day: 22} }), register.CodeMeasureReviewOverdue, register.SevWarning, true},
		{"tom due today is not overdue", tom(func(m *register.Measure) { m.LastReviewed = &register.Date{Year: 2025, Month: 11, Day: 23} }), register.CodeMeasureReviewOverdue, "", false},
		{"tom overdue by its own interval", tom(func(m *register.Measure) {
			m.ReviewInterval = &p6m
			m.LastReviewed = &register.Date{Year: 2026, Month: 5, Day: 22}
		}), register.CodeMeasureReviewOverdue, register.SevWarning, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := register.Check(&c.reg, today)
			i := slices.IndexFunc(fs, func(f register.Finding) bool { return f.Code == c.code })
			if (i >= 0) != c.hit {
				t.Fatalf("finding %s present = %v, want %v (%v)", c.code, i >= 0, c.hit, fs)
			}
			if c.hit && fs[i].Severity != c.sev {
				t.Errorf("severity = %s, want %s", fs[i].Severity, c.sev)
			}
		})
	}
}

func complete() *register.Activity {
	d := register.Date{Year: 2020, Month: 1, Day: 1}
	return &register.Activity{
		ID: "shop", Name: "Online-Shop", Role: register.RoleController, Introduced: &d,
		Contact: &register.Contact{Name: "Erika"}, Purposes: []string{"Abwicklung von Bestellungen"},
		LegalBases: []string{"Art. 6 Abs. 1 lit. b DSGVO"}, DataSubjects: []string{"Kunden"}, DataCategories: []string{"Name"},
		Recipients: register.Recipients{None: true}, ThirdCountryTransfers: register.Transfers{None: true},
		Retention: []register.Retention{{Text: "10 Jahre nach Vertragsende"}}, TOMs: []string{"backup"}, DPIA: &register.DPIA{Required: register.No},
	}
}

func act(mod func(a *register.Activity)) register.Register {
	a := complete()
	mod(a)
	d := register.Date{Year: 2026, Month: 1, Day: 1}
	return register.Register{Controller: &register.Controller{Name: "X", Email: "x@example.org"}, Activities: []*register.Activity{a},
		TOMs: []*register.Measure{{ID: "backup", Title: "Backup", Category: register.CatAvailability, LastReviewed: &d}}}
}

func tom(mod func(m *register.Measure)) register.Register {
	r := act(func(*register.Activity) {})
	mod(r.TOMs[0])
	return r
}

func TestDates(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"19.03.2018", "2018-03-19"}, {"1.3.2018", "2018-03-01"}, {"2018-03-19", "2018-03-19"}, {"29.02.2024", "2024-02-29"},
	} {
		d, err := register.ParseDate(c.in)
		if err != nil || d.String() != c.want {
			t.Errorf("ParseDate(%q) = %v, %v; want %s", c.in, d, err, c.want)
		}
	}
	for _, bad := range []string{"29.02.2023", "32.01.2018", "2018-13-01", "19.03.18", "heute", "2018-3-1x", ""} {
		if _, err := register.ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) accepted", bad)
		}
	}
}

func TestPeriod(t *testing.T) {
	jan31 := time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		in, canon string
		from      time.Time
		want      string
	}{
		{"P1M", "P1M", jan31, "2024-02-29"}, // clamped, leap year
		{"P1M", "P1M", jan31.AddDate(1, 0, 0), "2025-02-28"},
		{"P1Y", "P1Y", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), "2025-02-28"},
		{"P30D", "P30D", time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC), "2024-04-14"},
		{"pt48h", "PT48H", time.Date(2024, 3, 15, 10, 0, 0, 0, time.UTC), "2024-03-17"},
		{"P2W", "P2W", time.Date(2024, 12, 25, 0, 0, 0, 0, time.UTC), "2025-01-08"},
		{"P0D", "P0D", jan31, "2024-01-31"},
		{"P1Y6M", "P1Y6M", time.Date(2023, 8, 31, 0, 0, 0, 0, time.UTC), "2025-02-28"},
	}
	for _, c := range cases {
		p, err := period.Parse(c.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.in, err)
		}
		if p.String() != c.canon {
			t.Errorf("String(%q) = %s", c.in, p)
		}
		if got := p.AddTo(c.from).Format("2006-01-02"); got != c.want {
			t.Errorf("%s + %s = %s, want %s", c.from.Format("2006-01-02"), c.in, got, c.want)
		}
	}
	for _, bad := range []string{"", "P", "1Y", "P1", "PT1M", "P1Y1Y", "P-1D", "PXD", "P99999Y"} {
		if _, err := period.Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

func TestSlug(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Werbemaßnahmen zur Kundengewinnung", "werbemassnahmen-zur-kundengewinnung"},
		{"Zahlungsabwicklung bei Kunden (über externe Dienstleister)", "zahlungsabwicklung-bei-kunden-ueber-externe"},
		{"  Ärger & Öl  ", "aerger-oel"},
		{"Łódź", "odz"},
	} {
		if got := register.Slug(c.in); got != c.want {
			t.Errorf("Slug(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	taken := map[string]bool{}
	if a, b := register.UniqueSlug("Backup", taken), register.UniqueSlug("Backup", taken); a != "backup" || b != "backup-2" {
		t.Errorf("unique slugs %s %s", a, b)
	}
}

func TestDiff(t *testing.T) {
	a := complete()
	b := complete()
	b.Purposes = append(b.Purposes, "Versand")
	now := time.Now()
	b.Changed = &now // bookkeeping is not a change
	ch, err := register.Diff(a, b)
	if err != nil || len(ch) != 1 || ch[0].Field != "purposes" {
		t.Fatalf("diff = %+v, %v", ch, err)
	}
	var old, new []string
	json.Unmarshal(ch[0].Old, &old)
	json.Unmarshal(ch[0].New, &new)
	if len(old) != 1 || len(new) != 2 {
		t.Errorf("old %v new %v", old, new)
	}
	created, _ := register.Diff(nil, a)
	if len(created) < 10 {
		t.Errorf("creation diff lists %d fields", len(created))
	}
}

func TestNoneRoundTrip(t *testing.T) {
	a := complete()
	b, _ := json.Marshal(a)
	var back register.Activity
	if err := json.Unmarshal(b, &back); err != nil || !back.Recipients.None || !back.ThirdCountryTransfers.None {
		t.Fatalf("%s -> %+v %v", b, back, err)
	}
	if err := json.Unmarshal([]byte(`{"recipients":"nobody"}`), &back); err == nil {
		t.Error("accepted a string other than none")
	}
}

// TestSlugs: Slugs hands out what UniqueSlug does, for names that repeat,
// collide with suffixed slugs and with ids given in the document.
func TestSlugs(t *testing.T) {
	names := []string{"Backup", "Backup", "Backup 2", "Backup", "", "", "Lohn", "backup-4", "Backup", "Lohn"}
	taken := map[string]bool{}
	u := register.NewSlugs()
	u.Take("lohn-2")
	taken["lohn-2"] = true
	for _, n := range names {
		want := register.UniqueSlug(n, taken)
		if got := u.Unique(n); got != want {
			t.Fatalf("Unique(%q) = %q, UniqueSlug %q", n, got, want)
		}
	}
	if !u.Taken("backup-5") || u.Taken("backup-9") {
		t.Fatal("Taken")
	}
	// Many entries of one name: each gets the next suffix.
	for i := 2; i < 5000; i++ {
		if got := u.Unique("Gleich"); i > 2 && got != "gleich-"+strconv.Itoa(i-1) {
			t.Fatalf("entry %d: %s", i, got)
		}
	}
}

func TestValidEmailPhone(t *testing.T) {
	for _, c := range []struct {
		s          string
		email, tel bool
	}{
		{"info@allegro-it.de", true, false}, {"hans@müller.de", true, false}, {"info(at)firma.de", false, false},
		{"a b@firma.de", false, false}, {"name@localhost", false, false},
		{"02951-9336991", false, true}, {"+49 5251 123456", false, true}, {"(0521) 1 23 45", false, true},
		{"05251/12345 Durchwahl 12", false, true}, {"bitte anrufen", false, false}, {"123", false, false},
	} {
		if got := register.ValidEmail(c.s); got != c.email {
			t.Errorf("ValidEmail(%q) = %v", c.s, got)
		}
		if got := register.ValidPhone(c.s); got != c.tel {
			t.Errorf("ValidPhone(%q) = %v", c.s, got)
		}
	}
}

func TestMeasureDisplay(t *testing.T) {
	for _, c := range []struct{ title, desc, wantT, wantD string }{
		{"Backup", "", "Backup", ""},
		{"Backup", "Backup", "Backup", ""},
		{"Die Kommunikation ist verschlüsselt.", "Die Kommunikation ist verschlüsselt. Jede Präsenz hat ein Zertifikat.", "Die Kommunikation ist verschlüsselt. Jede Präsenz hat ein Zertifikat.", ""},
		{"Daten, die nur statistischen …", "Daten, die nur statistischen Zwecken dienen.", "Daten, die nur statistischen Zwecken dienen.", ""},
		{"Tägliche Sicherung", "Verschlüsselt in ein zweites Rechenzentrum", "Tägliche Sicherung", "Verschlüsselt in ein zweites Rechenzentrum"},
	} {
		m := &register.Measure{Title: c.title, Description: c.desc}
		if gt, gd := m.Display(); gt != c.wantT || gd != c.wantD {
			t.Errorf("Display(%q, %q) = %q, %q", c.title, c.desc, gt, gd)
		}
	}
}

func TestRecipientKindNames(t *testing.T) {
	var r register.Register
	doc := "activities:\n  - id: a\n    name: A\n    recipients:\n      - {name: Hoster, kind: Auftragsverarbeiter}\n      - {name: Finanzamt, kind: Behörde}\n      - {name: IT, kind: intern}\n      - {name: Bank, kind: external}\n      - {name: X, kind: irgendwas}\n"
	if err := yaml.Unmarshal([]byte(doc), &r); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range r.Activities[0].Recipients.Items {
		got = append(got, string(x.Kind))
	}
	if strings.Join(got, ",") != "processor,authority,internal,external,irgendwas" {
		t.Errorf("kinds = %v", got)
	}
	if err := r.Activities[0].Validate(); err == nil || !strings.Contains(gdpr.Localized(err, locale.DE), "irgendwas") {
		t.Errorf("an unknown kind passed: %v", err)
	}
	var j register.Recipient
	if err := json.Unmarshal([]byte(`{"name":"H","kind":"Auftragsverarbeiter"}`), &j); err != nil || j.Kind != register.RecipientProcessor {
		t.Errorf("JSON: %+v %v", j, err)
	}
}
