package period_test

import (
	"testing"
	"time"

	"gdpr/period"
)

// FuzzParse: no panic; an accepted period prints canonically and parses
// back to the same value, and adding it never goes backwards in time.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"P1Y", "P6M", "P30D", "PT48H", "P0D", "P1Y2M3W4DT5H", "p2w", "P", "PT", "P1H"} {
		f.Add(s)
	}
	from := time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := period.Parse(s)
		if err != nil {
			return
		}
		back, err := period.Parse(p.String())
		if err != nil || back != p {
			t.Fatalf("%q -> %v -> %q -> %v, %v", s, p, p.String(), back, err)
		}
		if p.AddTo(from).Before(from) {
			t.Fatalf("%s goes backwards", p)
		}
	})
}
