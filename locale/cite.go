package locale

import (
	"regexp"
	"strings"
)

// Legal references are kept in the English citation form of the EU
// ("Art. 30(1)(d) GDPR", "§ 147(3) AO"); German text cites German-style:
// "Art. 30 Abs. 1 lit. d DSGVO", "§ 147 Abs. 3 AO".

var (
	citeProvision = regexp.MustCompile(`(Art\.|§)\s*(\d+[a-z]?)((?:,?\((?:\d+|[a-z])\))+)`)
	citePart      = regexp.MustCompile(`(,?)\((\d+|[a-z])\)`)
	citeWords     = strings.NewReplacer(
		" as amended by ", " i. d. F. des ",
		"(since 1 Jan 2025)", "(seit 1. Januar 2025)",
		"(one rule per data type)", "(eine Regel je Datenart)",
		"GDPR", "DSGVO",
	)
	citeRange = regexp.MustCompile(`(Art\.|§)\s*(\d+)-(\d+)`)
)

// Cite writes a legal reference in the citation form of lang.
func Cite(lang Lang, ref string) string {
	if lang != DE {
		return ref
	}
	s := citeProvision.ReplaceAllStringFunc(ref, func(m string) string {
		sub := citeProvision.FindStringSubmatch(m)
		var b strings.Builder
		b.WriteString(sub[1] + " " + sub[2])
		for _, p := range citePart.FindAllStringSubmatch(sub[3], -1) {
			alt, x := p[1] == ",", p[2]
			switch {
			case alt:
				b.WriteString(" und " + x)
			case x[0] >= '0' && x[0] <= '9' && sub[1] == "Art." && sub[2] == "4":
				// Art. 4 GDPR has points, not paragraphs.
				b.WriteString(" Nr. " + x)
			case x[0] >= '0' && x[0] <= '9':
				b.WriteString(" Abs. " + x)
			default:
				b.WriteString(" lit. " + x)
			}
		}
		return b.String()
	})
	s = citeRange.ReplaceAllString(s, "$1 $2–$3")
	return citeWords.Replace(s)
}
