package auth

import (
	"sync"
	"time"
)

// Throttle slows down password guessing: after MaxFailures failed sign-ins
// for the same key (user name or client address) within Window, further
// attempts are refused until the window has passed since the last failure.
// It is safe for concurrent use.
type Throttle struct {
	MaxFailures int
	Window      time.Duration
	Now         func() time.Time

	mu       sync.Mutex
	failures map[string][]time.Time
}

// NewThrottle returns the default: 5 failures per 15 minutes.
func NewThrottle(now func() time.Time) *Throttle {
	return &Throttle{MaxFailures: 5, Window: 15 * time.Minute, Now: now, failures: map[string][]time.Time{}}
}

// Blocked reports whether any of the keys is locked out now, and until when.
func (t *Throttle) Blocked(keys ...string) (bool, time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.Now()
	for _, k := range keys {
		fs := t.recent(k, now)
		if len(fs) >= t.MaxFailures {
			return true, fs[len(fs)-1].Add(t.Window)
		}
	}
	return false, time.Time{}
}

// Fail records a failed attempt for each key.
func (t *Throttle) Fail(keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.Now()
	for _, k := range keys {
		t.failures[k] = append(t.recent(k, now), now)
	}
	if len(t.failures) > 100000 {
		// Bound memory under a spray of random user names.
		for k, fs := range t.failures {
			if len(t.recent(k, now)) == 0 || len(fs) == 0 {
				delete(t.failures, k)
			}
		}
	}
}

// Succeed forgets the failures of the keys.
func (t *Throttle) Succeed(keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		delete(t.failures, k)
	}
}

func (t *Throttle) recent(k string, now time.Time) []time.Time {
	fs := t.failures[k]
	i := 0
	for i < len(fs) && now.Sub(fs[i]) > t.Window {
		i++
	}
	return fs[i:]
}
