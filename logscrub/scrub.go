package logscrub

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"net/netip"
)

// Mode says what an IP address becomes.
type Mode int

// Modes.
const (
	// Zero replaces every address with "0", as seed 001 promises.
	Zero Mode = iota
	// Truncate keeps a prefix: the last V4Mask (IPv4) or V6Mask (IPv6) bits
	// become zero, as anonip's --ipv4mask/--ipv6mask do (8 and 80 give /24
	// and /48).
	Truncate
	// Pseudonym replaces an address with a keyed HMAC of it, the same
	// within one key (one day), so that a day's requests of one client can
	// be counted without knowing the client. IPv4 pseudonyms lie in
	// 240.0.0.0/4, IPv6 ones in 2001:db8::/32, ranges never routed.
	Pseudonym
)

// EmailReplacement replaces every e-mail address.
const EmailReplacement = "x@x"

// Options configure a Scrubber.
type Options struct {
	Mode           Mode
	V4Mask, V6Mask int    // bits to zero in Truncate mode
	Key            []byte // HMAC key in Pseudonym mode
}

// Scrubber anonymises lines. It is safe for concurrent use.
type Scrubber struct {
	opts Options
}

// New checks the options and returns a Scrubber.
func New(o Options) (*Scrubber, error) {
	switch o.Mode {
	case Zero:
	case Truncate:
		if o.V4Mask < 0 || o.V4Mask > 32 || o.V6Mask < 0 || o.V6Mask > 128 {
			return nil, fmt.Errorf("masks: IPv4 0-32 bits, IPv6 0-128 bits")
		}
	case Pseudonym:
		if len(o.Key) < 16 {
			return nil, fmt.Errorf("pseudonym mode needs a key of at least 16 bytes")
		}
	default:
		return nil, fmt.Errorf("unknown mode %d", o.Mode)
	}
	return &Scrubber{opts: o}, nil
}

// Line appends the anonymised line to dst and counts what it replaced. Bytes
// that are no address, invalid UTF-8 included, pass through unchanged.
func (s *Scrubber) Line(dst, line []byte, c *Counts) []byte {
	sc := newScanner(line)
	return s.scan(dst, &sc, c)
}

// chunkLine is Line for the line data[start:end] of a chunk, whose later
// bytes the scanner may read ahead.
func (s *Scrubber) chunkLine(dst, data []byte, start, end int, c *Counts) []byte {
	sc := newChunkScanner(data, start, end)
	return s.scan(dst, &sc, c)
}

func (s *Scrubber) scan(dst []byte, sc *scanner, c *Counts) []byte {
	line := sc.line
	last := 0
	for i := 0; ; {
		sp, ok := sc.next(i)
		if !ok {
			break
		}
		dst = append(dst, line[last:sp.start]...)
		switch sp.kind {
		case '@':
			dst = append(dst, EmailReplacement...)
			c.Emails++
		case '4':
			dst = s.addr(dst, sp.addr)
			c.IPv4++
		case '6':
			dst = s.addr(dst, sp.addr)
			c.IPv6++
		}
		last, i = sp.end, sp.end
	}
	return append(dst, line[last:]...)
}

func (s *Scrubber) addr(dst []byte, a netip.Addr) []byte {
	switch s.opts.Mode {
	case Truncate:
		bits := 32 - s.opts.V4Mask
		if a.Is6() {
			bits = 128 - s.opts.V6Mask
		}
		p, err := a.WithZone("").Prefix(bits)
		if err != nil {
			return append(dst, '0')
		}
		return p.Addr().AppendTo(dst)
	case Pseudonym:
		m := hmac.New(sha256.New, s.opts.Key)
		raw := a.WithZone("").As16()
		m.Write(raw[:])
		h := m.Sum(nil)
		if a.Is4() {
			return netip.AddrFrom4([4]byte{0xf0 | h[0]&0x0f, h[1], h[2], h[3]}).AppendTo(dst)
		}
		var b [16]byte
		copy(b[:], []byte{0x20, 0x01, 0x0d, 0xb8})
		copy(b[4:], h[:12])
		return netip.AddrFrom16(b).AppendTo(dst)
	}
	return append(dst, '0')
}
