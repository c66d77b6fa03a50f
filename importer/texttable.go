package importer

import (
	"regexp"
	"strings"

	"gdpr/register"
)

// findTableHeader returns the index of the first tab-separated line whose
// cells name at least three register columns, one of them the activity name.
func findTableHeader(lines []line) (int, bool) {
	for i, l := range lines {
		if strings.Count(l.text, "\t") < 2 {
			continue
		}
		cols, _ := mapHeader(strings.Split(l.text, "\t"))
		if cols.has(colName) && cols.count() >= 3 {
			return i, true
		}
	}
	return 0, false
}

var (
	controllerHeading = regexp.MustCompile(`(?i)^\s*(verantwortliche?r?(\s+stelle)?|name und kontaktdaten des verantwortlichen|controller)\s*:?\s*$`)
	keyValue          = regexp.MustCompile(`^\s*([\p{L}][\p{L} .\-/]{0,40}?)\s*:\s*(.*\S)\s*$`)
	tomHeading        = regexp.MustCompile(`(?i)(technische[nr]?\s+und\s+organisatorische[nr]?\s+maßnahmen|sicherheitskonzept|\bTOMs?\b|technical and organi[sz]ational measures)`)
)

// textTable parses the shape of seed 000: a title, a controller block, one
// tab-separated table (a row per activity; cells may hold HTML list markup
// and • bullets) and a trailing excerpt of measures.
func (p *parser) textTable(lines []line) (*register.Register, error) {
	hi, _ := findTableHeader(lines)
	r := &register.Register{}
	p.preamble(r, lines[:hi])

	headerCells := strings.Split(lines[hi].text, "\t")
	cols, _ := mapHeader(headerCells)
	taken := newIDs()
	end := hi + 1
	for ; end < len(lines); end++ {
		l := lines[end]
		if strings.TrimSpace(l.text) == "" {
			break
		}
		cells := strings.Split(l.text, "\t")
		if len(cells) != len(headerCells) {
			hint := "truncated row?"
			if len(cells) > len(headerCells) {
				hint = "a tab inside a cell?"
			}
			return nil, p.errf(l.n, "", "import.columns.hint", len(cells), len(headerCells), hint)
		}
		a, err := p.rowActivity(cols, cells, loc{line: l.n}, taken)
		if err != nil {
			return nil, err
		}
		r.Activities = append(r.Activities, a)
	}
	if len(r.Activities) == 0 {
		return nil, p.errf(lines[hi].n+1, "", "import.norows")
	}
	return r, p.trailer(r, lines[end:])
}

// preamble reads the title and the controller block above the table.
func (p *parser) preamble(r *register.Register, lines []line) {
	var c *register.Controller
	inAddress := false
	for i, l := range lines {
		t := strings.TrimSpace(l.text)
		switch {
		case t == "":
			inAddress = false
		case controllerHeading.MatchString(t):
			c = &register.Controller{}
			r.Controller = c
		case c != nil && c.Name == "":
			c.Name = t
			inAddress = true
		case c != nil && keyValue.MatchString(t) && p.controllerField(c, keyValue.FindStringSubmatch(t)):
			inAddress = false
		case c != nil && inAddress:
			c.Address = strings.TrimSpace(c.Address + "\n" + t)
		case r.Title == "" && c == nil && i < 10:
			r.Title = t
		default:
			p.skip(l.n, t)
		}
	}
}

func (p *parser) controllerField(c *register.Controller, m []string) bool {
	key, val := strings.ToLower(strings.TrimSpace(m[1])), strings.TrimSpace(m[2])
	switch key {
	case "telefon", "tel", "tel.", "phone", "fon":
		c.Phone = val
	case "e-mail", "email", "mail":
		c.Email = val
	case "web", "internet", "homepage", "website":
		c.Web = val
	case "inhaber", "inhaberin", "geschäftsführer", "geschäftsführerin", "geschäftsführung", "vertreten durch", "vertreter", "representative", "owner", "managing director":
		c.Representative = val
	case "datenschutzbeauftragter", "datenschutzbeauftragte", "dsb", "dpo", "data protection officer":
		c.DPO = ParseContact(val)
	default:
		return false
	}
	return true
}

// trailer reads what follows the table: a heading that announces measures,
// then either a numbered or BDSG-style TOM document or one measure a line.
func (p *parser) trailer(r *register.Register, lines []line) error {
	start := -1
	for i, l := range lines {
		t := strings.TrimSpace(l.text)
		if t == "" {
			continue
		}
		if tomHeading.MatchString(t) {
			start = i + 1
			break
		}
		p.skip(l.n, t)
	}
	if start < 0 {
		return nil
	}
	rest := lines[start:]
	taken := newIDs()
	var sub *register.Register
	var err error
	switch {
	case looksNumberedTOM(rest):
		sub, err = p.tomNumbered(rest, taken)
	case countLegacyControls(rest) >= 2:
		sub, err = p.tomLegacy(rest, taken)
	default:
		sub = &register.Register{}
		for _, l := range rest {
			t := oneLine(l.text)
			if t == "" {
				continue
			}
			title, desc := splitTitle(t)
			sub.TOMs = append(sub.TOMs, &register.Measure{ID: taken.next(title), Title: title, Description: desc})
		}
	}
	if err != nil {
		return err
	}
	r.TOMs = append(r.TOMs, sub.TOMs...)
	r.Documents = append(r.Documents, sub.Documents...)
	return nil
}

// maxTitle is the length up to which an item's text is its own title;
// longer texts get their first sentence (shortened) as title and keep the
// full text as description.
const maxTitle = 120

func splitTitle(text string) (title, desc string) {
	text = oneLine(text)
	if len([]rune(text)) <= maxTitle {
		return text, ""
	}
	first := text
	if i := sentenceEnd(text); i > 0 {
		first = text[:i]
	}
	if r := []rune(first); len(r) > maxTitle {
		cut := string(r[:maxTitle])
		if i := strings.LastIndexByte(cut, ' '); i > maxTitle/2 {
			cut = cut[:i]
		}
		first = strings.TrimRight(cut, " ,;:") + " …"
	}
	return first, text
}

// sentenceEnd returns the index just after the first sentence's full stop,
// not counting abbreviations such as "z.B." or "ca.".
func sentenceEnd(s string) int {
	for i := 0; i+1 < len(s); i++ {
		if (s[i] == '.' || s[i] == '!' || s[i] == '?') && s[i+1] == ' ' {
			j := strings.LastIndexByte(s[:i], ' ')
			word := s[j+1 : i]
			if len(word) <= 3 || strings.Contains(word, ".") {
				continue
			}
			return i + 1
		}
	}
	return -1
}
