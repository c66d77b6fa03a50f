package logscrub

// anchorImpls are the mask routines to check against anchorMaskGo: both
// paths of anchorMask64, whichever this processor takes.
func anchorImpls() map[string]func(*[64]byte) uint64 {
	m := map[string]func(*[64]byte) uint64{"SSE2": func(p *[64]byte) uint64 {
		had := hasSSSE3
		hasSSSE3 = false
		defer func() { hasSSSE3 = had }()
		return anchorMask64(p)
	}}
	if hasSSSE3 {
		m["SSSE3"] = anchorMask64
	}
	return m
}
