package importer

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"gdpr"
	"gdpr/locale"
	"gdpr/register"
)

func seed(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(seedPath(name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustParse(t *testing.T, name string, data []byte) *Result {
	t.Helper()
	res, err := Parse(name, data)
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return res
}

func TestSeed000(t *testing.T) {
	res := mustParse(t, "seed000.txt", seed(t, "seed000-allegro.txt"))
	r := res.Register
	if res.Format != FormatTextTable {
		t.Errorf("format = %s", res.Format)
	}
	c := r.Controller
	if c == nil || c.Name != "allegro:it" || c.Representative != "Thomas H. Grimm" || c.Phone != "+49 2951 93369991" ||
		c.Email != "info@allegro-it.de" || c.Web != "www.allegro-it.de" || !strings.Contains(c.Address, "33142 Büren") {
		t.Fatalf("controller = %+v", c)
	}
	if len(r.Activities) != 4 {
		t.Fatalf("%d activities, want 4", len(r.Activities))
	}
	a := r.Activities[0]
	want := []struct {
		got, want any
		what      string
	}{
		{a.Name, "Betrieb der Website und des Onlineshops", "name"},
		{a.DataSubjects, []string{"Kunden", "Websitebesucher"}, "data subjects"},
		{a.DataCategories, []string{"IP-Adressen", "Stammdaten der Kunden", "E-Mail-Adressen und Passwörter"}, "data categories"},
		{a.Introduced.String(), "2018-03-19", "introduced"},
		{*a.Contact, register.Contact{Name: "Thomas H. Grimm", Phone: "02951-9336991", Email: "info@allegro-it.de"}, "contact"},
		{a.Retention, []register.Retention{{Text: "IP-Adressen nach 30 Tagen"}}, "retention"},
		{a.Purposes, []string{"Vertrieb von eigenen Produkten"}, "purposes"},
		{r.Activities[2].Retention[0].Text, "10 Jahre (gesetzliche Aufbewahrungspflicht)", "retention row 3"},
		{r.Activities[3].DataSubjects, []string{"Bestandskunden", "Potenzielle Neukunden"}, "data subjects row 4"},
		{r.Activities[1].DataCategories, []string{"Stammdaten der Kunden", "Kaufhistorien", "Anfragehistorien"}, "categories row 2"},
	}
	for _, w := range want {
		if !reflect.DeepEqual(w.got, w.want) {
			t.Errorf("%s = %#v, want %#v", w.what, w.got, w.want)
		}
	}
	for _, a := range r.Activities {
		if !a.Recipients.None || len(a.Recipients.Items) != 0 || !a.ThirdCountryTransfers.None {
			t.Errorf("%s: recipients/transfers not explicitly none: %+v %+v", a.ID, a.Recipients, a.ThirdCountryTransfers)
		}
		if a.Introduced.String() != "2018-03-19" {
			t.Errorf("%s introduced %v", a.ID, a.Introduced)
		}
	}
	titles := []string{"Automatische Updates aktivieren", "Standard-Gruppenverwaltung", "Aktuelle Virens Scanner u. Sicherheitssoftware",
		"Patch-Management bei CMS und Onlineshop", "Automatische Updates des Browsers aktivieren", "Papieraktenvernichtung mit Standard-Shredder",
		"Kundendatenbank absichern", "Regelmäßige Backups der Kundendaten"}
	if len(r.TOMs) != len(titles) {
		t.Fatalf("%d measures, want 8", len(r.TOMs))
	}
	for i, m := range r.TOMs {
		if m.Title != titles[i] {
			t.Errorf("measure %d = %q, want %q", i, m.Title, titles[i])
		}
	}
}

func TestSeed002(t *testing.T) {
	res := mustParse(t, "seed002.txt", seed(t, "seed002-toms.txt"))
	if res.Format != FormatTOMNumbered {
		t.Errorf("format = %s", res.Format)
	}
	got := map[register.Category]int{}
	for _, m := range res.Register.TOMs {
		got[m.Category]++
	}
	want := map[register.Category]int{"pseudonymisation": 2, "encryption": 8, "confidentiality": 3, "integrity": 1,
		"availability": 2, "resilience": 2, "restore": 1, "evaluation": 4}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("categories = %v, want %v", got, want)
	}
	if n := len(res.Register.Documents); n != 5 || res.Register.Documents[4].Title != "Notfallanweisungen für Webserver" {
		t.Errorf("documents = %d %+v", n, res.Register.Documents)
	}
	hosting := 0
	for _, m := range res.Register.TOMs {
		if m.Group == "Hosting" {
			hosting++
		}
	}
	if hosting != 5 {
		t.Errorf("%d measures in group Hosting, want 5", hosting)
	}
	// The stray title lines are reported, not silently dropped.
	if len(res.Skipped) != 5 || !strings.Contains(res.Skipped[2], "Managmement") {
		t.Errorf("skipped = %v", res.Skipped)
	}
}

func TestSeed003(t *testing.T) {
	res := mustParse(t, "seed003.txt", seed(t, "seed003-etron.txt"))
	if res.Format != FormatLabelBlocks || len(res.Register.Activities) != 1 {
		t.Fatalf("format %s, %d activities", res.Format, len(res.Register.Activities))
	}
	a := res.Register.Activities[0]
	wantData := []string{"Anrede", "Vorname", "Nachname", "Emailadresse", "Anschrift", "Werbekriterien", "Kundennummer", "Filialnummer", "Geburtsdatum"}
	if a.Name != "ETRON E-Mail Marketing Modul" || !reflect.DeepEqual(a.DataCategories, wantData) {
		t.Errorf("activity = %q %v", a.Name, a.DataCategories)
	}
	wantRec := []register.Recipient{{Name: "ETRON Softwareentwicklungs- und Vertriebs GmbH", Kind: register.RecipientProcessor}}
	if !reflect.DeepEqual(a.Recipients.Items, wantRec) {
		t.Errorf("recipients = %+v", a.Recipients)
	}
	if len(a.Retention) != 1 || a.Retention[0].Text != "Dauer der Geschäftsbeziehung + 1 Monat" {
		t.Errorf("retention = %+v", a.Retention)
	}
	if !strings.Contains(a.DataLocation, "im EU-Raum") || a.DataSubjects[0] != "Kunden" || a.Purposes[0] != "Kundenbindungs-, Newsletter- und Mailingprogramm" {
		t.Errorf("location/subjects/purposes = %q %v %v", a.DataLocation, a.DataSubjects, a.Purposes)
	}
	if a.Contact == nil || a.Contact.Email != "support@etron.info" || a.DPIA == nil || a.DPIA.Required != register.No {
		t.Errorf("contact %+v dpia %+v", a.Contact, a.DPIA)
	}
	if len(res.Register.TOMs) != 2 || !reflect.DeepEqual(a.TOMs, []string{"it-sicherheit", "umgebungssicherheit"}) {
		t.Errorf("toms = %v", a.TOMs)
	}
	notes := strings.Join(a.Notes, "\n")
	if !strings.Contains(notes, "IP von der der Bestätigungslink geklickt wurde") {
		t.Error("the consent-evidence fields are not kept in the notes")
	}
}

func TestSeed004Legacy(t *testing.T) {
	res := mustParse(t, "seed004.txt", seed(t, "seed004-3kplaces.txt"))
	if res.Format != FormatTOMLegacy {
		t.Fatalf("format = %s", res.Format)
	}
	want := []register.LegacyControl{"zutrittskontrolle", "zugangskontrolle", "trennungskontrolle", "weitergabekontrolle", "verfuegbarkeitskontrolle"}
	var got []register.LegacyControl
	for _, m := range res.Register.TOMs {
		got = append(got, m.LegacyControl)
		if m.Category != m.LegacyControl.Category() {
			t.Errorf("%s: category %s", m.ID, m.Category)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("controls = %v", got)
	}
}

func TestLegacyHeadingsWithBullets(t *testing.T) {
	doc := "TOM der Muster GmbH\n\nZutrittskontrolle\n• Alarmanlage\n• Schlüsselregelung\n\nZugriffskontrolle:\n- Berechtigungskonzept\n\nEingabekontrolle\n* Protokollierung der Eingaben\n"
	res := mustParse(t, "legacy.txt", []byte(doc))
	var titles []string
	for _, m := range res.Register.TOMs {
		titles = append(titles, string(m.LegacyControl)+"/"+m.Title)
	}
	want := []string{"zutrittskontrolle/Alarmanlage", "zutrittskontrolle/Schlüsselregelung", "zugriffskontrolle/Berechtigungskonzept", "eingabekontrolle/Protokollierung der Eingaben"}
	if !reflect.DeepEqual(titles, want) {
		t.Errorf("got %v", titles)
	}
}

const csvSemicolon = "\ufeffVerzeichnis der Muster GmbH;;;;;\n" +
	"Bezeichnung der Verarbeitungstätigkeit;Zwecke der Verarbeitung;Rechtsgrundlage;Kategorien betroffener Personen;Fristen für die Löschung;Übermittlung an Drittländer;Datum der Einführung;Kategorien von Empfängern\n" +
	"Lohnabrechnung;Abrechnung der Gehälter;\"Art. 6 Abs. 1 lit. b DSGVO\nArt. 6 Abs. 1 lit. c DSGVO\";Beschäftigte;Lohnunterlagen: 6 Jahre;keine;01.01.2019;\"Steuerberater; Finanzamt\"\n" +
	"Newsletter;Versand des Newsletters;Art. 6 Abs. 1 lit. a DSGVO;\"• Abonnenten\n• Interessenten\";bis zum Widerruf;USA (Standardvertragsklauseln);2020-05-01;Versanddienstleister (Auftragsverarbeiter)\n"

func TestCSV(t *testing.T) {
	res := mustParse(t, "reg.csv", []byte(csvSemicolon))
	if res.Format != FormatCSV || len(res.Register.Activities) != 2 {
		t.Fatalf("format %s activities %d", res.Format, len(res.Register.Activities))
	}
	a, b := res.Register.Activities[0], res.Register.Activities[1]
	checks := []struct {
		got, want any
	}{
		{a.ID, "lohnabrechnung"},
		{a.LegalBases, []string{"Art. 6 Abs. 1 lit. b DSGVO", "Art. 6 Abs. 1 lit. c DSGVO"}},
		{a.Retention, []register.Retention{{DataCategory: "Lohnunterlagen", Text: "6 Jahre"}}},
		{a.ThirdCountryTransfers.None, true},
		{a.Introduced.String(), "2019-01-01"},
		{a.Recipients.Items, []register.Recipient{{Name: "Steuerberater", Kind: "external"}, {Name: "Finanzamt", Kind: "authority"}}},
		{b.DataSubjects, []string{"Abonnenten", "Interessenten"}},
		{b.ThirdCountryTransfers.Items, []register.Transfer{{Country: "US", Safeguard: "SCC (Art. 46(2)(c) GDPR)"}}},
		{b.Recipients.Items[0].Kind, register.RecipientProcessor},
	}
	for i, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("check %d: got %#v, want %#v", i, c.got, c.want)
		}
	}
	if len(res.Skipped) != 1 {
		t.Errorf("title row not reported: %v", res.Skipped)
	}
	comma := "Name,Purpose,Data subjects,Personal data,Recipients,Third countries,Retention\nShop,Selling goods,Customers,\"Name\nAddress\",none,none,10 years\n"
	res = mustParse(t, "en.csv", []byte(comma))
	if a := res.Register.Activities[0]; a.Name != "Shop" || len(a.DataCategories) != 2 || !a.Recipients.None {
		t.Errorf("english csv = %+v", a)
	}
}

func xlsxBytes(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", "Verzeichnis")
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Verzeichnis", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestXLSX(t *testing.T) {
	data := xlsxBytes(t, [][]any{
		{"Verzeichnis von Verarbeitungstätigkeiten"},
		{},
		{"Nr.", "Bezeichnung der Verarbeitungstätigkeit", "Zwecke der Verarbeitung", "Kategorien personenbezogener Daten", "Fristen für die Löschung", "Interne Bemerkung"},
		{1, "Videoüberwachung", "Schutz vor Einbruch", "Videoaufnahmen\nZeitstempel", "72 Stunden", "Kamera im Lager"},
		{2, "Zeiterfassung", "Arbeitszeitnachweis", "Arbeitszeiten", "2 Jahre"},
	})
	res := mustParse(t, "reg.xlsx", data)
	if res.Format != FormatXLSX || len(res.Register.Activities) != 2 {
		t.Fatalf("format %s activities %d", res.Format, len(res.Register.Activities))
	}
	a := res.Register.Activities[0]
	if a.ID != "videoueberwachung" || !reflect.DeepEqual(a.DataCategories, []string{"Videoaufnahmen", "Zeitstempel"}) ||
		!reflect.DeepEqual(a.Notes, []string{"Interne Bemerkung: Kamera im Lager"}) {
		t.Errorf("activity = %+v", a)
	}
}

func TestMalformed(t *testing.T) {
	s000 := string(seed(t, "seed000-allegro.txt"))
	lines := strings.Split(s000, "\n")
	row := func(i int) string { return lines[i] } // 0-based; line 20 is the first row
	replaceLine := func(i int, with string) string {
		c := append([]string(nil), lines...)
		c[i] = with
		return strings.Join(c, "\n")
	}
	firstRowCells := strings.Split(row(19), "\t")
	cases := []struct {
		name, file, data string
		want             []string // substrings of the error
	}{
		{"truncated table row", "v.txt", replaceLine(20, row(20)[:60]), []string{"v.txt:21:", "row has 2 columns, the header has 10", "truncated"}},
		{"extra column", "v.txt", replaceLine(21, row(21)+"\textra"), []string{"v.txt:22:", "11 columns"}},
		{"bad date", "v.txt", replaceLine(19, strings.Join(append(append([]string{}, firstRowCells[:2]...), append([]string{"32.13.2018"}, firstRowCells[3:]...)...), "\t")), []string{"v.txt:20:", `field "Datum der Einführung"`, "32.13.2018"}},
		{"binary garbage", "x.bin", "\x00\x01\x02garbage\xff\xfe", []string{"x.bin:1:", "binary data"}},
		{"latin-1 text", "l.csv", "Bezeichnung;Zweck\nK\xfcndigung;x\n", []string{"l.csv:2:", "not UTF-8"}},
		{"empty", "e.txt", "  \n", []string{"e.txt", "empty"}},
		{"unknown shape", "n.txt", "Hallo Welt\nNur ein Brief.\n", []string{"n.txt", "unrecognised document"}},
		{"csv column count", "c.csv", "Bezeichnung;Zweck;Daten\nA;B;C\nD;E\n", []string{"c.csv:3:", "2 columns, the header has 3"}},
		{"csv bad quote", "c.csv", "Bezeichnung;Zweck\n\"A;B\n", []string{"c.csv:", "CSV:"}},
		{"csv bad status", "c.csv", "Bezeichnung;Zweck;Status\nA;B;fertig\n", []string{"c.csv:2:", `field "Status"`, "fertig"}},
		{"csv no rows", "c.csv", "Bezeichnung;Zweck\n", []string{"c.csv", "no rows"}},
		{"yaml unknown key", "r.yaml", "activities:\n  - id: a\n    name: A\n    purpose: typo\n", []string{"r.yaml:4:", "purpose"}},
		{"yaml bad value", "r.yaml", "activities:\n  - id: a\n    name: A\n    recipients:\n      - name: X\n        kind: friend\n", []string{"r.yaml:6:", "recipients[0].kind", "friend"}},
		{"yaml unknown key in a recipient", "r.yaml", "activities:\n  - id: a\n    name: A\n    recipients:\n      - name: X\n        knd: processor\n", []string{"r.yaml:6:", "knd", "in a recipient"}},
		{"yaml unknown key in a transfer", "r.yaml", "activities:\n  - id: a\n    name: A\n    third_country_transfers:\n      - country: US\n        safegard: scc\n", []string{"r.yaml:6:", "safegard"}},
		{"yaml unknown key through an alias", "r.yaml", "c: &c {name: X, kindd: processor}\nactivities:\n  - id: a\n    name: A\n", []string{"r.yaml:1:", `no field "c" in a register`}},
		{"json unknown key in a recipient", "r.json", "{\"activities\": [{\"id\": \"a\", \"name\": \"A\",\n \"recipients\": [{\"name\": \"X\", \"knd\": \"processor\"}]}]}", []string{"r.json", "knd"}},
		{"yaml bad date", "r.yaml", "activities:\n  - id: a\n    name: A\n    introduced: 2018-02-30\n", []string{"r.yaml:4:", "no such day"}},
		{"yaml duplicate id", "r.yaml", "activities:\n  - id: a\n    name: A\n  - id: a\n    name: B\n", []string{"r.yaml:4:", "duplicate"}},
		{"json syntax", "r.json", "{\"activities\": [\n {\"id\": \"a\",\n \"name\": }]}", []string{"r.json:3:", "JSON"}},
		{"json type", "r.json", "{\"activities\": [\n {\"id\": 5}]}", []string{"r.json:2:", "activities.id"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(c.file, []byte(c.data))
			if err == nil {
				t.Fatal("no error")
			}
			if gdpr.ErrorCode(err) != gdpr.EINVALID {
				t.Errorf("code = %s", gdpr.ErrorCode(err))
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			germanMessage(t, err)
		})
	}
}

// germanMessage checks that err reads in German as a whole: a catalogue
// text, not a key, not the English one, and no English location words.
func germanMessage(t *testing.T, err error) {
	t.Helper()
	de, en := gdpr.Localized(err, locale.DE), gdpr.Localized(err, locale.EN)
	if de == en && !strings.Contains(de, "YAML: ") && !strings.Contains(de, "JSON: ") && !strings.Contains(de, "CSV: ") {
		t.Errorf("the German message is the English one: %q", de)
	}
	for _, w := range []string{"import.", "invalid.", "date.", ": field ", " row ", "%!"} {
		if strings.Contains(de, w) {
			t.Errorf("German message %q has %q", de, w)
		}
	}
}

func TestXLSXMalformed(t *testing.T) {
	data := xlsxBytes(t, [][]any{
		{"Bezeichnung", "Zweck", "Datum der Einführung"},
		{"A", "B", "gestern"},
	})
	_, err := Parse("r.xlsx", data)
	if err == nil || !strings.Contains(err.Error(), `sheet "Verzeichnis" row 2`) || !strings.Contains(err.Error(), "Datum der Einführung") {
		t.Fatalf("err = %v", err)
	}
	if de := gdpr.Localized(err, locale.DE); !strings.Contains(de, "Tabellenblatt „Verzeichnis“ Zeile 2: Feld „Datum der Einführung“: ungültiges Datum") {
		t.Errorf("German: %s", de)
	}
	_, err = Parse("broken.xlsx", append([]byte("PK\x03\x04"), bytes.Repeat([]byte{1}, 50)...))
	if err == nil || !strings.Contains(err.Error(), "broken.xlsx") {
		t.Fatalf("err = %v", err)
	}
}

func TestSplitList(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{`<ul style="list-style-type: none"> • Kunden • Websitebesucher `, []string{"Kunden", "Websitebesucher"}},
		{"<ul><li>A</li><li>B &amp; C</li></ul>", []string{"A", "B & C"}},
		{"- eins\n- zwei", []string{"eins", "zwei"}},
		{"Kundenbindungs-, Newsletter- und Mailingprogramm", []string{"Kundenbindungs-, Newsletter- und Mailingprogramm"}},
		{"a; b;;", []string{"a", "b"}},
		{"   ", nil},
	}
	for _, c := range cases {
		if got := SplitList(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("SplitList(%q) = %#v, want %#v", c.in, got, c.want)
		}
	}
}

func TestParseContact(t *testing.T) {
	cases := []struct {
		in   string
		want register.Contact
	}{
		{"Thomas H. Grimm 02951-9336991 info@allegro-it.de", register.Contact{Name: "Thomas H. Grimm", Phone: "02951-9336991", Email: "info@allegro-it.de"}},
		{"Erika Muster, Tel.: +49 (30) 123 456-7, E-Mail: e.muster@example.org", register.Contact{Name: "Erika Muster", Phone: "+49 (30) 123 456-7", Email: "e.muster@example.org"}},
		{"Datenschutzteam", register.Contact{Name: "Datenschutzteam"}},
	}
	for _, c := range cases {
		if got := ParseContact(c.in); got == nil || *got != c.want {
			t.Errorf("ParseContact(%q) = %+v, want %+v", c.in, got, c.want)
		}
	}
}

func TestIsNone(t *testing.T) {
	for _, s := range []string{"Keine Weitergabe", "Keiner", "keine", "none", "-", "Keine Übermittlung in Drittländer", "entfällt"} {
		if !IsNone(s) {
			t.Errorf("IsNone(%q) = false", s)
		}
	}
	for _, s := range []string{"Keine Weitergabe außer an Steuerberater", "Steuerberater", "USA"} {
		if IsNone(s) {
			t.Errorf("IsNone(%q) = true", s)
		}
	}
}

// seedPath finds a seed document: the two of the demo company live in the
// demo package (they are embedded in the binary), the others in testdata.
func seedPath(name string) string {
	if _, err := os.Stat(filepath.Join("..", "demo", name)); err == nil {
		return filepath.Join("..", "demo", name)
	}
	return filepath.Join("testdata", name)
}

func TestMerge(t *testing.T) {
	a := mustParse(t, "a.yaml", []byte("activities:\n  - id: x\n    name: X\n"))
	same := mustParse(t, "b.yaml", []byte("activities:\n  - id: x\n    name: X\n"))
	other := mustParse(t, "c.yaml", []byte("activities:\n  - id: x\n    name: Y\n"))
	r, err := Merge([]*Result{a, same})
	if err != nil || len(r.Activities) != 1 {
		t.Fatalf("merge of equal entries: %v %v", r, err)
	}
	_, err = Merge([]*Result{a, other})
	if err == nil || !strings.Contains(err.Error(), "a.yaml and c.yaml") {
		t.Fatalf("err = %v", err)
	}
}
