package logscrub

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
)

func run(t *testing.T, in string, chunk, workers int) (string, Counts) {
	t.Helper()
	sc, _ := New(Options{})
	st := &Stream{Scrubber: sc, ChunkSize: chunk, Workers: workers}
	var out bytes.Buffer
	c, err := st.Run(context.Background(), strings.NewReader(in), &out)
	if err != nil {
		t.Fatal(err)
	}
	return out.String(), c
}

// TestStreamOrderAndEquivalence: whatever the chunk size and worker count,
// the stream gives what scrubbing line by line gives, in the same order.
func TestStreamOrderAndEquivalence(t *testing.T) {
	var b strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&b, "%d client 10.%d.%d.%d user%d@example.org \"GET /x\" 200\n", i, i%250, i%7, 1+i%200, i)
	}
	b.WriteString("last line without newline 2001:db8::9")
	in := b.String()
	sc, _ := New(Options{})
	var want []byte
	var wc Counts
	for i, l := range strings.Split(in, "\n") {
		if i > 0 {
			want = append(want, '\n')
		}
		want = sc.Line(want, []byte(l), &wc)
	}
	for _, chunk := range []int{64, 1000, 1 << 20} {
		for _, w := range []int{1, 2, 8} {
			got, c := run(t, in, chunk, w)
			if got != string(want) {
				t.Fatalf("chunk %d workers %d: output differs", chunk, w)
			}
			if c.Lines != 5001 || c.IPv4 != 5000 || c.IPv6 != 1 || c.Emails != 5000 {
				t.Fatalf("chunk %d workers %d: counts %+v", chunk, w, c)
			}
		}
	}
}

// TestLongLine: a 10 MB line passes with chunks of 64 KiB, its addresses
// anonymised even where chunks are cut.
func TestLongLine(t *testing.T) {
	var b strings.Builder
	for b.Len() < 10<<20 {
		b.WriteString(`"referrer":"https://example.org/?u=erika%40example.org&ip=203.0.113.7", `)
	}
	b.WriteString("\nnext 198.51.100.1\n")
	out, c := run(t, b.String(), 64<<10, 2)
	if strings.Contains(out, "203.0.113.7") || strings.Contains(out, "erika") || strings.Contains(out, "198.51.100.1") {
		t.Fatal("leak in a long line")
	}
	if c.Lines < 2 || !strings.HasSuffix(out, "\nnext 0\n") {
		t.Fatalf("counts %+v, tail %q", c, out[len(out)-20:])
	}
}

func TestInvalidUTF8PassesThrough(t *testing.T) {
	in := "\xff\xfe\xfd 1.2.3.4 \xc3\x28\n"
	if out, _ := run(t, in, 0, 1); out != "\xff\xfe\xfd 0 \xc3\x28\n" {
		t.Errorf("got %q", out)
	}
}

func TestCutPoint(t *testing.T) {
	long := strings.Repeat("a", 120) + " " + strings.Repeat("b", 79)
	for _, c := range []struct {
		buf   string
		limit int
		want  int
	}{
		{"one\ntwo\nthr", 0, 8},
		{"one\ntwo\nthr", 1 << 20, 8},
		{"no newline yet", 1 << 20, 0}, // wait for the rest of the line
		{long, 100, 121},               // overlong: cut after the space
		{strings.Repeat("1.2.3.4", 30), 100, 210},
	} {
		if got := CutPoint([]byte(c.buf), c.limit); got != c.want {
			t.Errorf("CutPoint(%.20q…, %d) = %d, want %d", c.buf, c.limit, got, c.want)
		}
	}
}
