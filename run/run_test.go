package run

import (
	"testing"
	"time"
)

func TestEffective(t *testing.T) {
	at := time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		state State
		quiet time.Duration
		want  State
	}{
		{Running, 0, Running},
		{Running, Stale, Running},
		{Running, Stale + time.Second, Aborted},
		{Done, 24 * time.Hour, Done},
		{Failed, 24 * time.Hour, Failed},
	} {
		r := Run{State: c.state, Updated: at}
		if got := r.Effective(at.Add(c.quiet)); got != c.want {
			t.Errorf("%s quiet %v: %s, want %s", c.state, c.quiet, got, c.want)
		}
	}
}
