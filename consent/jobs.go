package consent

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"gdpr"
)

// Job is work a step of the ledger hands on, written in the step's own
// transaction (an outbox): the confirmation mail of a sign-up, the call
// of a webhook. A job whose step is in the ledger is done at least once,
// also after a crash; the step itself never waits for a mail server or a
// mailer. Sealed is the payload under the person's key (the links of the
// mail, the address for the webhook): erasing the person closes it, and
// the job is dropped.
type Job struct {
	ID       string    `json:"id"`
	Kind     string    `json:"kind"`   // JobMail or JobHook
	Target   string    `json:"target"` // the mail's kind, the webhook's id
	Signup   string    `json:"signup"`
	Subject  string    `json:"subject"`
	Purpose  string    `json:"purpose"`
	Event    string    `json:"event,omitempty"` // the event it follows
	Sealed   []byte    `json:"-"`
	Due      time.Time `json:"due"`
	Attempts int       `json:"attempts"`
	Error    string    `json:"error,omitempty"` // the last attempt's, without personal data
}

// Job kinds.
const (
	JobMail = "mail"
	JobHook = "hook"
)

// MaxAttempts bounds the tries of a job; then it is given up (and shown).
const MaxAttempts = 12

// Backoff is the wait after the n-th failed attempt: 30 s doubling, at
// most six hours (twelve attempts span about a day and a half).
func Backoff(n int) time.Duration {
	d := 30 * time.Second << min(n, 10)
	return min(d, 6*time.Hour)
}

// Hook is a webhook: the company's mailer is told of the events it names
// (given, confirmed, withdrawn, imported) for the purposes it names (none:
// all). The secret signs each call (HMAC-SHA256 over the timestamp and the
// body, as Stripe and Standard Webhooks do), wrapped under the vault's KEK.
type Hook struct {
	ID       string    `json:"id"`
	URL      string    `json:"url"`
	Events   []Kind    `json:"events"`
	Purposes []string  `json:"purposes,omitempty"`
	Created  time.Time `json:"created,omitzero"`
	// Secret is shown once, when the hook is made; Wrapped and KEKID are
	// how it is kept.
	Secret  string `json:"secret,omitempty"`
	Wrapped []byte `json:"-"`
	KEKID   string `json:"-"`
}

// HookEvents are the events a hook may be told of.
// (An expiry is not among them: the person who never confirmed is
// erased with it, and the mailer never had their address as a
// subscriber.)
var HookEvents = []Kind{Given, Confirmed, Withdrawn, Imported}

// Validate checks a hook before it is kept: an https URL (http only to
// the loopback, for a mailer on the same machine) and known events.
func (h *Hook) Validate() error {
	u, err := url.Parse(strings.TrimSpace(h.URL))
	if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && loopback(u.Hostname()))) || u.User != nil || len(h.URL) > 2000 {
		return gdpr.Keyed(gdpr.EINVALID, "url", "consent.hook.url")
	}
	h.URL = u.String()
	if len(h.Events) == 0 {
		h.Events = []Kind{Confirmed, Withdrawn}
	}
	for _, k := range h.Events {
		if !slices.Contains(HookEvents, k) {
			return gdpr.Keyed(gdpr.EINVALID, "events", "consent.hook.event", string(k))
		}
	}
	slices.Sort(h.Events)
	h.Events = slices.Compact(h.Events)
	h.Purposes = NormaliseList(h.Purposes)
	return nil
}

func loopback(host string) bool {
	return host == "localhost" || host == "::1" || strings.HasPrefix(host, "127.")
}

// Wants tells whether the hook is told of an event of a purpose.
func (h Hook) Wants(k Kind, purpose string) bool {
	return slices.Contains(h.Events, k) && (len(h.Purposes) == 0 || slices.Contains(h.Purposes, purpose))
}

// HookSignature is the value of the Webhook-Signature header of a call:
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">". The receiver
// recomputes it with the secret and refuses a stale t (replays).
func HookSignature(secret []byte, at time.Time, body []byte) string {
	t := strconv.FormatInt(at.Unix(), 10)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(t + "."))
	m.Write(body)
	return "t=" + t + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// VerifyHookSignature checks a signature header against the body, with
// the clock's now and the tolerance for its age.
func VerifyHookSignature(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) bool {
	var t int64
	var sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			t, _ = strconv.ParseInt(v, 10, 64)
		case "v1":
			sig = v
		}
	}
	at := time.Unix(t, 0)
	if t == 0 || sig == "" || now.Sub(at) > tolerance || at.Sub(now) > tolerance {
		return false
	}
	want := HookSignature(secret, at, body)
	_, wantSig, _ := strings.Cut(want, ",v1=")
	return hmac.Equal([]byte(wantSig), []byte(sig))
}
