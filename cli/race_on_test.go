//go:build race

package cli_test

// raceBuild: the race detector slows the sweep some tenfold; the crash
// test sweeps fewer rows under it (.ci/run runs it without -race at its
// full size too).
const raceBuild = true
