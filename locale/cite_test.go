package locale

import "testing"

func TestCite(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Art. 30(1)(d) GDPR", "Art. 30 Abs. 1 lit. d DSGVO"},
		{"Art. 5(2), Art. 6(1) GDPR", "Art. 5 Abs. 2, Art. 6 Abs. 1 DSGVO"},
		{"Art. 30(1)(e), Art. 44-49 GDPR", "Art. 30 Abs. 1 lit. e, Art. 44–49 DSGVO"},
		{"Art. 5(1)(c),(e), Art. 17(1), Art. 21(3) GDPR", "Art. 5 Abs. 1 lit. c und e, Art. 17 Abs. 1, Art. 21 Abs. 3 DSGVO"},
		{"§ 147(3) AO, § 257(4) HGB as amended by BEG IV (since 1 Jan 2025)", "§ 147 Abs. 3 AO, § 257 Abs. 4 HGB i. d. F. des BEG IV (seit 1. Januar 2025)"},
		{"§ 147(1),(3) AO, § 257(1),(4) HGB", "§ 147 Abs. 1 und 3 AO, § 257 Abs. 1 und 4 HGB"},
		{"Art. 30(1)(a), Art. 37 GDPR, § 38 BDSG", "Art. 30 Abs. 1 lit. a, Art. 37 DSGVO, § 38 BDSG"},
		{"DIN 66398 (one rule per data type)", "DIN 66398 (eine Regel je Datenart)"},
		{"Art. 4(9), Art. 30(1)(d) GDPR", "Art. 4 Nr. 9, Art. 30 Abs. 1 lit. d DSGVO"},
	} {
		if got := Cite(DE, c.in); got != c.want {
			t.Errorf("Cite(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := Cite(EN, c.in); got != c.in {
			t.Errorf("English changed %q to %q", c.in, got)
		}
	}
}
