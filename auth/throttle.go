package auth

import (
	"strings"
	"time"
)

// Password guessing is slowed down per key, never for everyone:
//
//   - per (user, address): after 5 failures each further attempt waits,
//     1 minute doubling up to 15;
//   - per user, over all addresses: after 10 failures, 30 seconds
//     doubling up to 15 minutes;
//   - a browser that signed in as the user before presents a device
//     cookie (OWASP's "device cookies"): it is exempt from the per-user
//     key and counted under (user, device) instead, so that an attacker
//     who hammers an account from elsewhere never locks its owner out.
//
// An attempt is reserved (counted as a failure) before the password is
// hashed, and a success clears the user's keys: 96 simultaneous guesses
// get 5 hashes, not 96. The counters live in the store, so that several
// servers on one database share them.

// ThrottleKind names what a throttle key counts.
type ThrottleKind string

// Throttle key kinds.
const (
	ThrottlePair   ThrottleKind = "pair"   // user and client address
	ThrottleUser   ThrottleKind = "user"   // user, from anywhere
	ThrottleDevice ThrottleKind = "device" // user and a device cookie
	ThrottleVerify ThrottleKind = "verify" // re-entering one's password (account page)
)

// Backoff is the policy of one kind of key.
type Backoff struct {
	Free        int           // failures allowed without waiting
	Base, Max   time.Duration // the first wait, doubled per failure, capped
	ForgetAfter time.Duration // failures older than this are forgotten
}

// Policy maps each kind of key to its backoff.
type Policy map[ThrottleKind]Backoff

// DefaultPolicy is the throttle of sign-in and password checks.
var DefaultPolicy = Policy{
	ThrottlePair:   {Free: 5, Base: time.Minute, Max: 15 * time.Minute, ForgetAfter: 24 * time.Hour},
	ThrottleDevice: {Free: 5, Base: time.Minute, Max: 15 * time.Minute, ForgetAfter: 24 * time.Hour},
	ThrottleUser:   {Free: 10, Base: 30 * time.Second, Max: 15 * time.Minute, ForgetAfter: 24 * time.Hour},
	ThrottleVerify: {Free: 5, Base: time.Minute, Max: 15 * time.Minute, ForgetAfter: 24 * time.Hour},
}

// Wait is how long after the last failure the next attempt must wait when
// failures have been counted: 0 within the free ones.
func (b Backoff) Wait(failures int) time.Duration {
	over := failures - b.Free
	if over < 0 {
		return 0
	}
	d := b.Base
	for i := 0; i < over && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

// Counter is the stored state of one key.
type Counter struct {
	Failures    int
	LastFailure time.Time
}

// Next returns the counter as of now (forgotten when its last failure is
// old) and the time until which a new attempt is refused (zero: allowed).
func (b Backoff) Next(c Counter, now time.Time) (Counter, time.Time) {
	if c.Failures > 0 && now.Sub(c.LastFailure) > b.ForgetAfter {
		c = Counter{}
	}
	if w := b.Wait(c.Failures); w > 0 {
		if until := c.LastFailure.Add(w); now.Before(until) {
			return c, until
		}
	}
	return c, time.Time{}
}

// ThrottleKey is one key of an attempt.
type ThrottleKey struct {
	Kind ThrottleKind
	Key  string
}

// String is the key as stored.
func (k ThrottleKey) String() string { return string(k.Kind) + ":" + k.Key }

// LoginKeys returns the keys a sign-in attempt counts under. name is the
// login name as typed (folded to lower case: names are case-sensitive in
// the store, but guessing "Erika" and "erika" is guessing one account);
// device is the hash of a device cookie the store knows for this user, or
// "".
func LoginKeys(name, addr, device string) []ThrottleKey {
	user := strings.ToLower(name)
	if device != "" {
		return []ThrottleKey{{ThrottleDevice, user + "|" + device}}
	}
	return []ThrottleKey{{ThrottlePair, user + "|" + addr}, {ThrottleUser, user}}
}

// DeviceTTL is how long a device cookie exempts a browser from the
// per-user throttle after its last sign-in.
const DeviceTTL = 180 * 24 * time.Hour

// NewSession is what a successful sign-in stores.
type NewSession struct {
	IDHash, User, CSRF string
	Expires            time.Time
	// Device is the hash of a device cookie to remember (or renew) for
	// the user, "" for none.
	Device string
	// Clear are the throttle keys the attempt was counted under.
	Clear []ThrottleKey
}

// Attempt is the outcome of reserving a sign-in (or password check)
// attempt.
type Attempt struct {
	// Until is when the refusing key lets the next attempt through; zero
	// when the attempt was reserved (counted as a failure until a success
	// clears it).
	Until time.Time
}

// Allowed reports whether the attempt may go on to the password check.
func (a Attempt) Allowed() bool { return a.Until.IsZero() }
