package logscrub

import (
	"bytes"
	"context"
	"errors"
	"io"
	"runtime"
	"sync"
)

// Detector recognises attack lines (package logscrub's detectors, or the
// user's). Match must be safe for concurrent use.
type Detector interface {
	Name() string
	Match(line []byte) bool
}

// Attack is a line a detector matched, kept unredacted for the attack
// store; the anonymised output gets the anonymised line all the same.
type Attack struct {
	Detector string
	Line     []byte
}

// Stream anonymises a log stream: input is cut into chunks at line ends,
// chunks are scrubbed in parallel, and the output keeps the input's order.
// Memory is bounded by Workers x ChunkSize whatever the line length: a line
// longer than a chunk is cut at a byte that cannot be inside an address.
type Stream struct {
	Scrubber  *Scrubber
	Detectors []Detector
	// Sequential detectors see every line in input order, in the writer.
	Sequential []Sequential
	// OnAttacks receives the attack lines of each chunk, in input order,
	// from one goroutine. It may be nil.
	OnAttacks func([]Attack) error
	Workers   int
	ChunkSize int
	// Progress is called with the number of input bytes read so far.
	Progress func(n int64)
}

type chunk struct {
	seq  int
	data []byte
	out  []byte
	c    Counts
	att  []Attack
	done chan struct{}
}

// Run streams r to w and returns the counts.
func (s *Stream) Run(ctx context.Context, r io.Reader, w io.Writer) (Counts, error) {
	workers := s.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	size := s.ChunkSize
	if size <= 0 {
		size = 1 << 20
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan *chunk, workers)
	order := make(chan *chunk, workers*2)
	pool := sync.Pool{New: func() any { b := make([]byte, 0, size+size/4); return &b }}

	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ch := range jobs {
				s.process(ch, &pool)
				close(ch.done)
			}
		}()
	}

	readErr := make(chan error, 1)
	go func() {
		defer close(order)
		defer close(jobs)
		readErr <- s.read(ctx, r, size, jobs, order)
	}()

	var total Counts
	var werr error
	var last byte = '\n'
	for ch := range order {
		<-ch.done
		if werr == nil {
			if _, err := w.Write(ch.out); err != nil {
				werr = err
				cancel()
			}
		}
		if len(s.Sequential) > 0 {
			ch.att = s.observe(ch)
		}
		if werr == nil && s.OnAttacks != nil && len(ch.att) > 0 {
			if err := s.OnAttacks(ch.att); err != nil {
				werr = err
				cancel()
			}
		}
		total.Add(ch.c)
		if len(ch.out) > 0 {
			last = ch.out[len(ch.out)-1]
		}
		out := ch.out[:0]
		pool.Put(&out)
	}
	if last != '\n' {
		total.Lines++ // the last line has no newline
	}
	wg.Wait()
	if err := <-readErr; err != nil && werr == nil {
		werr = err
	}
	return total, werr
}

// read cuts the input into chunks and hands them to the workers and, in
// the same order, to the writer.
func (s *Stream) read(ctx context.Context, r io.Reader, size int, jobs, order chan<- *chunk) error {
	var carry []byte
	var read int64
	for seq := 0; ; seq++ {
		buf := make([]byte, len(carry), size+len(carry))
		copy(buf, carry)
		n, err := io.ReadFull(r, buf[len(carry):cap(buf)])
		buf = buf[:len(carry)+n]
		read += int64(n)
		eof := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
		if err != nil && !eof {
			return err
		}
		cut := len(buf)
		carry = nil
		if !eof {
			cut = cutPoint(buf)
			carry = append([]byte(nil), buf[cut:]...)
		}
		if cut > 0 {
			ch := &chunk{seq: seq, data: buf[:cut], done: make(chan struct{})}
			select {
			case order <- ch:
			case <-ctx.Done():
				return ctx.Err()
			}
			select {
			case jobs <- ch:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if s.Progress != nil {
			s.Progress(read)
		}
		if eof {
			return nil
		}
	}
}

// cutPoint returns where to end a chunk: after its last newline, or, in a
// line longer than the chunk, after the last byte that no address can
// contain (space, quote, comma, ...). Only a chunk that is one address-like
// run throughout is cut at its end.
func cutPoint(buf []byte) int {
	if i := bytes.LastIndexByte(buf, '\n'); i >= 0 {
		return i + 1
	}
	for i := len(buf) - 1; i > len(buf)/2; i-- {
		b := buf[i]
		if class[b]&(cLocal|cDomain) == 0 && b != ':' && b != '@' && b != '[' && b != ']' {
			return i + 1
		}
	}
	return len(buf)
}

func (s *Stream) process(ch *chunk, pool *sync.Pool) {
	out := (*pool.Get().(*[]byte))[:0]
	data := ch.data
	for len(data) > 0 {
		line := data
		nl := bytes.IndexByte(data, '\n')
		if nl >= 0 {
			line, data = data[:nl], data[nl+1:]
		} else {
			data = nil
		}
		out = s.Scrubber.Line(out, line, &ch.c)
		if nl >= 0 {
			out = append(out, '\n')
			ch.c.Lines++
		}
		for _, d := range s.Detectors {
			if d.Match(line) {
				ch.att = append(ch.att, Attack{Detector: d.Name(), Line: append([]byte(nil), line...)})
				ch.c.AttackLines++
				break
			}
		}
	}
	ch.out = out
}

// observe runs the sequential detectors over a chunk's raw lines and adds
// what they report to the chunk's attacks (a line a stateless detector
// already took is not counted twice).
func (s *Stream) observe(ch *chunk) []Attack {
	taken := map[string]bool{}
	for _, a := range ch.att {
		taken[string(a.Line)] = true
	}
	att := ch.att
	data := ch.data
	for len(data) > 0 {
		line := data
		if nl := bytes.IndexByte(data, '\n'); nl >= 0 {
			line, data = data[:nl], data[nl+1:]
		} else {
			data = nil
		}
		for _, d := range s.Sequential {
			for _, l := range d.Observe(line) {
				if !taken[string(l)] {
					taken[string(l)] = true
					att = append(att, Attack{Detector: d.Name(), Line: l})
					ch.c.AttackLines++
				}
			}
		}
	}
	return att
}
