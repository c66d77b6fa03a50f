package logscrub

import (
	"bytes"
	"encoding/binary"
)

// An access log repeats its user agents: a handful of browsers' strings,
// each some 130 bytes full of version numbers that the scanner must look
// at and refuse, make up 40 % of the bytes of a combined log. A worker
// remembers the anonymised form of each line's tail from the field after
// `" "` on (the user agent, the last field of the combined format) and
// copies it when the same tail comes again.
//
// Cutting a line before a '"' changes nothing: no address, look-ahead or
// look-back of the scanner goes over a '"', which ends every token as the
// end of a line does (TestCutAtQuote checks this).

// fieldSep ends the referrer and starts the user agent.
var fieldSep = []byte(`" "`)

const (
	minTail = 24  // shorter tails are cheaper to scan than to look up
	maxTail = 512 // bounds the cache's memory
)

// fieldCache is a worker's memory of anonymised tails, direct-mapped by a
// hash of the tail. It belongs to one goroutine.
type fieldCache struct {
	entries [256]cacheEntry
}

type cacheEntry struct {
	in, out []byte
	c       Counts // what the tail's anonymisation replaced
}

func newFieldCache() *fieldCache { return &fieldCache{} }

// slot hashes a tail by its length and three words of it (enough to tell
// the user agents of a log apart; two that share a slot only cost
// rescans).
func (fc *fieldCache) slot(f []byte) *cacheEntry {
	n := len(f)
	h := uint64(n) * 0x9e3779b97f4a7c15
	h ^= binary.LittleEndian.Uint64(f[n/2:])
	h *= 0xff51afd7ed558ccd
	h ^= binary.LittleEndian.Uint64(f[n-8:])
	h *= 0xc4ceb9fe1a85ec53
	h ^= binary.LittleEndian.Uint64(f[8:])
	h *= 0x9e3779b97f4a7c15
	return &fc.entries[h>>56]
}

// tailLine is chunkLine for a line whose tail from p on (a '"') may come
// from the cache.
func (s *Scrubber) tailLine(fc *fieldCache, dst, data []byte, ls, le, p int, c *Counts) []byte {
	if n := le - ls - p; n < minTail || n > maxTail {
		return s.chunkLine(dst, data, ls, le, c)
	}
	dst = s.chunkLine(dst, data, ls, ls+p, c)
	return fc.field(s, dst, data[ls+p:le], c)
}

// field appends the anonymised tail f.
func (fc *fieldCache) field(s *Scrubber, dst, f []byte, c *Counts) []byte {
	en := fc.slot(f)
	if bytes.Equal(en.in, f) {
		c.Add(en.c)
		return append(dst, en.out...)
	}
	var fcnt Counts
	start := len(dst)
	dst = s.Line(dst, f, &fcnt)
	en.in = append(en.in[:0], f...)
	en.out = append(en.out[:0], dst[start:]...)
	en.c = fcnt
	c.Add(fcnt)
	return dst
}
