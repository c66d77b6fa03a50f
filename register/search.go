package register

import (
	"strings"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Fold returns s as search compares it: Unicode-normalised (NFC) and
// case-folded ("Übermittlung" and "ÜBERMITTLUNG" fold alike, "Straße" and
// "STRASSE" too), white space collapsed. Both the stored search text and
// the query are folded in Go, so that SQLite (whose LOWER knows ASCII
// only) and PostgreSQL find the same entries.
func Fold(s string) string {
	return strings.Join(strings.Fields(cases.Fold().String(norm.NFC.String(s))), " ")
}

// SearchText is what Filter.Query searches in an activity, folded.
func (a *Activity) SearchText() string {
	parts := append([]string{a.Name, a.ID, a.Description}, a.Purposes...)
	return Fold(strings.Join(parts, "\n"))
}

// SearchText is what Filter.Query searches in a measure, folded.
func (m *Measure) SearchText() string {
	return Fold(strings.Join([]string{m.Title, m.ID, m.Description, m.Group}, "\n"))
}

// ThirdCountry classifies an activity's transfers for Filter.ThirdCountry:
// "yes" when transfers are listed, "no" when none are stated explicitly,
// "unstated" otherwise.
func (a *Activity) ThirdCountry() string {
	switch {
	case len(a.ThirdCountryTransfers.Items) > 0:
		return "yes"
	case a.ThirdCountryTransfers.None:
		return "no"
	}
	return "unstated"
}
