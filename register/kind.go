package register

import (
	"strings"
	"unicode"

	"gdpr/locale"
)

// kindNames maps the words people use for a recipient kind to it: the
// codes, the German and English labels of the catalogue ("Auftragsverarbeiter",
// "Behörde", "intern", "extern") and usual synonyms ("AV").
var kindNames = func() map[string]RecipientKind {
	m := map[string]RecipientKind{
		"av": RecipientProcessor, "auftragsverarbeitung": RecipientProcessor,
		"öffentliche stelle": RecipientAuthority, "behörden": RecipientAuthority,
		"interner empfänger": RecipientInternal, "externer empfänger": RecipientExternal,
		"dritter": RecipientExternal, "third party": RecipientExternal,
	}
	for _, k := range RecipientKinds {
		m[FoldWords(string(k))] = k
		for _, l := range locale.Langs {
			m[FoldWords(locale.T(l, "value.kind."+string(k)))] = k
		}
	}
	return m
}()

// FoldWords lower-cases s and keeps its letters and digits, one space
// between words: how labels and headers are compared ("Kategorie (Art.
// 32)" and "kategorie art 32" are the same words).
func FoldWords(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			space = false
		} else if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimSpace(b.String())
}

// ParseRecipientKind reads a recipient kind as a person writes it (see
// kindNames).
func ParseRecipientKind(s string) (RecipientKind, bool) {
	k, ok := kindNames[FoldWords(s)]
	return k, ok
}

// UnmarshalText reads a kind by its code or any of its names, so that a
// native file may say "kind: Auftragsverarbeiter"; it is stored by its
// code. A word that names no kind is kept for Validate to report.
func (k *RecipientKind) UnmarshalText(b []byte) error {
	if v, ok := ParseRecipientKind(string(b)); ok {
		*k = v
		return nil
	}
	*k = RecipientKind(b)
	return nil
}
