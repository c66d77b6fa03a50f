package logscrub

import (
	"bytes"
	"context"
	"io"
	"os/exec"
	"testing"
	"time"
)

// benchLog is 32 MB of the benchmark's mixed log (tools/genlog).
func benchLog(b *testing.B) []byte {
	out, err := exec.Command("go", "run", "../tools/genlog", "-size", "32").Output()
	if err != nil {
		b.Skip("genlog:", err)
	}
	return out
}

// copyLines is the baseline: what cutting the input into lines and
// copying them costs, measured in the same run.
func copyLines(data []byte) time.Duration {
	best := time.Duration(1 << 62)
	out := make([]byte, 0, len(data))
	for range 3 {
		start := time.Now()
		out = out[:0]
		for rest := data; len(rest) > 0; {
			i := bytes.IndexByte(rest, '\n')
			if i < 0 {
				i = len(rest) - 1
			}
			out = append(out, rest[:i+1]...)
			rest = rest[i+1:]
		}
		best = min(best, time.Since(start))
	}
	return best
}

// benchStream reports MB/s of the stream made by newStream over the bench
// log, and its cost relative to a plain line copy (x-copy) in the same run.
func benchStream(b *testing.B, newStream func(*Scrubber) *Stream) {
	data := benchLog(b)
	sc, _ := New(Options{})
	base := copyLines(data)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		if _, err := newStream(sc).Run(context.Background(), bytes.NewReader(data), io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(base), "x-copy")
}

// BenchmarkStream is the whole stream with every built-in detector.
func BenchmarkStream(b *testing.B) {
	benchStream(b, func(sc *Scrubber) *Stream {
		return &Stream{Scrubber: sc, Detectors: BuiltinDetectors(), Sequential: []Sequential{NewBurst()}, OnAttacks: func([]Attack) error { return nil }}
	})
}

func BenchmarkLine(b *testing.B) {
	data := benchLog(b)
	sc, _ := New(Options{})
	lines := bytes.Split(data, []byte("\n"))
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	var out []byte
	var c Counts
	for range b.N {
		for _, l := range lines {
			out = sc.Line(out[:0], l, &c)
		}
	}
}

// BenchmarkStreamNoDetect is the stream without detectors: the cost of the
// detectors is the difference to BenchmarkStream.
func BenchmarkStreamNoDetect(b *testing.B) {
	benchStream(b, func(sc *Scrubber) *Stream { return &Stream{Scrubber: sc} })
}
