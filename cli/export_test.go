package cli

import "time"

// SetClock makes the commands' clock f until the returned function is
// called.
func SetClock(f func() time.Time) (restore func()) {
	was := clock
	clock = f
	return func() { clock = was }
}
