package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"gdpr"
	"gdpr/audit"
	"gdpr/auth"
	"gdpr/consent"
	"gdpr/locale"
	"gdpr/mail"
	"gdpr/request"
	"gdpr/vault"
)

// The ledger's jobs (package consent: Job) are its outbox: a sign-up's
// confirmation mail and the webhooks' calls are written with the step they
// follow and done after it, by a server's job runner (River: package jobs)
// or, where none runs (the CLI), right after the step. A job is claimed
// for jobLease, so that a server that dies with one leaves it to another.
const (
	jobLease = 5 * time.Minute
	jobBatch = 50
)

// mailJob is the payload of a confirmation mail, sealed under the
// person's key: the address, the links (their tokens are nowhere else),
// what the mail says.
type mailJob struct {
	To          string            `json:"to"`
	Lang        string            `json:"lang"`
	Unsubscribe string            `json:"unsubscribe"`
	Data        map[string]string `json:"data"`
}

// hookCall is the body a webhook receives (and, sealed, its job's
// payload): the event, and the address it concerns, so that the mailer
// can act on it.
type hookCall struct {
	ID      string       `json:"id"` // the call's: the same on every retry
	Event   string       `json:"event"`
	Kind    consent.Kind `json:"kind"`
	Purpose string       `json:"purpose"`
	Signup  string       `json:"signup"`
	Email   string       `json:"email"`
	At      time.Time    `json:"at"`
	Mode    consent.Mode `json:"mode,omitempty"`
	Lists   []string     `json:"lists,omitempty"`
}

func jobLabel(kind, target, signup string) string { return "job:" + kind + ":" + target + ":" + signup }

// SetConsentKick names what to call when a step has handed on jobs (the
// job runner's wake-up). Without one, each step does its jobs itself
// before it returns.
func (a *App) SetConsentKick(kick func()) {
	if kick == nil {
		a.consentKick.Store(nil)
		return
	}
	a.consentKick.Store(&kick)
}

// kickConsent wakes the job runner, or does the sign-up's jobs now (and
// returns the first failure) where none runs.
func (a *App) kickConsent(ctx context.Context, signup string) error {
	if k := a.consentKick.Load(); k != nil {
		(*k)()
		return nil
	}
	w, err := a.workConsentJobs(ctx, signup)
	if err != nil {
		return err
	}
	return w.first
}

// kickHooks hands a step's webhook calls on. Without a job runner they
// are tried now; one that fails waits for the next run (gdpr consent
// jobs run, or a server's runner) — the step itself stands.
func (a *App) kickHooks(ctx context.Context, jobs []consent.Job) {
	if len(jobs) == 0 {
		return
	}
	if err := a.kickConsent(ctx, jobs[0].Signup); err != nil {
		a.log.Warn("consent webhook failed; it is tried again", "code", gdpr.ErrorCode(err))
	}
}

// ConsentWork is what a run of the ledger's jobs did.
type ConsentWork struct {
	Mails, Hooks, Failed, Dropped int
	first                         error
}

// WorkConsentJobs does the ledger's jobs that are due, batch after batch,
// until none is left: the job runner's work. A job that fails is due
// again after its backoff, and given up after its last attempt.
func (a *App) WorkConsentJobs(ctx context.Context) (ConsentWork, error) {
	return a.workConsentJobs(System(ctx, "consent"), "")
}

func (a *App) workConsentJobs(ctx context.Context, signup string) (ConsentWork, error) {
	var w ConsentWork
	cs, err := a.consentStore()
	if err != nil {
		return w, err
	}
	for {
		js, err := cs.ClaimConsentJobs(ctx, signup, a.now(), jobLease, jobBatch)
		if err != nil {
			return w, err
		}
		if len(js) == 0 {
			return w, nil
		}
		var hooks []consent.Hook
		for _, j := range js {
			if j.Kind == consent.JobHook && hooks == nil {
				if hooks, err = cs.Hooks(ctx); err != nil {
					return w, err
				}
			}
			err := a.doJob(ctx, cs, j, hooks)
			switch {
			case errors.Is(err, errJobGone):
				w.Dropped++
			case err != nil:
				w.Failed++
				if w.first == nil {
					w.first = err
				}
				next := time.Time{}
				if j.Attempts+1 < consent.MaxAttempts {
					next = a.now().Add(consent.Backoff(j.Attempts))
				}
				if ferr := cs.FailConsentJob(ctx, j.ID, jobError(err), next, a.now()); ferr != nil {
					return w, ferr
				}
			case j.Kind == consent.JobMail:
				w.Mails++
			default:
				w.Hooks++
			}
		}
	}
}

// errJobGone: the job cannot be done any more (its person erased, its
// webhook removed); it was dropped with its audit entry.
var errJobGone = errors.New("job gone")

func (a *App) doJob(ctx context.Context, cs ConsentStore, j consent.Job, hooks []consent.Hook) error {
	box, err := a.subjectBox(ctx, j.Subject)
	var payload string
	if err == nil {
		payload, err = box.Open(jobLabel(j.Kind, j.Target, j.Signup), j.Sealed)
	}
	if err != nil {
		// The person was erased: the job goes with them.
		if derr := cs.DropConsentJob(ctx, j, audit.ConsentEvent, audit.Failed); derr != nil {
			return derr
		}
		return errJobGone
	}
	switch j.Kind {
	case consent.JobMail:
		var m mailJob
		if err := json.Unmarshal([]byte(payload), &m); err != nil {
			return fmt.Errorf("consent mail job: %w", err)
		}
		return a.sendConsentMail(ctx, box, j, m)
	case consent.JobHook:
		for _, h := range hooks {
			if h.ID == j.Target {
				return a.callHook(ctx, cs, h, j, []byte(payload))
			}
		}
		if err := cs.DropConsentJob(ctx, j, audit.ConsentHook, audit.Failed); err != nil {
			return err
		}
		return errJobGone
	}
	return fmt.Errorf("consent job kind %q", j.Kind)
}

// sendConsentMail sends a mail of the ledger and keeps it as evidence, in
// the transaction that finishes its job: the message as sent sealed under
// the person's key, its Message-ID, the server's answer and the SHA-256.
// Every mail carries the one-click unsubscribe headers (RFC 8058).
func (a *App) sendConsentMail(ctx context.Context, box *vault.Box, j consent.Job, m mailJob) error {
	if a.mail == nil {
		return gdpr.Keyed(gdpr.EUNAVAILABLE, "", "request.portal.nomail")
	}
	// The controller's name as the register has it when the mail goes
	// (read here, not on each sign-up).
	if _, ok := m.Data["Controller"]; !ok {
		if m.Data == nil {
			m.Data = map[string]string{}
		}
		m.Data["Controller"] = a.controllerName(ctx)
	}
	// The purpose's own confirmation mail where an admin wrote one.
	subject, body, err := a.renderMail(ctx, j.Target+"."+j.Purpose, m.Lang, m.Data)
	if err != nil {
		return err
	}
	sent, err := a.mail.Send(ctx, mail.Message{To: m.To, Subject: subject, Text: body, Headers: map[string]string{
		"Auto-Submitted":        "auto-generated",
		"List-Unsubscribe":      "<" + m.Unsubscribe + ">",
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
	}})
	if err != nil {
		return a.record(ctx, audit.ConsentEvent, j.Signup, err)
	}
	proof := request.Mail{Kind: j.Target, MessageID: sent.MessageID, At: sent.At, Response: sent.Response, Sealed: box.Seal("mail:"+j.Signup+":"+sent.MessageID, string(sent.Raw))}
	digest := sha256.Sum256(sent.Raw)
	proof.Hash = hex.EncodeToString(digest[:])
	p, _ := auth.PrincipalFrom(ctx)
	return a.grouped(ctx, groupReq{append: &consent.Append{Mail: &proof, MailSignup: j.Signup, Done: j.ID, Actor: p.Actor}})
}

// hookTimeout bounds a webhook's call; a mailer slower than that is
// called again later.
const hookTimeout = 10 * time.Second

// callHook posts an event to a webhook, signed (consent.HookSignature),
// and records the call: the mailer learnt of a person's consent.
func (a *App) callHook(ctx context.Context, cs ConsentStore, h consent.Hook, j consent.Job, body []byte) error {
	secret, err := a.hookSecret(h)
	if err != nil {
		return err
	}
	ctx2, cancel := context.WithTimeout(ctx, hookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx2, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return gdpr.Keyed(gdpr.EINVALID, "url", "consent.hook.url")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "gdpr-consent-webhook/1")
	req.Header.Set("Webhook-Id", j.ID)
	req.Header.Set("Webhook-Signature", consent.HookSignature(secret, a.now(), body))
	res, err := a.hooks.Do(req)
	if err != nil {
		// The transport's error names the host, never the body.
		return gdpr.Keyed(gdpr.EUNAVAILABLE, "", "consent.hook.unreachable", h.ID)
	}
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	if res.StatusCode/100 != 2 {
		return gdpr.Keyed(gdpr.EUNAVAILABLE, "", "consent.hook.status", h.ID, res.StatusCode)
	}
	return cs.DropConsentJob(ctx, j, audit.ConsentHook, audit.OK)
}

// hookSecret unwraps a webhook's secret with the vault's KEK (or the
// older one it was wrapped under).
func (a *App) hookSecret(h consent.Hook) ([]byte, error) {
	for _, k := range append([]vault.KEK{a.vault.KEK}, a.vault.Older...) {
		if k != nil && k.ID() == h.KEKID {
			return k.Unwrap(h.Wrapped, "consent-hook:"+h.ID)
		}
	}
	return nil, gdpr.Keyed(gdpr.EINTERNAL, "", "vault.nokeys")
}

// hookJobs are the calls of the webhooks that want an event, their
// payload sealed under the person's key.
func (a *App) hookJobs(ctx context.Context, cs ConsentStore, box *vault.Box, ev *consent.Event, email string) ([]consent.Job, error) {
	hooks, err := cs.Hooks(ctx)
	if err != nil || len(hooks) == 0 || box == nil {
		return nil, err
	}
	if ev.ID == "" {
		ev.ID = gdpr.TimeID(a.now())
	}
	if ev.At.IsZero() {
		ev.At = a.now()
	}
	var out []consent.Job
	for _, h := range hooks {
		if !h.Wants(ev.Kind, ev.Purpose) {
			continue
		}
		call := hookCall{ID: gdpr.TimeID(ev.At), Event: ev.ID, Kind: ev.Kind, Purpose: ev.Purpose, Signup: ev.Signup, Email: email, At: ev.At, Mode: ev.Mode, Lists: ev.Lists}
		body, _ := json.Marshal(call)
		out = append(out, consent.Job{ID: call.ID, Kind: consent.JobHook, Target: h.ID, Signup: ev.Signup, Subject: ev.Subject, Purpose: ev.Purpose, Event: ev.ID,
			Sealed: box.Seal(jobLabel(consent.JobHook, h.ID, ev.Signup), string(body))})
	}
	return out, nil
}

// AddHook registers a webhook; the answer carries its secret, once.
func (a *App) AddHook(ctx context.Context, h consent.Hook) (consent.Hook, error) {
	cs, err := a.consentAs(ctx, auth.Manage, audit.ConsentHook, "")
	if err != nil {
		return h, err
	}
	if err := h.Validate(); err != nil {
		return h, a.record(ctx, audit.ConsentHook, "", err)
	}
	if a.vault.KEK == nil {
		return h, gdpr.Keyed(gdpr.EUNAVAILABLE, "", "vault.nokeys")
	}
	h.ID = "hook-" + newToken(6)
	secret := make([]byte, 32)
	rand.Read(secret)
	if h.Wrapped, err = a.vault.KEK.Wrap(secret, "consent-hook:"+h.ID); err != nil {
		return h, fmt.Errorf("wrap the webhook's secret: %w", err)
	}
	h.KEKID = a.vault.KEK.ID()
	if err := cs.AddHook(ctx, &h); err != nil {
		return h, err
	}
	h.Secret = "whsec_" + hex.EncodeToString(secret)
	return h, nil
}

// Hooks lists the webhooks (without their secrets).
func (a *App) Hooks(ctx context.Context) ([]consent.Hook, error) {
	cs, err := a.consentAs(ctx, auth.Manage, audit.ConsentHook, "")
	if err != nil {
		return nil, err
	}
	return cs.Hooks(ctx)
}

// DeleteHook removes a webhook.
func (a *App) DeleteHook(ctx context.Context, id string) error {
	cs, err := a.consentAs(ctx, auth.Manage, audit.ConsentHook, id)
	if err != nil {
		return err
	}
	return cs.DeleteHook(ctx, id)
}

// ConsentJobs lists the ledger's jobs waiting or given up (the page shows
// what the mailer or the mail server refused).
func (a *App) ConsentJobs(ctx context.Context, failed bool) ([]consent.Job, error) {
	cs, err := a.consentAs(ctx, auth.Read, audit.ConsentHook, "")
	if err != nil {
		return nil, err
	}
	return cs.ConsentJobs(ctx, failed, 500)
}

// RetryConsentJob makes a given-up job due again, and wakes the runner.
func (a *App) RetryConsentJob(ctx context.Context, id string) error {
	cs, err := a.consentAs(ctx, auth.Manage, audit.ConsentHook, id)
	if err != nil {
		return err
	}
	if err := cs.RetryConsentJob(ctx, strings.TrimSpace(id), a.now()); err != nil {
		return err
	}
	if k := a.consentKick.Load(); k != nil {
		(*k)()
	}
	return nil
}

// JobError says in a language what a given-up job kept of its error (a
// code and a message key): the pages and the command line show it.
func JobError(l locale.Lang, e string) string {
	_, key, _ := strings.Cut(e, " ")
	if k := "ui.consents.joberror." + key; key != "" && locale.Has(k) {
		return locale.T(l, k)
	}
	return locale.T(l, "ui.consents.joberror.other")
}

// jobError is what a failed job keeps of its error: the code and the
// message's key, never its arguments (a mail server's refusal names the
// address).
func jobError(err error) string {
	var k interface{ MessageKey() (string, []any) }
	if errors.As(err, &k) {
		key, _ := k.MessageKey()
		return gdpr.ErrorCode(err) + " " + key
	}
	return gdpr.ErrorCode(err)
}
