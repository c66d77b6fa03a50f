//go:build !amd64

package logscrub

import "unsafe"

func anchorMask64(p *[64]byte) uint64 { return anchorMaskGo(p) }

func indexPairBlocks(p *byte, n int, c1, c2 byte, d int) int {
	return indexPairGo(unsafe.Slice(p, n+d), 0, n, c1, c2, d)
}
