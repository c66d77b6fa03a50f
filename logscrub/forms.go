package logscrub

import (
	"net/netip"
	"unicode"
	"unicode/utf8"
)

// The forms an address takes besides its plain text, each decided here
// (the README lists the decisions):
//
//   - an '@' written "%40", "%2540" (URL-encoded twice), "\u0040" (a JSON
//     escape) or as an HTML entity ("&#64;", "&#x40;", "&commat;") is an
//     '@' of an e-mail address;
//   - e-mail addresses with non-ASCII letters in the local part or the
//     domain (RFC 6531, IDN U-labels: björn@müller.de) and punycode
//     top-level domains (xn--p1ai) are e-mail addresses;
//   - "user@[192.0.2.36]" and "user@[IPv6:2001:db8::1]" are e-mail
//     addresses as a whole (RFC 5321 address literals);
//   - an IP address with URL-encoded separators ("192%2E0%2E2%2E22",
//     "2001%3Adb8%3A%3A1", also encoded twice, "%252E") is an address;
//   - a reverse-DNS name holds the address its labels spell backwards:
//     "52.18.12.91.in-addr.arpa" (also partial zones) and the nibbles of
//     "…ip6.arpa" are replaced, the zone suffix stays;
//   - in a host name, four numbers of up to 255 joined by '-'
//     ("91-12-18-52.dyn.example.net", "ip-10-0-12-7.ec2.internal") and a
//     label of eight hex digits with at least one decimal digit, after at
//     most three letters, followed by at least two more labels
//     ("p5B0C1234.dip0.t-ipconnect.de", as dial-up providers name hosts)
//     are IPv4 addresses; the rest of the name stays.
//
// What such a form holds is replaced as every address is (zero, truncate,
// pseudonym), in the address's plain form.

// encodedAt returns the width of an encoded '@' at i ("%40", "%2540",
// "\u0040", "&#64;", "&#x40;", "&commat;"), or 0.
func encodedAt(line []byte, i int) int {
	n := len(line)
	switch line[i] {
	case '%':
		if i+2 < n && line[i+1] == '4' && line[i+2] == '0' {
			return 3
		}
		if i+4 < n && line[i+1] == '2' && line[i+2] == '5' && line[i+3] == '4' && line[i+4] == '0' {
			return 5
		}
	case '\\':
		if i+5 < n && (line[i+1] == 'u' || line[i+1] == 'U') && line[i+2] == '0' && line[i+3] == '0' && line[i+4] == '4' && line[i+5] == '0' {
			return 6
		}
	case '&':
		if i+1 >= n {
			return 0
		}
		if line[i+1] == '#' {
			j, v, hex := i+2, 0, false
			if j < n && (line[j] == 'x' || line[j] == 'X') {
				j, hex = j+1, true
			}
			base := 10
			if hex {
				base = 16
			}
			d := j
			for j < n && j-d < 8 && (hex && isHex(line[j]) || isDigit(line[j])) {
				v = v*base + hexVal(line[j])
				j++
			}
			if j > d && j < n && line[j] == ';' && v == '@' {
				return j + 1 - i
			}
			return 0
		}
		const commat = "&commat;"
		if i+len(commat) <= n && string(line[i:i+len(commat)]) == commat {
			return len(commat)
		}
	case '@':
		return 1
	}
	return 0
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return 0
}

// wordRune reports whether r may stand in an e-mail address beyond ASCII:
// a letter, digit or combining mark of any script.
func wordRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.M, r))
}

// localBack returns where the local part that ends at at begins, not
// before lo: ASCII local-part bytes and non-ASCII letters.
func localBack(line []byte, at, lo int) int {
	st := at
	for st > lo {
		c := line[st-1]
		if c < 0x80 {
			if class[c]&cLocal == 0 {
				break
			}
			st--
			continue
		}
		r, size := utf8.DecodeLastRune(line[lo:st])
		if !wordRune(r) {
			break
		}
		st -= size
	}
	return st
}

// domainEnd returns where a domain that begins at e ends: ASCII domain
// bytes and non-ASCII letters (U-labels).
func domainEnd(line []byte, e int) int {
	n := len(line)
	for e < n {
		c := line[e]
		if c < 0x80 {
			if class[c]&cDomain == 0 {
				break
			}
			e++
			continue
		}
		r, size := utf8.DecodeRune(line[e:])
		if !wordRune(r) {
			break
		}
		e += size
	}
	return e
}

// tld reports whether line[a:b] is a top-level domain: two or more
// letters (of any script), or punycode ("xn--" and letters, digits,
// hyphens).
func tld(line []byte, a, b int) bool {
	if b-a >= 5 && (line[a] == 'x' || line[a] == 'X') && (line[a+1] == 'n' || line[a+1] == 'N') && line[a+2] == '-' && line[a+3] == '-' {
		for k := a + 4; k < b; k++ {
			if class[line[k]]&cDomain == 0 || line[k] == '.' {
				return false
			}
		}
		return true
	}
	letters := 0
	for k := a; k < b; {
		c := line[k]
		if c < 0x80 {
			if class[c]&cLetter == 0 {
				return false
			}
			k++
			letters++
			continue
		}
		r, size := utf8.DecodeRune(line[k:b])
		if !unicode.IsLetter(r) && !unicode.Is(unicode.M, r) {
			return false
		}
		k += size
		letters++
	}
	return letters >= 2
}

// literalEnd reads an address literal "[192.0.2.36]" or
// "[IPv6:2001:db8::1]" at e (line[e] == '['), returning the index after
// its ']' or -1.
func literalEnd(line []byte, e int) int {
	n := len(line)
	j := e + 1
	for j < n && j-e < 64 && line[j] != ']' {
		j++
	}
	if j >= n || line[j] != ']' {
		return -1
	}
	body := line[e+1 : j]
	if len(body) > 5 && (body[0] == 'I' || body[0] == 'i') && (body[1] == 'P' || body[1] == 'p') && (body[2] == 'v' || body[2] == 'V') && body[3] == '6' && body[4] == ':' {
		if a, err := netip.ParseAddr(string(body[5:])); err == nil && a.Is6() {
			return j + 1
		}
		return -1
	}
	if a, err := netip.ParseAddr(string(body)); err == nil && a.Is4() {
		return j + 1
	}
	return -1
}

// hasFold reports whether line has s (lower case) at i, ignoring ASCII
// case.
func hasFold(line []byte, i int, s string) bool {
	if i+len(s) > len(line) {
		return false
	}
	for k := 0; k < len(s); k++ {
		c := line[i+k]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[k] {
			return false
		}
	}
	return true
}

// dotForms looks for the names around the '.' at i that hold an address:
// a reverse-DNS name whose zone begins after i, or an address written
// into a host label that ends at i (dashed quad, hex label).
//
// Most dots are in plain names and dotted quads; the gates (dashedMaybe,
// hexMaybe, and next's test before the call) rule them out from a few
// bytes so the readers below run only where a form can be.
func (s *scanner) dotForms(i, lo int) (span, bool) {
	line := s.line
	if i+1 < len(line) && line[i+1]|0x20 == 'i' {
		if hasFold(line, i+1, "in-addr.arpa") {
			return s.reverse4(i, lo)
		}
		if hasFold(line, i+1, "ip6.arpa") {
			return s.reverse6(i, lo)
		}
	}
	if dashedMaybe(line, i, lo) {
		if sp, ok := s.dashedQuad(i, lo); ok {
			return sp, true
		}
	}
	if hexMaybe(line, i, lo) {
		if sp, ok := s.hexLabel(i, lo); ok {
			return sp, true
		}
	}
	return span{}, false
}

// formGate reports whether dotForms may find a form at the '.' at i, given
// the run of hex digits before it, line[st:i]. Most dots are in plain
// names and dotted quads; the scanner reads that run at every dot anyway,
// so this test costs a few compares: eight hex digits (hexLabel), or one
// to three (the last number of a dashedQuad, the first label or nibble
// of a reverse-DNS name) after a '-' or before a zone ("in-addr",
// "ip6").
func formGate(line []byte, i, st, lo int) bool {
	run := i - st
	return run == 8 || uint(run-1) < 3 && (st > lo && line[st-1] == '-' || i+1 < len(line) && line[i+1]|0x20 == 'i')
}

// dashedMaybe: the last of four dashed numbers ends at i, so a digit is
// before the dot and a '-' one to three bytes before that.
func dashedMaybe(line []byte, i, lo int) bool {
	return i-2 >= lo && isDigit(line[i-1]) && (line[i-2] == '-' || i-3 >= lo && (line[i-3] == '-' || i-4 >= lo && line[i-4] == '-'))
}

// hexMaybe: eight hex digits end at i and no ninth is before them.
func hexMaybe(line []byte, i, lo int) bool {
	return i-8 >= lo && isHex(line[i-1]) && isHex(line[i-8]) && (i-9 < lo || !isHex(line[i-9]))
}

// byteBefore reads the decimal number of one to three digits that ends at
// j (not before lo, not part of a longer number) and is at most 255; k is
// where it begins.
func byteBefore(line []byte, j, lo int) (k int, v byte, ok bool) {
	k = j
	for k > lo && j-k < 3 && isDigit(line[k-1]) {
		k--
	}
	if k == j || k > lo && isDigit(line[k-1]) {
		return 0, 0, false
	}
	n := 0
	for _, c := range line[k:j] {
		n = n*10 + int(c-'0')
	}
	if n > 255 {
		return 0, 0, false
	}
	return k, byte(n), true
}

// reverse4 reads the decimal labels before ".in-addr.arpa" (the '.' at i):
// one to four labels of up to 255, the address backwards.
func (s *scanner) reverse4(i, lo int) (span, bool) {
	line := s.line
	var b [4]byte
	n, j := 0, i // j: end of the label being read
	for {
		k, v, ok := byteBefore(line, j, lo)
		if !ok {
			return span{}, false
		}
		b[n] = v // the last label is the first byte
		n++
		j = k
		if n < 4 && j-2 >= lo && line[j-1] == '.' && isDigit(line[j-2]) {
			j--
			continue
		}
		break
	}
	if !boundary(line, j) {
		return span{}, false
	}
	return span{j, i, '4', netip.AddrFrom4(b)}, true
}

// reverse6 reads the nibbles before ".ip6.arpa" (the '.' at i): one to 32
// hex digits each followed by a dot, the address backwards.
func (s *scanner) reverse6(i, lo int) (span, bool) {
	line := s.line
	var b [16]byte
	n, j := 0, i // j: the dot after the nibble being read
	for {
		if j-1 < lo || !isHex(line[j-1]) || j-2 >= lo && isAlnum(line[j-2]) {
			return span{}, false
		}
		v := byte(hexVal(line[j-1])) // the last nibble is the first one
		if n%2 == 0 {
			b[n/2] |= v << 4
		} else {
			b[n/2] |= v
		}
		n++
		j--
		if n < 32 && j-2 >= lo && line[j-1] == '.' && isHex(line[j-2]) {
			j--
			continue
		}
		break
	}
	if !boundary(line, j) {
		return span{}, false
	}
	return span{j, i, '6', netip.AddrFrom16(b)}, true
}

// dashedQuad reads four numbers of up to 255 joined by '-' that end at
// the '.' at i, in a host name: a label goes on after the dot, and before
// the numbers is the label's start or a '-' of it.
func (s *scanner) dashedQuad(i, lo int) (span, bool) {
	line := s.line
	if i+1 >= len(line) || !isAlnum(line[i+1]) {
		return span{}, false
	}
	var b [4]byte
	j := i
	for p := 3; p >= 0; p-- {
		k, v, ok := byteBefore(line, j, lo)
		if !ok {
			return span{}, false
		}
		b[p] = v
		j = k
		if p > 0 {
			if j-1 < lo || line[j-1] != '-' {
				return span{}, false
			}
			j--
		}
	}
	if j > lo && (isDigit(line[j-1]) || line[j-1] == '.' && j-1 > lo && isDigit(line[j-2])) {
		return span{}, false // part of a longer number or dotted run
	}
	return span{j, i, '4', netip.AddrFrom4(b)}, true
}

// hexLabel reads a label of eight hex digits that ends at the '.' at i,
// after at most three letters that start the label, with a decimal digit
// among them, followed by at least two more labels of a host name whose
// last is a top-level domain.
func (s *scanner) hexLabel(i, lo int) (span, bool) {
	line := s.line
	st := i - 8
	digits := 0
	for k := st; k < i; k++ {
		if !isHex(line[k]) {
			return span{}, false
		}
		if isDigit(line[k]) {
			digits++
		}
	}
	if digits == 0 {
		return span{}, false
	}
	k := st
	for k > lo && st-k < 3 && class[line[k-1]]&cLetter != 0 && !isHex(line[k-1]) {
		k--
	}
	if k > lo && (isAlnum(line[k-1]) || line[k-1] == '_') {
		return span{}, false // the label is longer
	}
	// At least two more labels, the last a top-level domain.
	labels, e, last := 0, i, i
	for e < len(line) && line[e] == '.' {
		a := e + 1
		b := a
		for b < len(line) && (isAlnum(line[b]) || line[b] == '-') {
			b++
		}
		if b == a {
			break
		}
		labels++
		last = a
		e = b
	}
	if labels < 2 || !tld(line, last, e) {
		return span{}, false
	}
	v := 0
	for _, c := range line[st:i] {
		v = v<<4 | hexVal(c)
	}
	return span{st, i, '4', netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})}, true
}

// encSep returns the width and the separator of a URL-encoded '.' or ':'
// at i ("%2E", "%3A", and encoded twice "%252E", "%253A"), or 0.
func encSep(line []byte, i int) (int, byte) {
	n := len(line)
	if i+2 >= n || line[i] != '%' {
		return 0, 0
	}
	j, w := i+1, 3
	if line[j] == '2' && line[j+1] == '5' && i+4 < n {
		j, w = j+2, 5
	}
	switch {
	case line[j] == '2' && (line[j+1] == 'E' || line[j+1] == 'e'):
		return w, '.'
	case line[j] == '3' && (line[j+1] == 'A' || line[j+1] == 'a'):
		return w, ':'
	}
	return 0, 0
}

// pctAddr reads an IP address whose separators are URL-encoded, with the
// encoded separator at i: it decodes the run of hex digits, dots, colons
// and encoded separators around i and reads it as the plain scanner
// would; the span covers the encoded text.
func (s *scanner) pctAddr(i, lo int) (span, bool) {
	line := s.line
	st := i
	for st > lo {
		c := line[st-1]
		if isHex(c) || c == ':' || c == '.' {
			st--
			continue
		}
		if w := backEncSep(line, st, lo); w > 0 {
			st -= w
			continue
		}
		break
	}
	for st < i && (line[st] == '.' || line[st] == ':' && !(st+1 < i && line[st+1] == ':')) {
		st++
	}
	if st == i && line[st] == '%' || !boundary(line, st) {
		return span{}, false
	}
	var buf [80]byte
	dec := buf[:0]
	var at [80]int // at[k]: where the decoded byte k ends in line
	e := st
	for e < len(line) && len(dec) < len(buf) {
		c := line[e]
		if isHex(c) || c == ':' || c == '.' {
			dec = append(dec, c)
			e++
		} else if w, sep := encSep(line, e); w > 0 {
			dec = append(dec, sep)
			e += w
		} else {
			break
		}
		at[len(dec)-1] = e
	}
	if len(dec) == 0 || len(dec) == len(buf) {
		return span{}, false
	}
	// Decoded, the run is an address as the plain scanner reads one; what
	// follows the encoded run ends it as it would end a plain one.
	tail := line[e:]
	if len(tail) > 0 && (isAlnum(tail[0]) || tail[0] == '_') {
		return span{}, false
	}
	d := newScanner(dec)
	var sp span
	var ok bool
	if isDigit(dec[0]) {
		sp, ok = d.ipv4(0)
	}
	if !ok {
		if end, maybe := v6run(dec, 0); maybe {
			sp, ok = d.ipv6(0, end)
		}
	}
	if !ok || sp.start != 0 {
		return span{}, false
	}
	return span{st, at[sp.end-1], sp.kind, sp.addr}, true
}

// backEncSep returns the width of an encoded separator that ends at j, or
// 0.
func backEncSep(line []byte, j, lo int) int {
	for _, w := range []int{3, 5} {
		if j-w >= lo {
			if ew, _ := encSep(line, j-w); ew == w {
				return w
			}
		}
	}
	return 0
}
