// Package logscrub removes personal data from server logs as seed 001
// promises: every IP address becomes 0 (or a truncated prefix, or a keyed
// pseudonym) and every e-mail address x@x, while product versions, SMTP
// status codes, timestamps, MAC addresses and C++ names survive byte for
// byte. Where a token is truly ambiguous it is anonymised: never leak. It is
// pure: lines in, lines out; the CLI streams files through it.
package logscrub

import (
	"bytes"
	"math/bits"
	"net/netip"
	"unsafe"
)

// Counts says what was replaced.
type Counts struct {
	Lines, IPv4, IPv6, Emails, AttackLines int64
}

// Add adds o to c.
func (c *Counts) Add(o Counts) {
	c.Lines += o.Lines
	c.IPv4 += o.IPv4
	c.IPv6 += o.IPv6
	c.Emails += o.Emails
	c.AttackLines += o.AttackLines
}

// byte classes for the scanner.
const (
	cDigit = 1 << iota
	cHexLetter
	cLetter
	cLocal  // may appear in the local part of an e-mail address
	cDomain // may appear in a domain name
	cWord   // letter, digit, '_' or '-': part of a product name
)

var class [256]uint8

func init() {
	for c := '0'; c <= '9'; c++ {
		class[c] |= cDigit | cLocal | cDomain
	}
	for c := 'a'; c <= 'z'; c++ {
		class[c] |= cLetter | cLocal | cDomain
		class[c-32] |= cLetter | cLocal | cDomain
	}
	for _, c := range "abcdefABCDEF" {
		class[c] |= cHexLetter
	}
	for _, c := range "._%+-" {
		class[c] |= cLocal
	}
	for _, c := range ".-" {
		class[c] |= cDomain
	}
	for c := range class {
		if isAlnum(byte(c)) || c == '_' || c == '-' {
			class[c] |= cWord
		}
	}
}

func isAlnum(b byte) bool { return class[b]&(cDigit|cLetter) != 0 }
func isHex(b byte) bool   { return class[b]&(cDigit|cHexLetter) != 0 }
func isDigit(b byte) bool { return class[b]&cDigit != 0 }

// anchor marks the bytes one of which every address contains: '.' (IPv4,
// and the names that hold one), ':' (IPv6), '@' (e-mail), '%' (URL
// encoding: "%40", "%2E", "%3A"), '&' and '\\' (an '@' as an HTML entity
// or a JSON escape). The scanner jumps from anchor to anchor and looks back
// for where a token would start, instead of trying every word of the line.
var anchor [256]bool

func init() {
	for _, b := range ".:@%&\\" {
		anchor[b] = true
	}
}

// Eight bytes at a time: a word has a byte c when (w^c·0x01..) has a zero
// byte, which the borrow trick marks at 0x80. Marks above a true zero byte
// can be spurious, the lowest mark never is, and only the lowest is used.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

func zeroBytes(w uint64) uint64 { return (w - ones) &^ w & highs }

// span is a found address: [start, end) in the line, and its kind.
type span struct {
	start, end int
	kind       byte // '4', '6', '@'
	addr       netip.Addr
}

// scanner finds addresses in one line.
type scanner struct {
	line []byte
	anchors
}

func newScanner(line []byte) scanner {
	return scanner{line: line, anchors: newAnchors(line, len(line))}
}

// newChunkScanner scans line = data[start:end]; the bytes of data after the
// line may be read to fill whole blocks of anchor bits.
func newChunkScanner(data []byte, start, end int) scanner {
	return scanner{line: data[start:end], anchors: newAnchors(data[start:], end-start)}
}

// boundary reports whether a token may start at i: after a byte that is
// not alphanumeric, '.' or '_' (so "Chrome124", "std::" and hashes are no
// start).
func boundary(line []byte, i int) bool {
	if i == 0 {
		return true
	}
	p := line[i-1]
	return !isAlnum(p) && p != '.' && p != '_'
}

// next returns the first address at or after i, or ok=false.
//
// An IP address token starts at a boundary with a hex digit or ':' and its
// run of hex digits, ':' and '.' holds a '.' or ':'. So the only start to
// try for an anchor is the start of the hex digits right before it (or the
// ':' itself); starts between two anchors can hold no address.
func (s *scanner) next(i int) (span, bool) {
	line := s.line
	lo := i // no token may reach back before where this search began
	n := len(line)
	v6fail := -1 // starts before this end of a run cannot be IPv6
	for ; i < n; i++ {
		// s.anchors.next(i), its common case inlined.
		if m := s.mask >> uint(i-s.base); m != 0 {
			i += bits.TrailingZeros64(m)
		} else if i = s.nextBlock(i); i == n {
			break
		}
		b := line[i]
		switch b {
		case '@':
			if sp, ok := s.email(i, 1, lo); ok {
				return sp, true
			}
			continue
		case '%', '&', '\\':
			if sp, ok := s.atEncoded(i, lo); ok {
				return sp, true
			}
			continue
		case '.':
			// The hex digits before the dot: where a dotted quad would
			// start, and what tells the forms (dashedQuad, hexLabel) from
			// plain names without a look of their own.
			st := i
			for st > lo && isHex(line[st-1]) {
				st--
			}
			if formGate(line, i, st, lo) {
				if sp, ok := s.dotForms(i, lo); ok {
					return sp, true
				}
			}
			if st == i || !s.maybeQuad(i) || !boundary(line, st) {
				continue
			}
			// Between st and the dot are hex digits only: only a dotted
			// quad can start there, IPv6 text has no '.' before its first
			// ':'.
			if isDigit(line[st]) {
				if sp, ok := s.ipv4(st); ok {
					return sp, true
				}
			}
			continue
		}
		// A ':'.
		st := i
		for st > lo && isHex(line[st-1]) {
			st--
		}
		if !boundary(line, st) {
			continue
		}
		// Between st and the ':' are hex digits only: no dotted quad can
		// start there.
		if st < v6fail {
			continue
		}
		end, maybe := v6run(line, st)
		if !maybe {
			// Every later start in this run reads a part of it: no IPv6.
			v6fail = end
			continue
		}
		if sp, ok := s.ipv6(st, end); ok {
			return sp, true
		}
	}
	return span{}, false
}

// atEncoded tries the addresses an anchor other than '.' and ':' can
// belong to: an e-mail address at an '@' or an encoded one, an IP address
// with URL-encoded separators at a '%'.
func (s *scanner) atEncoded(i, lo int) (span, bool) {
	if w := encodedAt(s.line, i); w > 0 {
		if sp, ok := s.email(i, w, lo); ok {
			return sp, true
		}
	}
	if s.line[i] == '%' {
		if w, _ := encSep(s.line, i); w > 0 {
			return s.pctAddr(i, lo)
		}
	}
	return span{}, false
}

// v6run returns the end of the run of hex digits, ':' and '.' at i and
// whether it may hold an IPv6 address: it has a colon pair or eight groups
// (seven colons). Times (07:12:34) and MAC addresses have neither.
func v6run(line []byte, i int) (int, bool) {
	j, colons, pair := i, 0, false
	for j < len(line) {
		c := line[j]
		if c == ':' {
			colons++
			pair = pair || j > i && line[j-1] == ':'
		} else if !isHex(c) && c != '.' {
			break
		}
		j++
	}
	return j, colons >= 2 && (pair || colons >= 7)
}

// ipv4 reads a dotted quad at i. It is refused when it is part of a longer
// dotted or alphanumeric token (versions 2.10.3.4.5, tool-2.10.3.4.tar.gz)
// or stands right after "Name/" (Chrome/124.0.0.0, App/2.10.3.4).
func (s *scanner) ipv4(i int) (span, bool) {
	line := s.line
	n := len(line)
	// First the cheap refusal most dotted numbers in a log meet (user
	// agents are full of them).
	if i >= 2 && (line[i-1] == '/' || line[i-1] == '-') && productName(line, i-1) {
		return span{}, false // Chrome/124.0.0.0, tool-2.10.3.4
	}
	var parts [4]int
	j := i
	for p := 0; p < 4; p++ {
		if j >= n || !isDigit(line[j]) {
			return span{}, false
		}
		v, k := 0, 0
		for j < n && isDigit(line[j]) && k < 4 {
			v = v*10 + int(line[j]-'0')
			j++
			k++
		}
		if k > 3 || v > 255 || (j < n && isDigit(line[j])) {
			return span{}, false
		}
		parts[p] = v
		if p < 3 {
			if j >= n || line[j] != '.' {
				return span{}, false
			}
			j++
		}
	}
	// What follows must end the token: not a letter or digit, not a dot
	// or hyphen that continues a longer name or version.
	if j < n {
		c := line[j]
		if isAlnum(c) || c == '_' || (c == '.' || c == '-') && j+1 < n && isAlnum(line[j+1]) {
			return span{}, false
		}
		// The local part of an e-mail address ("1.2.3.4@x.de", also with
		// dots before the '@'): the e-mail rule takes it.
		if _, ok := s.emailAhead(j); ok {
			return span{}, false
		}
	}
	return span{i, j, '4', netip.AddrFrom4([4]byte{byte(parts[0]), byte(parts[1]), byte(parts[2]), byte(parts[3])})}, true
}

// productName reports whether the word before line[sep] ('/' or '-') names
// a product, so that what follows is its version: the word starts with a
// letter, has no dot (host names have), and is not a segment of a path or
// host ("/lookup/203.0.113.7", "a@example.org/1.2.3.4" are addresses).
func productName(line []byte, sep int) bool {
	k := sep
	for k > 0 && class[line[k-1]]&cWord != 0 {
		k--
	}
	if k == sep || class[line[k]]&cLetter == 0 {
		return false
	}
	return k == 0 || (line[k-1] != '/' && line[k-1] != '@' && line[k-1] != ':' && line[k-1] != '.')
}

// ipv6 reads an IPv6 address at i whose run (see v6run) ends at j: hex
// groups and colons, optionally an embedded IPv4 tail and a zone id; it
// must parse as IPv6 (so that times and MACs survive).
func (s *scanner) ipv6(i, j int) (span, bool) {
	line := s.line
	n := len(line)
	// A sentence's final dot is no part of the address.
	for j > i && line[j-1] == '.' {
		j--
	}
	// An e-mail address may follow (its local part running on from the
	// token): if the local part covers the token, the e-mail rule takes it
	// all; else the address ends where the local part begins.
	k := j
	for k < n && class[line[k]]&cLocal != 0 && line[k] != '%' {
		k++
	}
	if st, ok := s.emailAhead(k); ok && st < k {
		if st <= i {
			return span{}, false
		}
		for j = st; j > i && line[j-1] == '.'; j-- {
		}
	} else if j < n && (isAlnum(line[j]) || line[j] == '_') {
		return span{}, false // part of a longer word
	}
	// A zone id ("%eth0") stays; something after '%' with a dot is no zone
	// (it may be "%40domain.tld") and goes with the address.
	end := j
	if j < n && line[j] == '%' {
		z, dot := j+1, false
		for z < n && (isAlnum(line[z]) || line[z] == '_' || line[z] == '-' || line[z] == '.') {
			dot = dot || line[z] == '.'
			z++
		}
		if dot {
			end = z
		}
	}
	// When a prefix of the run parses as IPv6 the whole run goes: an
	// unbracketed "2001:db8::1:443" is ambiguous, and a tail left behind
	// could form an address with the replacement. Never leak.
	for k := j; k > i; k-- {
		cand := line[i:k]
		if bytes.Count(cand, []byte{':'}) < 2 {
			break
		}
		if line[k-1] == '.' {
			continue
		}
		// Read in place: cand has no '%', so the address keeps no zone
		// string pointing into the line, and the error is dropped.
		a, err := netip.ParseAddr(unsafe.String(&cand[0], len(cand)))
		if err != nil || !a.Is6() {
			continue
		}
		return span{i, end, '6', a}, true
	}
	return span{}, false
}

// emailAhead reports whether, after optional dots at k, an '@' or an
// encoded one starts an e-mail address, and where its local part begins.
func (s *scanner) emailAhead(k int) (int, bool) {
	line := s.line
	n := len(line)
	for k < n && line[k] == '.' {
		k++
	}
	if k >= n {
		return 0, false
	}
	w := encodedAt(line, k)
	if w == 0 {
		return 0, false
	}
	sp, ok := s.email(k, w, 0)
	return sp.start, ok
}

// email reads an e-mail address around an '@' (or an encoded one, width
// bytes) at at: a local part before it (not before lo) and, after it, a
// domain with a dot and a top-level domain, or an address literal
// ("[192.0.2.36]"). Non-ASCII letters count in both parts.
func (s *scanner) email(at, width, lo int) (span, bool) {
	line := s.line
	n := len(line)
	st := at
	for st > lo && class[line[st-1]]&cLocal != 0 {
		st--
	}
	if st > lo && line[st-1] >= 0x80 {
		st = localBack(line, st, lo)
	}
	// A local part does not start with a dot, and "mailto:" is not in it.
	for st < at && line[st] == '.' {
		st++
	}
	if st == at {
		return span{}, false
	}
	d := at + width
	if d < n && line[d] == '[' {
		if e := literalEnd(line, d); e > 0 {
			return span{st, e, '@', netip.Addr{}}, true
		}
		return span{}, false
	}
	e := d
	for e < n && class[line[e]]&cDomain != 0 {
		e++
	}
	if e < n && line[e] >= 0x80 {
		e = domainEnd(line, e)
	}
	for e > d && (line[e-1] == '.' || line[e-1] == '-') {
		e--
	}
	lastDot := -1
	for k := e - 1; k > d; k-- {
		if line[k] == '.' {
			lastDot = k
			break
		}
	}
	if lastDot < 0 || !tld(line, lastDot+1, e) {
		return span{}, false
	}
	// A chain "a@b.de@c.de" (or "a@b.de.@c.de") shares its middle: it goes
	// as a whole.
	k := e
	for k < n && line[k] == '.' {
		k++
	}
	if k < n {
		if w := encodedAt(line, k); w > 0 {
			if next, ok := s.email(k, w, st); ok {
				e = next.end
			}
		}
	}
	return span{st, e, '@', netip.Addr{}}, true
}
