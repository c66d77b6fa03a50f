package logscrub

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// sameCutAtQuotes checks that anonymising line cut before any of its '"'
// gives what anonymising it whole gives, counts included: what the tail
// cache relies on.
func sameCutAtQuotes(t *testing.T, s *Scrubber, line []byte) {
	t.Helper()
	var wc Counts
	want := s.Line(nil, line, &wc)
	for p := range line {
		if line[p] != '"' {
			continue
		}
		var c Counts
		got := s.Line(s.Line(nil, line[:p], &c), line[p:], &c)
		if !bytes.Equal(got, want) || c != wc {
			t.Fatalf("%q cut at %d:\n got  %q %+v\n want %q %+v", line, p, got, c, want, wc)
		}
	}
}

// TestCutAtQuote: on generated lines of addresses in every written form,
// look-alikes and separators, quotes among them.
func TestCutAtQuote(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	s, _ := New(Options{})
	for range 20000 {
		var b strings.Builder
		for range 1 + r.IntN(10) {
			b.WriteString(seps[r.IntN(len(seps))])
			if r.IntN(3) == 0 {
				b.WriteByte('"')
			}
			if r.IntN(2) == 0 {
				text, _ := addrText(r)
				b.WriteString(text)
			} else {
				b.WriteString(lookAlikes[r.IntN(len(lookAlikes))])
			}
		}
		sameCutAtQuotes(t, s, []byte(b.String()))
	}
}

func FuzzCutAtQuote(f *testing.F) {
	f.Add([]byte(`1.2.3.4 "a@b.de" "x"1.2.3.4"::1"`))
	f.Add([]byte(`"2001:db8::1"%40x.de" "fe80::1"%eth0`))
	s, _ := New(Options{})
	f.Fuzz(func(t *testing.T, line []byte) { sameCutAtQuotes(t, s, line) })
}

// TestStreamTailCache: an access log whose user agents repeat, some with
// addresses in them, some longer than a cached tail may be, and more
// distinct ones than the cache has slots, comes out of the stream as
// anonymising each line alone gives, in every mode.
func TestStreamTailCache(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	agents := []string{
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
		"Mozilla/5.0 (compatible; scanbot 203.0.113.9; +mailto:bot@example.org)",
		"curl/8.5.0",
		"probe from 2001:db8::7 " + strings.Repeat("x", 600),
	}
	for i := range 600 {
		agents = append(agents, fmt.Sprintf("Agent%d/1.%d.0 (+https://example.org/bot.html; 198.51.100.%d)", i, i, i%250))
	}
	var b strings.Builder
	for i := range 20000 {
		fmt.Fprintf(&b, `192.0.2.%d - - [23/Nov/2026:07:00:00 +0100] "GET / HTTP/1.1" 200 5 "-" "%s"`+"\n", i%250, agents[min(r.IntN(len(agents)), r.IntN(len(agents)))])
		if i%7 == 0 {
			b.WriteString(`" "` + "\n" + `x " "1.2.3.4 "` + "\n") // fields too short to cache
		}
	}
	in := b.String()
	for _, o := range []Options{{}, {Mode: Truncate, V4Mask: 8, V6Mask: 80}, {Mode: Pseudonym, Key: []byte("0123456789abcdef")}} {
		sc, err := New(o)
		if err != nil {
			t.Fatal(err)
		}
		var want []byte
		var wc Counts
		for _, l := range strings.SplitAfter(in, "\n") {
			want = sc.Line(want, []byte(strings.TrimSuffix(l, "\n")), &wc)
			if strings.HasSuffix(l, "\n") {
				want = append(want, '\n')
				wc.Lines++
			}
		}
		for _, w := range []int{1, 2} {
			var out bytes.Buffer
			st := &Stream{Scrubber: sc, Workers: w, ChunkSize: 64 << 10}
			c, err := st.Run(context.Background(), strings.NewReader(in), &out)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out.Bytes(), want) || c != wc {
				t.Fatalf("mode %d, %d workers: stream differs from line by line (counts %+v, want %+v)", o.Mode, w, c, wc)
			}
		}
	}
}
