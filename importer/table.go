package importer

import (
	"html"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gdpr/register"
)

// column is a field of an activity that a table column can hold.
type column int

const (
	colNone column = iota
	colID
	colName
	colContact
	colIntroduced
	colPurposes
	colDescription
	colDataSubjects
	colDataCategories
	colRecipients
	colRetention
	colTOMs
	colTransfers
	colLegalBases
	colDepartment
	colStatus
	colDPIA
	colRole
	colControllers
	colDataLocation
	colSources
	colAutomated
	colNotes
	colRuleJSON // the exports' explicit rules, a line per statement
	colIgnore   // row numbers: carry no content
)

// headerNames maps normalised header texts (see normHeader) to columns: the
// DSK Muster wording, the seed documents' wording and usual synonyms.
var headerNames = map[string]column{}

func init() {
	for col, names := range map[column][]string{
		colID:             {"id", "kennung", "schlüssel", "key"},
		colIgnore:         {"nr", "lfd nr", "nummer", "no", "number", "pos", "regel", "rule", "löschregel", "retention rule"},
		colName:           {"verarbeitungstätigkeit", "bezeichnung der verarbeitungstätigkeit", "bezeichnung", "name der verarbeitungstätigkeit", "verfahren", "verfahrensname", "bezeichnung des verfahrens", "tätigkeit", "name", "activity", "processing activity", "name of the processing activity", "name of processing activity"},
		colContact:        {"ansprechpartner", "ansprechperson", "kontakt", "kontaktperson", "contact", "contact person"},
		colIntroduced:     {"datum der einführung", "einführung", "einführungsdatum", "eingeführt am", "seit", "introduced", "date of introduction", "since"},
		colPurposes:       {"zweck der verarbeitung", "zwecke der verarbeitung", "zweck", "zwecke", "zweckbestimmung", "purpose", "purposes", "purposes of processing", "purpose of processing", "purposes of the processing"},
		colDescription:    {"beschreibung", "description", "erläuterung"},
		colDataSubjects:   {"kategorie betroffene personen", "kategorien betroffener personen", "kategorie betroffener personen", "betroffene personen", "betroffene", "betroffenengruppen", "personengruppen", "betroffene personengruppen", "data subjects", "categories of data subjects", "data subject categories"},
		colDataCategories: {"kategorie von personenbezogenen daten", "kategorien von personenbezogenen daten", "kategorien personenbezogener daten", "kategorie personenbezogener daten", "datenkategorien", "datenarten", "daten", "personenbezogene daten", "personal data", "categories of personal data", "data categories"},
		colRecipients:     {"kategorie von empfängern", "kategorien von empfängern", "empfänger", "empfängerkategorien", "kategorien von empfängern gegenüber denen die personenbezogenen daten offengelegt worden sind oder noch offengelegt werden", "recipients", "categories of recipients"},
		colRetention:      {"löschfristen", "löschfrist", "fristen für die löschung", "fristen für die löschung der verschiedenen datenkategorien", "vorgesehene fristen für die löschung", "speicherdauer", "aufbewahrungsfrist", "aufbewahrungsfristen", "löschkonzept", "retention", "retention period", "retention periods", "time limits for erasure", "deletion periods"},
		colTOMs:           {"technische und organisatorische maßnahmen", "tom", "toms", "maßnahmen", "technische und organisatorische maßnahmen tom", "technical and organisational measures", "technical and organizational measures", "security measures"},
		colTransfers:      {"drittlandstransfer", "drittlandtransfer", "drittlandsübermittlung", "übermittlung an drittländer", "übermittlung in drittländer", "übermittlungen an drittländer", "übermittlung an drittländer oder internationale organisationen", "drittland", "drittländer", "third country transfers", "transfers to third countries", "third countries", "international transfers"},
		colLegalBases:     {"rechtsgrundlage", "rechtsgrundlagen", "rechtsgrundlage der verarbeitung", "legal basis", "legal bases", "lawful basis"},
		colDepartment:     {"abteilung", "fachabteilung", "verantwortliche fachabteilung", "responsible department", "organisationseinheit", "bereich", "department", "business unit"},
		colStatus:         {"status"},
		colDPIA:           {"dsfa", "datenschutz folgenabschätzung", "dsfa erforderlich", "dpia", "dpia required", "data protection impact assessment"},
		colRole:           {"rolle", "role"},
		colControllers:    {"auftraggeber", "im auftrag von", "on behalf of", "controllers"},
		colDataLocation:   {"datenstandort", "speicherort", "data location", "location of data"},
		colSources:        {"herkunft der daten", "herkunft", "datenquelle", "datenquellen", "quelle der daten", "source of the data", "sources of the data", "data sources", "sources"},
		colAutomated:      {"automatisierte entscheidung", "automatisierte entscheidungen", "automatisierte entscheidungsfindung", "automatisierte entscheidungsfindung einschließlich profiling", "profiling", "automated decision making", "automated decisions", "automated decision-making including profiling"},
		colNotes:          {"anmerkungen", "anmerkung", "bemerkungen", "bemerkung", "notes", "remarks"},
		colRuleJSON:       {"gespeicherte regel", "stored rule"},
	} {
		for _, n := range names {
			headerNames[normHeader(n)] = col
		}
	}
}

var parenthesis = regexp.MustCompile(`\([^)]*\)`)

// normHeader lower-cases a header, drops parenthesised remarks ("(Art. 30
// Abs. 1 lit. b)") and every character that is not a letter or digit.
func normHeader(s string) string {
	return register.FoldWords(parenthesis.ReplaceAllString(cleanCell(s), " "))
}

// columns is the mapping of one header row: per cell index its column, and
// the header text for error messages.
type columns struct {
	of     []column
	header []string
}

func (c columns) has(col column) bool {
	for _, x := range c.of {
		if x == col {
			return true
		}
	}
	return false
}

func (c columns) count() int {
	n := 0
	for _, x := range c.of {
		if x != colNone && x != colIgnore {
			n++
		}
	}
	return n
}

// mapHeader maps header cells to columns; unknown is the list of header
// cells that map to no column (their values are kept as notes).
func mapHeader(cells []string) (columns, []string) {
	c := columns{of: make([]column, len(cells)), header: make([]string, len(cells))}
	var unknown []string
	used := map[column]bool{}
	for i, h := range cells {
		c.header[i] = strings.TrimSpace(cleanCell(h))
		col := headerNames[normHeader(h)]
		if col != colNone && col != colIgnore && used[col] {
			col = colNone // a second column of the same meaning becomes notes
		}
		used[col] = true
		c.of[i] = col
		if col == colNone && c.header[i] != "" {
			unknown = append(unknown, c.header[i])
		}
	}
	return c, unknown
}

// loc says where a row came from, for errors.
type loc struct {
	line  int
	sheet string
	row   int
}

func (p *parser) cellErr(l loc, field, key string, args ...any) *Error {
	return &Error{File: p.file, Line: l.line, Sheet: l.sheet, Row: l.row, Field: field, Key: key, Args: args}
}

// rowActivity builds an activity from one table row. cells may be shorter
// than the header only when the caller allows it (XLSX drops trailing empty
// cells); the text table and CSV check the count before.
func (p *parser) rowActivity(cols columns, cells []string, l loc, taken ids) (*register.Activity, error) {
	a := &register.Activity{}
	var rules, ruleField string
	for i, col := range cols.of {
		if i >= len(cells) {
			break
		}
		raw := cells[i]
		val := strings.TrimSpace(cleanCell(raw))
		if val == "" {
			continue
		}
		field := cols.header[i]
		switch col {
		case colID:
			if !register.ValidID(val) {
				return nil, p.cellErr(l, field, "invalid.id", val)
			}
			a.ID = val
		case colName:
			a.Name = oneLine(val)
		case colContact:
			a.Contact = ParseContact(oneLine(val))
		case colIntroduced:
			d, err := parseCellDate(val, l.sheet != "")
			if err != nil {
				return nil, p.cellErr(l, field, "import.wrap", err)
			}
			a.Introduced = &d
		case colPurposes:
			a.Purposes = append(a.Purposes, SplitList(raw)...)
		case colDescription:
			a.Description = val
		case colDataSubjects:
			a.DataSubjects = append(a.DataSubjects, SplitList(raw)...)
		case colDataCategories:
			a.DataCategories = append(a.DataCategories, SplitList(raw)...)
		case colRecipients:
			if IsNone(val) {
				a.Recipients.None = true
				continue
			}
			for _, it := range SplitList(raw) {
				a.Recipients.Items = append(a.Recipients.Items, ParseRecipient(it))
			}
		case colTransfers:
			if IsNone(val) {
				a.ThirdCountryTransfers.None = true
				continue
			}
			for _, it := range SplitList(raw) {
				a.ThirdCountryTransfers.Items = append(a.ThirdCountryTransfers.Items, ParseTransfer(it))
			}
		case colRetention:
			for _, it := range splitListOn(raw, false) {
				a.Retention = append(a.Retention, ParseRetention(it))
			}
		case colTOMs:
			a.TOMs = append(a.TOMs, SplitList(raw)...)
		case colLegalBases:
			a.LegalBases = append(a.LegalBases, SplitList(raw)...)
		case colDepartment:
			a.Department = oneLine(val)
		case colStatus:
			s, ok := ParseStatus(val)
			if !ok {
				return nil, p.cellErr(l, field, "import.status", val)
			}
			a.Status = s
		case colDPIA:
			a.DPIA = parseDPIACell(val)
		case colRole:
			r, ok := parseRole(val)
			if !ok {
				return nil, p.cellErr(l, field, "import.role", val)
			}
			a.Role = r
		case colControllers:
			a.Controllers = append(a.Controllers, SplitList(raw)...)
		case colDataLocation:
			a.DataLocation = val
		case colSources:
			a.Sources = append(a.Sources, SplitList(raw)...)
		case colAutomated:
			a.Automated = val
		case colNotes:
			a.Notes = append(a.Notes, splitListOn(raw, false)...)
		case colRuleJSON:
			rules, ruleField = val, field
		case colNone:
			if field != "" {
				a.Notes = append(a.Notes, field+": "+val)
			}
		}
	}
	if a.Name == "" {
		return nil, p.cellErr(l, cols.header[indexOf(cols.of, colName)], "import.noname")
	}
	if rules != "" {
		if key, args := parseRuleColumn(a, rules); key != "" {
			return nil, p.cellErr(l, ruleField, key, args...)
		}
	}
	var err error
	a.ID, err = p.takeID(l, cols.header[indexOf(cols.of, colID)], a.ID, a.Name, taken)
	return a, err
}

// takeID returns the id of a row's entry: the one the row gives, taken
// (a second row with it is an error naming field), or one derived from
// the entry's name.
func (p *parser) takeID(l loc, field, id, name string, taken ids) (string, error) {
	switch {
	case id == "":
		return taken.next(name), nil
	case taken.s.Taken(id):
		return "", p.cellErr(l, field, "import.duplicate", id)
	}
	taken.s.Take(id)
	return id, nil
}

// indexOf is the index of x in xs, 0 when it is not there (the first
// header names the row then).
func indexOf[T comparable](xs []T, x T) int { return max(slices.Index(xs, x), 0) }

// parseCellDate reads a date cell. XLSX stores dates as serial day numbers
// counted from 1899-12-30; elsewhere a bare number is no date.
func parseCellDate(s string, xlsx bool) (register.Date, error) {
	if n, err := strconv.Atoi(s); err == nil && xlsx {
		t := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n)
		if n > 0 && t.Year() >= 1900 && t.Year() <= 2999 {
			return register.DateOf(t), nil
		}
	}
	return register.ParseDate(s)
}

var (
	tagBreak = regexp.MustCompile(`(?i)<\s*(li|br|/p|p|/li|/ul|ul|ol|/ol|div|/div)\b[^>]*>`)
	tagAny   = regexp.MustCompile(`<[^>]*>`)
)

// cleanCell removes HTML markup (list items and breaks become newlines) and
// decodes entities.
func cleanCell(s string) string {
	if strings.ContainsRune(s, '<') {
		s = tagBreak.ReplaceAllString(s, "\n")
		s = tagAny.ReplaceAllString(s, "")
	}
	if strings.ContainsRune(s, '&') {
		s = html.UnescapeString(s)
	}
	return strings.ReplaceAll(s, "\u00a0", " ")
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// SplitList splits a list cell into items: on HTML list items and line
// breaks, on bullets (•, ▪, ◦, ‣, and "- " or "* " at the start of a line) and
// on semicolons. Commas are not separators: German lists join their last
// items with "und" and use commas inside items ("Kundenbindungs-, Newsletter-
// und Mailingprogramm").
func SplitList(s string) []string { return splitListOn(s, true) }

var bulletRunes = strings.NewReplacer("•", "\n", "▪", "\n", "◦", "\n", "‣", "\n", "●", "\n", "\uf0b7", "\n")

func splitListOn(s string, semicolons bool) []string {
	s = bulletRunes.Replace(cleanCell(s))
	if semicolons {
		s = strings.ReplaceAll(s, ";", "\n")
	}
	var out []string
	for _, it := range strings.Split(s, "\n") {
		it = strings.TrimSpace(it)
		for _, b := range []string{"- ", "* ", "– "} {
			it = strings.TrimSpace(strings.TrimPrefix(it, b))
		}
		if it = oneLine(it); it != "" {
			out = append(out, it)
		}
	}
	return out
}

var noneWords = regexp.MustCompile(`(?i)^\s*(keine?r?s?|keine\s+(weitergabe|übermittlung|empfänger|drittland(s)?übermittlung|übermittlung\s+(an|in)\s+drittländer)|nicht\s+vorgesehen|entfällt|none|no|no\s+(disclosure|recipients|transfers?(\s+to\s+third\s+countries)?)|n/?a|-|–|—)\s*\.?\s*$`)

// IsNone reports whether a cell states explicitly that there is nothing
// ("Keine Weitergabe", "Keiner", "none", "-").
func IsNone(s string) bool { return noneWords.MatchString(cleanCell(s)) }

// recipientWords classify a recipient by the words it is described with,
// most specific first. Matched as substrings of the lower-cased name
// ("steuerberat" finds Steuerberater and Steuerberatung).
var recipientWords = []struct {
	kind  register.RecipientKind
	words []string
}{
	{register.RecipientProcessor, []string{"auftragsverarbeit", "processor"}},
	{register.RecipientAuthority, []string{"behörde", "finanzamt", "polizei", "gericht", "staatsanwaltschaft", "sozialversicherung",
		"krankenkasse", "authorit", "court", "police", "tax office"}},
	{register.RecipientInternal, []string{"intern", "abteilung", "mitarbeiter", "geschäftsführung", "department", "staff"}},
	{register.RecipientExternal, []string{"extern", "steuerberat", "rechtsanw", "bank", "versicherung", "wirtschaftsprüf", "inkasso",
		"spediti", "versand", "paketdienst", "tax advis", "lawyer", "auditor"}},
}

// RecipientKind classifies a recipient by the words it is described with,
// or returns "" when they say nothing (the lint then asks for the kind).
func RecipientKind(name string) register.RecipientKind {
	lower := strings.ToLower(name)
	for _, f := range strings.Fields(name) {
		if strings.Trim(f, "(),;") == "AV" { // the usual abbreviation of Auftragsverarbeiter
			return register.RecipientProcessor
		}
	}
	for _, c := range recipientWords {
		for _, w := range c.words {
			if strings.Contains(lower, w) {
				return c.kind
			}
		}
	}
	return ""
}

var retentionCategory = regexp.MustCompile(`^([^:\d]{2,60}):\s+(\S.*)$`)

// ParseRetention reads one retention item; "Rechnungen: 8 Jahre" names the
// data category it applies to.
func ParseRetention(s string) register.Retention {
	if m := retentionCategory.FindStringSubmatch(s); m != nil {
		return register.Retention{DataCategory: strings.TrimSpace(m[1]), Text: strings.TrimSpace(m[2])}
	}
	return register.Retention{Text: s}
}

// ParseStatus reads a status as people write it: the code, the German or
// English label, or a usual synonym ("aktiv", "in Bearbeitung").
func ParseStatus(s string) (register.Status, bool) {
	switch normHeader(s) {
	case "entwurf", "draft", "neu", "new":
		return register.StatusDraft, true
	case "in prüfung", "in review", "in bearbeitung", "review":
		return register.StatusInReview, true
	case "freigegeben", "approved", "aktiv", "active", "in betrieb":
		return register.StatusApproved, true
	case "archiviert", "archived", "eingestellt", "inaktiv", "inactive":
		return register.StatusArchived, true
	}
	return "", false
}

func parseRole(s string) (register.Role, bool) {
	switch normHeader(s) {
	case "verantwortlicher", "verantwortliche", "controller":
		return register.RoleController, true
	case "auftragsverarbeiter", "processor":
		return register.RoleProcessor, true
	}
	return "", false
}

var (
	dpiaNo  = regexp.MustCompile(`(?i)^\s*(nein|no|nicht\s+(erforderlich|notwendig)|not\s+(required|necessary))\b|\bnicht\s+(notwendig|erforderlich)\b|\bnot\s+(required|necessary)\b`)
	dpiaYes = regexp.MustCompile(`(?i)^\s*(ja|yes|erforderlich|notwendig|required|durchgeführt|done)\b`)
)

// parseDPIA reads a DPIA statement: a plain yes/no, or a sentence that says
// it is (not) necessary. Anything else is "unknown" with the text as reason.
func parseDPIA(s string) *register.DPIA {
	d := &register.DPIA{Required: register.Unknown}
	switch {
	case dpiaNo.MatchString(s):
		d.Required = register.No
	case dpiaYes.MatchString(s):
		d.Required = register.Yes
	}
	if normHeader(s) != "ja" && normHeader(s) != "nein" && normHeader(s) != "yes" && normHeader(s) != "no" {
		d.Reason = s
	}
	return d
}
