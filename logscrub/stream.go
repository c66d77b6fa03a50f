package logscrub

import (
	"bytes"
	"context"
	"errors"
	"io"
	"runtime"
	"strings"
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

	blockDet   *detectors // Block's, made on its first call
	blockCache *fieldCache
}

type chunk struct {
	seq  int
	buf  []byte // reused backing array of data
	data []byte
	out  []byte
	c    Counts
	att  []Attack
	// arena holds the copies of the attack lines.
	arena []byte
	want  []wanted
	done  chan struct{}
}

// wanted is a line [start, end) of a chunk that sequential detector det
// wants to observe; taken says a stateless detector reported it already.
type wanted struct {
	start, end int
	det        int
	taken      bool
}

// keyworded is a detector that matches only lines holding its literal.
// The stream finds those lines for a whole chunk with a vectorised search
// and asks the detector about them alone, telling it where the literal is.
type keyworded interface {
	literal() []byte
	// matchAt is Match for a line whose first occurrence of the literal
	// starts at at.
	matchAt(line []byte, at int) bool
}

// keywordedSeq is keyworded for a sequential detector: wantsAt is Wants
// for a line whose first occurrence of the literal starts at at.
type keywordedSeq interface {
	literal() []byte
	wantsAt(line []byte, at int) bool
}

// literal is a keyword and the two of its bytes the search looks for:
// the rarest byte, and the one that occurs least often at its distance
// from the rarest (lo < hi are their offsets; lo == hi for a keyword of
// one byte).
type literal struct {
	s      []byte
	lo, hi int
}

func newLiteral(s []byte) literal {
	if len(s) == 0 {
		return literal{}
	}
	l := literal{s: s}
	l.tune(nil, nil)
	return l
}

// tune picks the literal's search bytes by a sample of the log and its
// byte histogram (by commonness where there is no sample): the rarest
// byte first, then the byte found least often at its offset from an
// occurrence of the first in the sample.
func (l *literal) tune(sample []byte, hist *[256]int) {
	rank := func(b byte) int {
		if hist != nil {
			return hist[b]<<8 | commonness(b)
		}
		return commonness(b)
	}
	rare := 0
	for i := range l.s {
		if rank(l.s[i]) < rank(l.s[rare]) {
			rare = i
		}
	}
	l.lo, l.hi = rare, rare
	if len(l.s) == 1 {
		return
	}
	// together[j]: how often l.s[j] is at its place next to an occurrence
	// of the rarest byte in the sample.
	together := make([]int, len(l.s))
	for q := 0; ; q++ {
		k := bytes.IndexByte(sample[q:], l.s[rare])
		if k < 0 {
			break
		}
		q += k
		for j := range l.s {
			if p := q - rare + j; p >= 0 && p < len(sample) && sample[p] == l.s[j] {
				together[j]++
			}
		}
	}
	other := -1
	for j := range l.s {
		if j == rare {
			continue
		}
		if other < 0 || together[j] < together[other] || together[j] == together[other] && rank(l.s[j]) < rank(l.s[other]) {
			other = j
		}
	}
	l.lo, l.hi = min(rare, other), max(rare, other)
}

// commonness ranks bytes by how often they occur in server logs (rarest
// lowest): capitals and lower-case letters by English frequency, then
// brackets and signs, then digits, blanks and the separators of
// addresses, paths and times. Only the choice of byte to search for
// depends on it.
func commonness(b byte) int {
	const order = "QZXJKVWYUBFGP~^|`{}\\!$'*HMLDCIRTOENSAzqxjkvbpygfwmucldrhsnioate#&;,<>()[]@%+_?=0123456789\t-\":/. "
	if i := strings.IndexByte(order, b); i >= 0 {
		return i + 1
	}
	return 0 // control bytes and beyond ASCII
}

// index returns the first occurrence of the literal at or after from, or
// len(data) if there is none.
func (l literal) index(data []byte, from int) int {
	n := len(l.s)
	if l.lo == l.hi {
		if k := bytes.Index(data[from:], l.s); k >= 0 {
			return from + k
		}
		return len(data)
	}
	c1, c2, d := l.s[l.lo], l.s[l.hi], l.hi-l.lo
	for q := from + l.lo; ; {
		p := indexPair(data, q, c1, c2, d)
		if p < 0 {
			return len(data)
		}
		if st := p - l.lo; st+n <= len(data) && bytes.Equal(data[st:st+n], l.s) {
			return st
		}
		q = p + 1
	}
}

// detectors is the stream's detector set, ready for the workers.
type detectors struct {
	stateless []Detector
	seq       []Sequential
	// For the stateless detectors first, then the sequential ones: the
	// literal (none: every line is a candidate) and the test of a
	// candidate line, given where its literal starts (nil for a detector
	// without literal: its Match or Wants is called).
	lits  []literal
	tests []func(line []byte, at int) bool
	// always lists the detectors without literal (stateless first, then
	// sequential, as in lits): they are asked about every line.
	always []int
	// tail finds the user agent fields of access lines for the workers'
	// caches (see fieldCache), tuned like the detectors' literals.
	tail literal
}

// tune picks the literals' search bytes by their frequency in a sample
// of the log (the first chunk): a log of one kind may be full of a byte
// that is rare in another.
func (d *detectors) tune(sample []byte) {
	sample = sample[:min(len(sample), 64<<10)]
	var hist [256]int
	for _, b := range sample {
		hist[b]++
	}
	for i := range d.lits {
		if d.lits[i].s != nil {
			d.lits[i].tune(sample, &hist)
		}
	}
	d.tail.tune(sample, &hist)
}

func (s *Stream) detectors() *detectors {
	d := &detectors{stateless: s.Detectors, seq: s.Sequential, tail: newLiteral(fieldSep)}
	add := func(lit []byte, test func([]byte, int) bool) {
		l := newLiteral(lit)
		if l.s == nil {
			d.always = append(d.always, len(d.lits))
		}
		d.lits = append(d.lits, l)
		d.tests = append(d.tests, test)
	}
	for _, x := range s.Detectors {
		if k, ok := x.(keyworded); ok && len(k.literal()) > 0 {
			add(k.literal(), k.matchAt)
		} else {
			add(nil, nil) // detect calls Match
		}
	}
	for _, x := range s.Sequential {
		if k, ok := x.(keywordedSeq); ok && len(k.literal()) > 0 {
			add(k.literal(), k.wantsAt)
		} else {
			add(nil, nil)
		}
	}
	return d
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
	// At most 3 x workers + 2 chunks are on their way at a time; their
	// buffers are reused, so that a run allocates next to nothing and the
	// garbage collector stays idle. (A sync.Pool is emptied by every
	// collection, and each new megabyte buffer brought on the next one.)
	inflight := 3*workers + 2
	outs := newBuffers(inflight, size+size/4)
	// A chunk holds what was carried over from the one before (at most
	// half a chunk, see CutPoint) and a chunk's worth of new input.
	ins := newBuffers(inflight, 2*size)
	det := s.detectors()

	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fc := newFieldCache()
			for ch := range jobs {
				ch.out = det.process(s.Scrubber, fc, ch, outs.get())
				close(ch.done)
			}
		}()
	}

	readErr := make(chan error, 1)
	go func() {
		defer close(order)
		defer close(jobs)
		readErr <- s.read(ctx, r, size, ins, det, jobs, order)
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
		det.observe(ch)
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
		outs.put(ch.out)
		ins.put(ch.buf)
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

// buffers is a free list of byte buffers of one capacity.
type buffers struct {
	free chan []byte
	size int
}

func newBuffers(n, size int) *buffers { return &buffers{make(chan []byte, n), size} }

func (b *buffers) get() []byte {
	select {
	case buf := <-b.free:
		return buf[:0]
	default:
		return make([]byte, 0, b.size)
	}
}

func (b *buffers) put(buf []byte) {
	if cap(buf) > 2*b.size {
		return // grown far beyond (pseudonyms are longer): let it go
	}
	select {
	case b.free <- buf:
	default:
	}
}

// Block anonymises data, whole lines, in the calling goroutine, and
// returns the output, the attack lines and the counts; the sequential
// detectors keep their state from one call to the next. It serves callers
// that get their input in pieces (following a growing file).
func (s *Stream) Block(data []byte) ([]byte, []Attack, Counts) {
	if s.blockDet == nil {
		s.blockDet = s.detectors() // once, not for every piece of a followed file
		s.blockCache = newFieldCache()
	}
	ch := &chunk{data: data}
	out := s.blockDet.process(s.Scrubber, s.blockCache, ch, nil)
	s.blockDet.observe(ch)
	if len(data) > 0 && data[len(data)-1] != '\n' {
		ch.c.Lines++
	}
	return out, ch.att, ch.c
}

// read cuts the input into chunks and hands them to the workers and, in
// the same order, to the writer.
func (s *Stream) read(ctx context.Context, r io.Reader, size int, ins *buffers, det *detectors, jobs, order chan<- *chunk) error {
	var carry []byte
	var read int64
	for seq := 0; ; seq++ {
		buf := append(ins.get(), carry...)
		n, err := io.ReadFull(r, buf[len(carry):len(carry)+size])
		buf = buf[:len(carry)+n]
		read += int64(n)
		eof := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
		if err != nil && !eof {
			return err
		}
		cut := len(buf)
		carry = carry[:0]
		if !eof {
			cut = CutPoint(buf, 0)
			carry = append(carry, buf[cut:]...)
		}
		if seq == 0 {
			// Before any worker has the detectors: the channel sends
			// below order this write before their reads.
			det.tune(buf[:cut])
		}
		if cut == 0 {
			ins.put(buf)
		} else {
			ch := &chunk{seq: seq, buf: buf, data: buf[:cut], done: make(chan struct{})}
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

// CutPoint returns where to end a piece of input to be anonymised now:
// after its last newline; without one, 0 (wait for more) while buf is
// shorter than limit, else after the last byte that no address can contain
// (space, quote, comma, ...) in its second half, so that an endless line
// is taken in bounded pieces without cutting an address. Only a piece that
// is one address-like run throughout is cut at its end.
func CutPoint(buf []byte, limit int) int {
	if i := bytes.LastIndexByte(buf, '\n'); i >= 0 {
		return i + 1
	}
	if len(buf) < limit {
		return 0
	}
	for i := len(buf) - 1; i > len(buf)/2; i-- {
		b := buf[i]
		if class[b]&(cLocal|cDomain) == 0 && b != ':' && b != '@' && b != '[' && b != ']' {
			return i + 1
		}
	}
	return len(buf)
}

// process scrubs a chunk's lines into out and runs the stateless
// detectors and the sequential ones' Wants on them. For a detector with a
// literal, the next occurrence of the literal is looked up once and kept
// until the lines pass it; a line before the earliest of them is asked
// only of the detectors without a literal.
func (d *detectors) process(sc *Scrubber, fc *fieldCache, ch *chunk, out []byte) []byte {
	data := ch.data
	// next[k] is where detector k's literal occurs next, at or after the
	// current line; -1 for a detector without literal.
	next := make([]int, len(d.lits))
	first := len(data) // the least next[k] >= 0
	for k, l := range d.lits {
		next[k] = -1
		if l.s != nil {
			next[k] = l.index(data, 0)
			first = min(first, next[k])
		}
	}
	// tail is where the next user agent field starts (see fieldCache).
	tail := -1
	for ls := 0; ls < len(data); {
		le := len(data)
		if nl := bytes.IndexByte(data[ls:], '\n'); nl >= 0 {
			le = ls + nl
		}
		if tail < ls {
			tail = d.tail.index(data, ls)
		}
		if tail < le {
			out = sc.tailLine(fc, out, data, ls, le, tail+len(fieldSep)-1-ls, &ch.c)
		} else {
			out = sc.chunkLine(out, data, ls, le, &ch.c)
		}
		if le < len(data) {
			out = append(out, '\n')
			ch.c.Lines++
		}
		if first < le {
			d.detect(ch, ls, le, next)
		} else if len(d.always) > 0 {
			d.detectAlways(ch, ls, le)
		}
		if first < le {
			// Move the literals found in this line on to later lines.
			first = len(data)
			for k, p := range next {
				if p >= 0 && p < le {
					p = d.lits[k].index(data, le+1)
					next[k] = p
				}
				if p >= 0 {
					first = min(first, p)
				}
			}
		}
		ls = le + 1
	}
	return out
}

// detect runs the detectors on the line [ls, le) of a chunk: the stateless
// ones in order until one reports it, then the sequential ones' Wants.
func (d *detectors) detect(ch *chunk, ls, le int, next []int) {
	line := ch.data[ls:le]
	taken := false
	for k, x := range d.stateless {
		if p := next[k]; p < 0 && x.Match(line) || p >= 0 && p < le && d.tests[k](line, p-ls) {
			d.report(ch, k, line)
			taken = true
			break
		}
	}
	for k, x := range d.seq {
		if p := next[len(d.stateless)+k]; p < 0 && x.Wants(line) || p >= 0 && p < le && d.tests[len(d.stateless)+k](line, p-ls) {
			ch.want = append(ch.want, wanted{ls, le, k, taken})
		}
	}
}

// detectAlways is detect for a line that holds no detector's literal:
// only the detectors without one can match it.
func (d *detectors) detectAlways(ch *chunk, ls, le int) {
	line := ch.data[ls:le]
	taken := false
	for _, k := range d.always {
		if k < len(d.stateless) {
			if !taken && d.stateless[k].Match(line) {
				d.report(ch, k, line)
				taken = true
			}
		} else if k -= len(d.stateless); d.seq[k].Wants(line) {
			ch.want = append(ch.want, wanted{ls, le, k, taken})
		}
	}
}

// report adds a line stateless detector k matched to the chunk's attacks.
func (d *detectors) report(ch *chunk, k int, line []byte) {
	ch.att = append(ch.att, Attack{Detector: d.stateless[k].Name(), Line: ch.keep(line)})
	ch.c.AttackLines++
}

// keep copies an attack line into the chunk's arena: one allocation for
// many lines. (Lines kept before the arena grew stay where they were.)
func (ch *chunk) keep(line []byte) []byte {
	if cap(ch.arena)-len(ch.arena) < len(line) {
		ch.arena = make([]byte, 0, max(64<<10, 2*len(line)))
	}
	k := len(ch.arena)
	ch.arena = append(ch.arena, line...)
	return ch.arena[k:len(ch.arena):len(ch.arena)]
}

// observe gives the sequential detectors the lines they want, in order,
// and adds the attacks they report to the chunk's.
func (d *detectors) observe(ch *chunk) {
	for _, w := range ch.want {
		x := d.seq[w.det]
		for _, l := range x.Observe(ch.data[w.start:w.end], w.taken) {
			ch.att = append(ch.att, Attack{Detector: x.Name(), Line: l})
			ch.c.AttackLines++
		}
	}
}
