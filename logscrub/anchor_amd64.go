package logscrub

import "golang.org/x/sys/cpu"

// anchorMask64 returns the anchor bits of the 64 bytes at p (bit k for
// p[k]). With SSSE3 (every amd64 processor since 2006) two table lookups
// per 16 bytes classify all six anchor bytes; SSE2, which every amd64
// processor has, needs a compare per anchor byte: 12 instructions per 16
// bytes against 18 (anchor_amd64.s). The routine tests hasSSSE3 itself: a
// Go function that picks is too big to inline, and a function variable
// calls through a wrapper; either cost a sixth of the mask.
//
//go:noescape
func anchorMask64(p *[64]byte) uint64

// hasSSSE3 is read by anchorMask64; tests switch it to check both paths.
var hasSSSE3 = cpu.X86.HasSSSE3

// indexPairBlocks returns the first p < n with p[p] == c1 and p[p+d] ==
// c2, or -1; n is a multiple of 16 and the n+d bytes at p are readable.
// SSE2, 16 positions at a time.
//
//go:noescape
func indexPairBlocks(p *byte, n int, c1, c2 byte, d int) int
