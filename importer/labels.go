package importer

import (
	"regexp"
	"strings"

	"gdpr/register"
)

// labelField is what a "Label:" line of a label-block document introduces.
type labelField int

const (
	lfUnknown labelField = iota
	lfPartyName
	lfPartyEmail
	lfPartyPhone
	lfName
	lfPurposes
	lfDataSubjects
	lfDataCategories
	lfRecipients
	lfTransfers
	lfLegalBases
	lfLocation
	lfRetention
	lfTOM
)

var labelNames = map[string]labelField{}

func init() {
	for f, names := range map[labelField][]string{
		lfPartyName:      {"name", "firma", "anschrift", "verantwortlicher", "auftragsverarbeiter"},
		lfPartyEmail:     {"e mail", "email", "mail"},
		lfPartyPhone:     {"telefon", "tel", "phone"},
		lfName:           {"verfahrensname", "bezeichnung", "bezeichnung des verfahrens", "name des verfahrens", "verarbeitungstätigkeit", "processing activity"},
		lfPurposes:       {"beschreibung zweck", "zweck", "zwecke", "zweckbestimmung", "zweck der verarbeitung", "purpose", "purposes"},
		lfDataSubjects:   {"personengruppen", "betroffene personengruppen", "betroffene", "betroffene personen", "data subjects"},
		lfDataCategories: {"daten", "datenkategorien", "datenarten", "personenbezogene daten", "data", "data categories"},
		lfRecipients:     {"empfänger", "empfängerkategorien", "recipients"},
		lfTransfers:      {"drittland", "drittlandtransfer", "übermittlung an drittländer", "third countries"},
		lfLegalBases:     {"rechtsgrundlage", "legal basis"},
		lfLocation:       {"datenstandort", "speicherort", "data location"},
		lfRetention:      {"speicherdauer löschfrist", "löschfrist", "löschfristen", "speicherdauer", "aufbewahrungsdauer", "retention"},
		lfTOM:            {"it sicherheit", "umgebungssicherheit", "datensicherheit", "zugriffsschutz", "netzwerksicherheit", "physische sicherheit", "organisatorische maßnahmen", "technische maßnahmen", "security"},
	} {
		for _, n := range names {
			labelNames[normHeader(n)] = f
		}
	}
}

var (
	labelLine = regexp.MustCompile(`^\s*([^:•]{1,40}):\s*$`)
	// Headings that end the value of the label before them.
	knownHeadings    = regexp.MustCompile(`(?i)^(fachstelle( für das verfahren)?|verfahren|betroffene|speicherung|datensicherheit( \(toms?\))?|risikobewertung|datenschutz-folgenabschätzung|last updated|zuletzt aktualisiert|stand)$`)
	partyIsProcessor = regexp.MustCompile(`(?i)\s+als\s+auftragsverarbeiter\b|\(auftragsverarbeiter\)|\s+as\s+processor\b`)
	dpiaHeading      = regexp.MustCompile(`(?i)^(risikobewertung|datenschutz-folgenabschätzung|dsfa|risk assessment|dpia)$`)
)

func countLabels(lines []line) int {
	n := 0
	for _, l := range lines {
		if m := labelLine.FindStringSubmatch(l.text); m != nil && labelNames[normHeader(m[1])] != lfUnknown {
			n++
		}
	}
	return n
}

// block is the value of one label or heading: paragraphs and bullet items
// in source order, and the line the label stood on.
type block struct {
	line    int
	label   string
	field   labelField
	heading bool
	paras   []string
	items   []string
	order   []string // paragraphs and "• item" in source order, for notes
}

func (b *block) text() string { return strings.Join(b.order, "\n") }

// labelBlocks parses a "Muster-Verfahrensverzeichnis" of "Label:" lines
// each followed by its value (paragraphs or • items) into one activity; a
// party named "als Auftragsverarbeiter" becomes its processor recipient and
// its contact, labelled security texts become measures, and text under a
// risk-assessment heading becomes the DPIA statement. Text with no field of
// its own is kept in the activity's notes.
func (p *parser) labelBlocks(lines []line) (*register.Register, error) {
	var blocks []*block
	var cur *block
	var preamble []string
	nextNonEmpty := func(i int) string {
		for j := i + 1; j < len(lines); j++ {
			if t := strings.TrimSpace(lines[j].text); t != "" {
				return t
			}
		}
		return ""
	}
	for i, l := range lines {
		t := strings.TrimSpace(l.text)
		if t == "" {
			continue
		}
		if m := labelLine.FindStringSubmatch(t); m != nil && labelNames[normHeader(m[1])] != lfUnknown {
			cur = &block{line: l.n, label: m[1], field: labelNames[normHeader(m[1])]}
			blocks = append(blocks, cur)
			continue
		}
		isBullet := bulletPrefix.MatchString(t) && !numberedHeading.MatchString(t)
		short := len(strings.Fields(t)) <= 4 && !strings.ContainsAny(t[len(t)-1:], ".:!?")
		next := nextNonEmpty(i)
		awaitingValue := cur != nil && !cur.heading && len(cur.order) == 0
		if !isBullet && !awaitingValue && (knownHeadings.MatchString(t) || short && labelLine.MatchString(next)) {
			cur = &block{line: l.n, label: t, heading: true}
			blocks = append(blocks, cur)
			continue
		}
		if cur == nil {
			preamble = append(preamble, t)
			continue
		}
		if isBullet {
			it := strings.TrimSpace(bulletPrefix.ReplaceAllString(t, ""))
			cur.items = append(cur.items, it)
			cur.order = append(cur.order, "• "+it)
		} else {
			cur.paras = append(cur.paras, t)
			cur.order = append(cur.order, t)
		}
	}

	a := &register.Activity{}
	r := &register.Register{Activities: []*register.Activity{a}}
	taken := newIDs()
	a.Notes = append(a.Notes, preamble...)
	var party *register.Contact
	processor := false
	for _, b := range blocks {
		first := ""
		if len(b.paras) > 0 {
			first = b.paras[0]
		}
		switch {
		case b.heading && dpiaHeading.MatchString(b.label):
			if len(b.order) > 0 {
				a.DPIA = parseDPIA(strings.Join(b.paras, " "))
			}
		case b.heading:
			if len(b.order) > 0 {
				a.Notes = append(a.Notes, b.label+": "+b.text())
			}
		case b.field == lfPartyName:
			if party == nil {
				party = &register.Contact{}
			}
			name := oneLine(first)
			if loc := partyIsProcessor.FindStringIndex(name); loc != nil {
				processor = true
				name = name[:loc[0]]
			}
			party.Name = name
		case b.field == lfPartyEmail || b.field == lfPartyPhone:
			if party == nil {
				party = &register.Contact{}
			}
			if b.field == lfPartyEmail {
				party.Email = oneLine(first)
			} else {
				party.Phone = oneLine(first)
			}
		case b.field == lfName:
			a.Name = oneLine(first)
		case b.field == lfPurposes:
			a.Purposes = append(a.Purposes, values(b)...)
		case b.field == lfDataSubjects:
			a.DataSubjects = append(a.DataSubjects, values(b)...)
		case b.field == lfDataCategories:
			a.DataCategories = append(a.DataCategories, values(b)...)
		case b.field == lfRecipients:
			if IsNone(first) {
				a.Recipients.None = true
			} else {
				for _, v := range values(b) {
					a.Recipients.Items = append(a.Recipients.Items, register.Recipient{Name: v, Kind: RecipientKind(v)})
				}
			}
		case b.field == lfTransfers:
			if IsNone(first) {
				a.ThirdCountryTransfers.None = true
			} else {
				for _, v := range values(b) {
					a.ThirdCountryTransfers.Items = append(a.ThirdCountryTransfers.Items, ParseTransfer(v))
				}
			}
		case b.field == lfLegalBases:
			a.LegalBases = append(a.LegalBases, values(b)...)
		case b.field == lfLocation:
			a.DataLocation = strings.Join(b.paras, "\n")
		case b.field == lfRetention:
			// The first statement is the period; what follows (remarks,
			// further data kept) stays verbatim in the notes.
			if len(b.order) > 0 {
				a.Retention = append(a.Retention, ParseRetention(b.order[0]))
				if len(b.order) > 1 {
					a.Notes = append(a.Notes, b.label+": "+strings.Join(b.order[1:], "\n"))
				}
			}
		case b.field == lfTOM:
			title := strings.TrimSpace(b.label)
			m := &register.Measure{ID: taken.next(title), Title: title, Description: b.text()}
			r.TOMs = append(r.TOMs, m)
			a.TOMs = append(a.TOMs, m.ID)
		}
	}
	if a.Name == "" {
		return nil, p.errf(0, "Verfahrensname", "import.labels.noname")
	}
	if party != nil && party.Name != "" {
		a.Contact = party
		if processor {
			a.Recipients.Items = append(a.Recipients.Items, register.Recipient{Name: party.Name, Kind: register.RecipientProcessor})
			a.Recipients.None = false
		}
	}
	a.ID = register.Slug(a.Name)
	return r, nil
}

// values returns a block's bullet items, or its paragraphs when it has none.
func values(b *block) []string {
	if len(b.items) > 0 {
		return b.items
	}
	var out []string
	for _, p := range b.paras {
		out = append(out, SplitList(p)...)
	}
	return out
}
