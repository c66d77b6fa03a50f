package logscrub

import (
	"math/rand/v2"
	"testing"
)

// TestAnchorMask: the assembly masks (SSE2, SSSE3) are the portable one, for blocks of
// random bytes from a small alphabet that holds the anchors, of all
// bytes, and of each byte value at each position.
func TestAnchorMask(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var p [64]byte
	impls := anchorImpls()
	check := func() {
		t.Helper()
		want := anchorMaskGo(&p)
		for name, f := range impls {
			if got := f(&p); got != want {
				t.Fatalf("%s %q: mask %064b, want %064b", name, p[:], got, want)
			}
		}
	}
	const alphabet = ".:@%&\\-/0aZ\x00\xff"
	for range 20000 {
		for k := range p {
			if r.IntN(2) == 0 {
				p[k] = alphabet[r.IntN(len(alphabet))]
			} else {
				p[k] = byte(r.Uint32())
			}
		}
		check()
	}
	for b := range 256 {
		for k := range p {
			p = [64]byte{}
			p[k] = byte(b)
			check()
		}
	}
}

func FuzzAnchorMask(f *testing.F) {
	f.Add([]byte("Nov 23 07:00:01 host sshd[812]: Failed password for root from 203.0.113.7"))
	f.Fuzz(func(t *testing.T, in []byte) {
		var p [64]byte
		copy(p[:], in)
		want := anchorMaskGo(&p)
		for name, f := range anchorImpls() {
			if got := f(&p); got != want {
				t.Fatalf("%s %q: mask %064b, want %064b", name, p[:], got, want)
			}
		}
	})
}

// TestIndexPair: the SSE2 pair search (rounds of 64 positions, then
// blocks of 16) finds what a search position by position finds, for every
// start, distance and length around the rounds and blocks.
func TestIndexPair(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for range 3000 {
		s := make([]byte, r.IntN(300)) // the 64-position rounds, then 16
		// Pairs dense or sparse: sparse ones are looked for over whole
		// rounds.
		density := 1 + r.IntN(40)
		for k := range s {
			s[k] = 'x'
			if r.IntN(density) == 0 {
				s[k] = "ab\x00\xff"[r.IntN(4)]
			}
		}
		c1, c2 := "ab\x00\xff"[r.IntN(4)], "ab\x00\xff"[r.IntN(4)]
		d := 1 + r.IntN(20)
		for from := 0; from <= len(s); from++ {
			got := indexPair(s, from, c1, c2, d)
			want := -1
			if n := len(s) - d; from < n {
				want = indexPairGo(s, from, n, c1, c2, d)
			}
			if got != want {
				t.Fatalf("indexPair(%q, %d, %q, %q, %d) = %d, want %d", s, from, c1, c2, d, got, want)
			}
		}
	}
}

func FuzzIndexPair(f *testing.F) {
	f.Add([]byte("Nov 23 07:00:01 host sshd[812]: Failed password"), byte('h'), byte('d'), 1, 0)
	f.Fuzz(func(t *testing.T, s []byte, c1, c2 byte, d, from int) {
		if d <= 0 || d > 64 || from < 0 || from > len(s) {
			return
		}
		want := -1
		if n := len(s) - d; from < n {
			want = indexPairGo(s, from, n, c1, c2, d)
		}
		if got := indexPair(s, from, c1, c2, d); got != want {
			t.Fatalf("indexPair(%q, %d, %q, %q, %d) = %d, want %d", s, from, c1, c2, d, got, want)
		}
	})
}
