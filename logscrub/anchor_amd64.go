package logscrub

// anchorMask64 returns the anchor bits of the 64 bytes at p (bit k for
// p[k]), made with SSE2, which every amd64 processor has.
//
//go:noescape
func anchorMask64(p *[64]byte) uint64

// indexPairBlocks returns the first p < n with p[p] == c1 and p[p+d] ==
// c2, or -1; n is a multiple of 16 and the n+d bytes at p are readable.
// SSE2, 16 positions at a time.
//
//go:noescape
func indexPairBlocks(p *byte, n int, c1, c2 byte, d int) int
