package logscrub

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// refNext is the scanner's first form, kept as the oracle for next: it
// tries every boundary position of the line instead of jumping between
// anchors. Slow and obviously complete.
func (s *scanner) refNext(i int) (span, bool) {
	line := s.line
	lo := i
	for ; i < len(line); i++ {
		b := line[i]
		switch {
		case b == '@' || b == '%' || b == '&' || b == '\\':
			if sp, ok := s.atEncoded(i, lo); ok {
				return sp, true
			}
		case b == '.':
			if sp, ok := s.dotForms(i, lo); ok {
				return sp, true
			}
		case (isHex(b) || b == ':') && boundary(line, i):
			if isDigit(b) {
				if sp, ok := s.ipv4(i); ok {
					return sp, true
				}
			}
			if j, maybe := v6run(line, i); maybe {
				if sp, ok := s.ipv6(i, j); ok {
					return sp, true
				}
			}
		}
	}
	return span{}, false
}

// spans lists what a scan function finds in a line; a chunk scanner sees
// the line followed by the bytes of after, which it must not scan.
func spans(line, after string, next func(*scanner, int) (span, bool)) []span {
	s := newScanner([]byte(line))
	if after != "" {
		s = newChunkScanner([]byte(line+after), 0, len(line))
	}
	sc := &s
	var out []span
	for i := 0; ; {
		sp, ok := next(sc, i)
		if !ok {
			return out
		}
		out = append(out, sp)
		i = sp.end
	}
}

// sameSpans checks the scanner against the reference on line alone and
// on line read inside a chunk, followed by more addresses.
func sameSpans(t *testing.T, line string) {
	t.Helper()
	want := spans(line, "", (*scanner).refNext)
	for _, after := range []string{"", "\n1.2.3.4 a@b.de ::1 %40x.de " + strings.Repeat(".:", 40)} {
		got := spans(line, after, (*scanner).next)
		if len(got) != len(want) {
			t.Fatalf("%q (chunk %v): next found %v, reference %v", line, after != "", got, want)
		}
		for k := range got {
			if got[k].start != want[k].start || got[k].end != want[k].end || got[k].kind != want[k].kind || got[k].addr != want[k].addr {
				t.Fatalf("%q (chunk %v): next found %v, reference %v", line, after != "", got, want)
			}
		}
	}
}

// TestNextMatchesReference: the anchor-jumping scanner finds exactly what
// the position-by-position one finds, on generated lines of addresses,
// look-alikes and separators and on lines of random bytes from the
// alphabet addresses are made of.
func TestNextMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const alphabet = "0123456789abcdefABCDEFxyz.:@%40_-/[]# &;\\u2E3A"
	for n := 0; n < 50000; n++ {
		var b strings.Builder
		if n%2 == 0 {
			for k := 0; k < 1+r.IntN(20); k++ {
				b.WriteString(seps[r.IntN(len(seps))])
				if r.IntN(2) == 0 {
					text, _ := addrText(r)
					b.WriteString(text)
				} else {
					b.WriteString(lookAlikes[r.IntN(len(lookAlikes))])
				}
			}
		} else {
			for k := 0; k < 1+r.IntN(200); k++ {
				b.WriteByte(alphabet[r.IntN(len(alphabet))])
			}
		}
		sameSpans(t, b.String())
	}
}

func FuzzNextMatchesReference(f *testing.F) {
	for _, s := range append(lookAlikes, "07:12:34 ::1 1.2.3.4:80 a@b.de", "[fe80::1%eth0]:22", "IPv6:2001:db8::5", "1.2.3.4@x.de", "::ffff:1.2.3.4.") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) { sameSpans(t, in) })
}
