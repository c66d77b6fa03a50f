package importer

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"

	"gdpr/locale"
	"gdpr/period"
	"gdpr/register"
	"gdpr/retention"
)

// valueOf maps the normalised labels of a value (both languages, see
// normHeader) and its code to the value, for cells that name a category,
// control, kind or DPIA state the way the exports and the pages write it.
func valueOf[T ~string](prefix string, values []T) map[string]T {
	m := map[string]T{}
	for _, v := range values {
		m[normHeader(string(v))] = v
		for _, l := range locale.Langs {
			m[normHeader(locale.T(l, prefix+string(v)))] = v
		}
	}
	return m
}

var (
	categoryNames = valueOf("value.category.", register.Categories)
	legacyLabels  = valueOf("value.legacy.", register.LegacyControls)
	dpiaNames     = valueOf("value.dpia.", []register.Tristate{register.Yes, register.No, register.Unknown})
	kindUnset     = func() map[string]bool {
		m := map[string]bool{}
		for _, l := range locale.Langs {
			m[normHeader(locale.T(l, "export.kind.unset"))] = true
		}
		return m
	}()
)

// KindOf reads a recipient kind as a person writes it: the code
// ("processor"), its German or English label ("Auftragsverarbeiter",
// "Behörde", "intern", "extern") or a usual synonym ("AV").
func KindOf(s string) (register.RecipientKind, bool) { return register.ParseRecipientKind(s) }

// ParseRecipient reads one recipient. A trailing "(kind)" that names a
// kind sets it ("Steuerbüro (extern)"), as the exports write it;
// "(Art nicht angegeben)" states that the kind is open. Otherwise the kind
// is recognised from the words of the name, where they say it.
func ParseRecipient(s string) register.Recipient {
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, ")") {
		if i := strings.LastIndex(s, " ("); i > 0 {
			inner := s[i+2 : len(s)-1]
			if k, ok := KindOf(inner); ok {
				return register.Recipient{Name: strings.TrimSpace(s[:i]), Kind: k}
			}
			if kindUnset[normHeader(inner)] {
				return register.Recipient{Name: strings.TrimSpace(s[:i])}
			}
		}
	}
	return register.Recipient{Name: s, Kind: RecipientKind(s)}
}

// parseDPIACell reads the exports' form "label[: reason]" exactly, and
// anything else as parseDPIA does.
func parseDPIACell(s string) *register.DPIA {
	head, reason, _ := strings.Cut(s, ":")
	if v, ok := dpiaNames[normHeader(head)]; ok {
		return &register.DPIA{Required: v, Reason: strings.TrimSpace(reason)}
	}
	return parseDPIA(s)
}

// parseRuleColumn attaches the explicit rules of the exports' rule column
// (JSON a line, "-" for none) to the activity's statements, line by line.
func parseRuleColumn(a *register.Activity, cell string) (string, []any) {
	var ls []string
	for _, l := range strings.Split(strings.ReplaceAll(cell, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			ls = append(ls, l)
		}
	}
	if len(ls) != len(a.Retention) {
		return "import.rules.count", []any{len(ls), len(a.Retention)}
	}
	for i, l := range ls {
		if l == "-" {
			continue
		}
		var r retention.Rule
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			return "import.rules.json", []any{i + 1, err}
		}
		if err := r.Validate(); err != nil {
			return "import.rules.json", []any{i + 1, err}
		}
		a.Retention[i].Rule = &r
	}
	return "", nil
}

var periodPart = regexp.MustCompile(`(?i)(\d+)\s*(jahre?n?|monate?n?|wochen?|tage?n?|years?|months?|weeks?|days?)\b`)

// parsePeriodText reads an interval as the pages and exports write it
// ("1 Jahr", "6 Monate", "1 Jahr und 6 Monate") or in ISO 8601 ("P1Y").
func parsePeriodText(s string) (period.Period, bool) {
	s = strings.TrimSpace(s)
	if p, err := period.Parse(s); err == nil {
		return p, true
	}
	ms := periodPart.FindAllStringSubmatch(s, -1)
	if ms == nil {
		return period.Period{}, false
	}
	// Everything but the parts and their joiners must be blank.
	rest := strings.NewReplacer("und", "", "and", "", ",", "").Replace(periodPart.ReplaceAllString(s, ""))
	if strings.TrimSpace(rest) != "" {
		return period.Period{}, false
	}
	var b strings.Builder
	b.WriteString("P")
	var y, mo, w, d int
	for _, m := range ms {
		n, _ := strconv.Atoi(m[1])
		switch u := strings.ToLower(m[2]); {
		case strings.HasPrefix(u, "j") || strings.HasPrefix(u, "y"):
			y += n
		case strings.HasPrefix(u, "m"):
			mo += n
		case strings.HasPrefix(u, "w"):
			w += n
		default:
			d += n
		}
	}
	for _, part := range []struct {
		n int
		u string
	}{{y, "Y"}, {mo, "M"}, {w, "W"}, {d, "D"}} {
		if part.n > 0 {
			b.WriteString(strconv.Itoa(part.n) + part.u)
		}
	}
	p, err := period.Parse(b.String())
	return p, err == nil
}
