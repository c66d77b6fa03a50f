package importer

import (
	"regexp"
	"strings"

	"gdpr/register"
)

var (
	numberedHeading = regexp.MustCompile(`^\s*(\d{1,2})\.\s+(\S.*)$`)
	letterItem      = regexp.MustCompile(`^\s*([a-z])[.)]\s+(\S.*)$`)
	romanItem       = regexp.MustCompile(`^\s*(i{1,3}|iv|v|vi{1,3}|ix|x|xi{1,3})[.)]\s+(\S.*)$`)
)

// sectionKind is what a numbered heading of a TOM document stands for.
type sectionKind struct {
	category register.Category
	legacy   register.LegacyControl
	docs     bool
}

// categoryWords recognises the Art. 32 goals in headings. Order matters:
// "Wiederherstellung der Verfügbarkeit" is restore, not availability, and
// "Überprüfung ... der technischen und organisatorischen Maßnahmen" is
// evaluation.
var categoryWords = []struct {
	re  *regexp.Regexp
	cat register.Category
}{
	{regexp.MustCompile(`(?i)wiederherstell|restor`), register.CatRestore},
	{regexp.MustCompile(`(?i)überprüfung|evaluier|bewertung|evaluat|testing|assessment`), register.CatEvaluation},
	{regexp.MustCompile(`(?i)pseudonym|anonym`), register.CatPseudonymisation},
	{regexp.MustCompile(`(?i)verschlüssel|encrypt|kryptograph`), register.CatEncryption},
	{regexp.MustCompile(`(?i)vertraulich|confidential`), register.CatConfidentiality},
	{regexp.MustCompile(`(?i)integrität|integrity`), register.CatIntegrity},
	{regexp.MustCompile(`(?i)belastbar|resilien`), register.CatResilience},
	{regexp.MustCompile(`(?i)verfügbar|availab`), register.CatAvailability},
}

var docsHeading = regexp.MustCompile(`(?i)anweisung|dokumentation|documentation|instructions|richtlinien|policies`)

func classifyHeading(t string) (sectionKind, bool) {
	if lc, ok := legacyControl(t); ok {
		return sectionKind{category: lc.Category(), legacy: lc}, true
	}
	for _, cw := range categoryWords {
		if cw.re.MatchString(t) {
			return sectionKind{category: cw.cat}, true
		}
	}
	if docsHeading.MatchString(t) {
		return sectionKind{docs: true}, true
	}
	return sectionKind{}, false
}

func looksNumberedTOM(lines []line) bool {
	headings, items := 0, 0
	for _, l := range lines {
		if m := numberedHeading.FindStringSubmatch(l.text); m != nil {
			if _, ok := classifyHeading(m[2]); ok && len(m[2]) < 200 {
				headings++
			}
		} else if letterItem.MatchString(l.text) {
			items++
		}
	}
	return headings >= 2 && items >= 1
}

// item is a node of the outline of a numbered TOM document.
type item struct {
	line     int
	text     string
	children []*item
}

// tomNumbered parses a TOM document numbered "1.", "a.", "i.": every leaf
// item is one measure, categorised by its section heading; an item with
// children is a group. Lines before the first section (titles, stray words)
// are skipped and reported; a line that matches no pattern inside a section
// continues the previous item.
func (p *parser) tomNumbered(lines []line, taken ids) (*register.Register, error) {
	r := &register.Register{}
	type section struct {
		kind  sectionKind
		known bool
		title string
		items []*item
	}
	var secs []*section
	var cur *section
	var l2, l3 *item
	lastLetter := byte(0)
	lastRoman := ""
	for _, l := range lines {
		t := strings.TrimSpace(l.text)
		if t == "" {
			continue
		}
		if m := numberedHeading.FindStringSubmatch(t); m != nil {
			k, ok := classifyHeading(m[2])
			cur = &section{kind: k, known: ok, title: m[2]}
			secs = append(secs, cur)
			l2, l3, lastLetter, lastRoman = nil, nil, 0, ""
			continue
		}
		if cur == nil {
			p.skip(l.n, t)
			continue
		}
		rm := romanItem.FindStringSubmatch(t)
		lm := letterItem.FindStringSubmatch(t)
		// "i." is the ninth letter after "h.", else the first roman
		// numeral; "v." and "x." are roman only when they continue one.
		isRoman := rm != nil && l2 != nil && (len(rm[1]) > 1 && nextRoman(lastRoman) == rm[1] ||
			rm[1] == "i" && lastLetter != 'h' && lastRoman == "" ||
			len(rm[1]) == 1 && rm[1] != "i" && nextRoman(lastRoman) == rm[1])
		switch {
		case isRoman:
			l3 = &item{line: l.n, text: rm[2]}
			l2.children = append(l2.children, l3)
			lastRoman = rm[1]
		case lm != nil:
			l2 = &item{line: l.n, text: lm[2]}
			cur.items = append(cur.items, l2)
			l3, lastLetter, lastRoman = nil, lm[1][0], ""
		case l3 != nil:
			l3.text += " " + t
		case l2 != nil:
			l2.text += " " + t
		default:
			p.skip(l.n, t)
		}
	}
	for _, s := range secs {
		if !s.known {
			for _, it := range s.items {
				p.skip(it.line, s.title+": "+it.text)
			}
			continue
		}
		for _, it := range s.items {
			leaves := it.children
			group := it.text
			if len(leaves) == 0 {
				leaves, group = []*item{it}, ""
			}
			for _, lf := range leaves {
				title, desc := splitTitle(lf.text)
				if s.kind.docs {
					r.Documents = append(r.Documents, &register.Document{ID: taken.next(title), Title: title, Description: desc})
					continue
				}
				r.TOMs = append(r.TOMs, &register.Measure{
					ID: taken.next(title), Title: title, Description: desc,
					Category: s.kind.category, LegacyControl: s.kind.legacy, Group: oneLine(group),
				})
			}
		}
	}
	if len(r.TOMs) == 0 && len(r.Documents) == 0 {
		return nil, p.errf(0, "", "import.tom.noitems")
	}
	return r, nil
}

var romans = []string{"i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii"}

func nextRoman(last string) string {
	if last == "" {
		return "i"
	}
	for i, r := range romans {
		if r == last && i+1 < len(romans) {
			return romans[i+1]
		}
	}
	return ""
}

// legacyNames maps the spellings of the old BDSG controls.
var legacyNames = regexp.MustCompile(`(?i)^(zutritts?kontrolle|zugangs?kontrolle|zugriffs?kontrolle|weitergabekontrolle|übertragungskontrolle|eingabekontrolle|auftragskontrolle|verfügbarkeitskontrolle|trennungskontrolle|trennungsgebot)\b`)

func legacyControl(s string) (register.LegacyControl, bool) {
	m := legacyNames.FindString(strings.TrimSpace(s))
	if m == "" {
		return "", false
	}
	switch w := strings.ToLower(m); {
	case strings.HasPrefix(w, "zutritt"):
		return register.LegacyZutritt, true
	case strings.HasPrefix(w, "zugang"):
		return register.LegacyZugang, true
	case strings.HasPrefix(w, "zugriff"):
		return register.LegacyZugriff, true
	case strings.HasPrefix(w, "weitergabe"), strings.HasPrefix(w, "übertragung"):
		return register.LegacyWeitergabe, true
	case strings.HasPrefix(w, "eingabe"):
		return register.LegacyEingabe, true
	case strings.HasPrefix(w, "auftrag"):
		return register.LegacyAuftrag, true
	case strings.HasPrefix(w, "verfügbarkeit"):
		return register.LegacyVerfuegbarkeit, true
	default:
		return register.LegacyTrennung, true
	}
}

var bulletPrefix = regexp.MustCompile(`^\s*(?:[•▪◦‣●\x{f0b7}*–-]|\d{1,2}[.)])\s*`)

func countLegacyControls(lines []line) int {
	seen := map[register.LegacyControl]bool{}
	for _, l := range lines {
		if lc, ok := legacyControl(bulletPrefix.ReplaceAllString(l.text, "")); ok {
			seen[lc] = true
		}
	}
	return len(seen)
}

// tomLegacy parses a TOM list organised by the controls of the old BDSG
// annex, either as "• Zutrittskontrolle: text" lines or as a control heading
// followed by bullet items. Other lines are skipped and reported.
func (p *parser) tomLegacy(lines []line, taken ids) (*register.Register, error) {
	r := &register.Register{}
	var cur register.LegacyControl
	add := func(lc register.LegacyControl, text string) {
		title, desc := splitTitle(text)
		r.TOMs = append(r.TOMs, &register.Measure{ID: taken.next(title), Title: title, Description: desc, Category: lc.Category(), LegacyControl: lc})
	}
	for _, l := range lines {
		t := strings.TrimSpace(l.text)
		if t == "" {
			continue
		}
		bullet := bulletPrefix.MatchString(t)
		body := strings.TrimSpace(bulletPrefix.ReplaceAllString(t, ""))
		if lc, ok := legacyControl(body); ok {
			rest := strings.TrimSpace(strings.TrimLeft(legacyNames.ReplaceAllString(body, ""), ":–- "))
			if rest != "" {
				add(lc, rest)
				cur = ""
			} else {
				cur = lc
			}
			continue
		}
		if cur != "" && bullet {
			add(cur, body)
			continue
		}
		cur = ""
		p.skip(l.n, t)
	}
	if len(r.TOMs) == 0 {
		return nil, p.errf(0, "", "import.tom.nolegacy")
	}
	return r, nil
}
