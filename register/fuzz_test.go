package register_test

import (
	"testing"

	"gdpr/register"
)

// FuzzParseDate: no panic; an accepted date prints in both notations and
// parses back to itself from either.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"19.03.2018", "2018-03-19", "29.02.2024", "1.1.2000", "2018-3-1", "31.13.2018"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := register.ParseDate(s)
		if err != nil {
			return
		}
		for _, form := range []string{d.String(), d.German()} {
			back, err := register.ParseDate(form)
			if err != nil || back != d {
				t.Fatalf("%q -> %v -> %q -> %v, %v", s, d, form, back, err)
			}
		}
	})
}
