package logscrub

import (
	"encoding/binary"
	"math/bits"
)

// The scanner jumps from anchor byte to anchor byte. It asks for the
// anchors of 64 bytes at a time as a bit mask: on amd64 an SSE2 routine
// (anchor_amd64.s) makes the mask in about 40 instructions, where testing
// each word for four bytes took some 30 instructions per 8 bytes and a
// call per anchor. A log line of 200 bytes holds some 17 anchors.

// anchorMaskGo is the portable form of anchorMask64 and its test oracle:
// bit k is set when p[k] is an anchor byte.
func anchorMaskGo(p *[64]byte) uint64 {
	var m uint64
	for k := 0; k < 64; k += 8 {
		w := binary.LittleEndian.Uint64(p[k:])
		z := zeroBytes(w^('.'*ones)) | zeroBytes(w^(':'*ones)) | zeroBytes(w^('@'*ones)) | zeroBytes(w^('%'*ones)) |
			zeroBytes(w^('&'*ones)) | zeroBytes(w^('\\'*ones))
		// The lowest mark of a word is exact, marks above it may be
		// spurious: take them one at a time, testing each byte.
		for z != 0 {
			b := bits.TrailingZeros64(z) >> 3
			if anchor[p[k+b]] {
				m |= 1 << (k + b)
			}
			z &= z - 1
		}
	}
	return m
}

// anchors is the scanner's window on the anchor bytes of its line.
type anchors struct {
	// buf is what may be read: the line and, in a chunk, the lines after
	// it (read only to fill a whole block; their bits are dropped).
	buf  []byte
	n    int    // length of the line
	base int    // start of the block mask describes (-64: none yet)
	mask uint64 // anchor bits of buf[base:base+64] within the line
}

func newAnchors(buf []byte, n int) anchors { return anchors{buf: buf, n: n, base: -64} }

// The next anchor at or after i is i + TrailingZeros64(mask >> (i-base))
// when that shift leaves a bit (a shift by 64 or more, i outside the
// block, gives 0 in Go); the scanner's loop has this written out, since
// the compiler would not inline it together with nextBlock.

// nextBlock returns the index of the first anchor byte at or after i, or
// the line's length, when the current block has no anchor at or after i.
func (a *anchors) nextBlock(i int) int {
	if i >= a.base && i < a.base+64 {
		i = a.base + 64 // no anchor left in this block
	}
	for ; i < a.n; i = a.base + 64 {
		a.load(i)
		if a.mask != 0 {
			return i + bits.TrailingZeros64(a.mask)
		}
	}
	return a.n
}

func (a *anchors) load(i int) {
	a.base = i
	var m uint64
	if len(a.buf)-i >= 64 {
		m = anchorMask64((*[64]byte)(a.buf[i:]))
	} else {
		var tail [64]byte
		copy(tail[:], a.buf[i:])
		m = anchorMask64(&tail)
	}
	if rest := a.n - i; rest < 64 {
		m &= 1<<uint(rest) - 1
	}
	a.mask = m
}

// indexPair returns the first p >= from with s[p] == c1 and s[p+d] == c2
// (d > 0), or -1. It finds a keyword by two of its bytes: a pair of bytes
// at a distance is rare in a log where each byte alone is common ('h' and
// 'd' of "sshd" stopped a search for 'h' every 115 bytes).
func indexPair(s []byte, from int, c1, c2 byte, d int) int {
	n := len(s) - d // the positions a pair can start at
	if from >= n {
		return -1
	}
	if blocks := (n - from) &^ 15; blocks > 0 {
		if p := indexPairBlocks(&s[from], blocks, c1, c2, d); p >= 0 {
			return from + p
		}
		from += blocks
	}
	return indexPairGo(s, from, n, c1, c2, d)
}

// indexPairGo is indexPair for the positions [from, n), one at a time.
func indexPairGo(s []byte, from, n int, c1, c2 byte, d int) int {
	for p := from; p < n; p++ {
		if s[p] == c1 && s[p+d] == c2 {
			return p
		}
	}
	return -1
}

// maybeQuad reports whether the anchors after the '.' at i leave room for
// a dotted quad whose first dot it is: its second and third dots are the
// next two anchors, each 2 to 4 bytes after the one before. Most dotted
// numbers of a log ("0.4", "537.36", "HTTP/1.1") fail this at no cost.
// Where the block does not show the 8 bytes after i, it says yes.
func (a *anchors) maybeQuad(i int) bool {
	off := i - a.base
	if off < 0 || off+9 > 64 {
		return true
	}
	m := a.mask >> uint(off+1)
	d1 := bits.TrailingZeros64(m) + 1 // to the next anchor
	if d1 < 2 || d1 > 4 {
		return false
	}
	d2 := bits.TrailingZeros64(m>>uint(d1)) + 1
	return d2 >= 2 && d2 <= 4
}
