//go:build !amd64

package logscrub

func anchorImpls() map[string]func(*[64]byte) uint64 {
	return map[string]func(*[64]byte) uint64{"portable": anchorMask64}
}
