package app

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"strings"
	"time"

	"gdpr"
	"gdpr/audit"
	"gdpr/auth"
	"gdpr/request"
)

// RequestStore is what the request register needs of the store.
type RequestStore interface {
	CreateRequest(ctx context.Context, r *request.Request) error
	UpdateRequest(ctx context.Context, r *request.Request, version int, ev request.Event) error
	FindRequest(ctx context.Context, id string) (*request.Request, error)
	FindRequests(ctx context.Context, f request.Filter) ([]*request.Request, int, error)
	RequestEvents(ctx context.Context, id string) ([]request.Event, error)
}

// noteField is the vault field of a request note's text.
const noteField = "note"

// requestsAs checks the caller's permission (a refusal recorded under
// action) and returns the request store.
func (a *App) requestsAs(ctx context.Context, perm auth.Permission, action, target string) (RequestStore, error) {
	if _, err := a.require(ctx, perm, action, target); err != nil {
		return nil, err
	}
	return a.requestStore()
}

func (a *App) requestStore() (RequestStore, error) {
	rs, ok := a.store.(RequestStore)
	if !ok {
		return nil, gdpr.Keyed(gdpr.EINTERNAL, "", "request.nostore")
	}
	return rs, nil
}

// RequestPeriod is the request deadlines in the controller's calendar
// (its Land's holidays and its local ones, from the register's header).
func (a *App) RequestPeriod(ctx context.Context) (request.Period, error) {
	if _, err := auth.Require(ctx, auth.Read); err != nil {
		return request.Period{}, err
	}
	return a.period(ctx)
}

func (a *App) period(ctx context.Context) (request.Period, error) {
	h, err := a.store.Header(ctx)
	if err != nil {
		return request.Period{}, err
	}
	return request.Period{Calendar: h.Controller.Calendar()}, nil
}

func newRequestID() string {
	b := make([]byte, 5)
	rand.Read(b)
	return "r-" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// NewRequest is a request as staff or the portal enter it.
type NewRequest struct {
	Kind     request.Kind
	Channel  request.Channel
	Received time.Time // zero: now
	// Requester is the person's data as given (e-mail, name, customer
	// number, address): it goes to the vault, the request keeps the id.
	Requester Record
	// Note is a first note (what the person wrote), sealed like every note.
	Note string
	// Lang is the language the person is written to in (de, en).
	Lang string
	// Acknowledge sends the person the receipt with the last day.
	Acknowledge bool
}

// CreateRequest registers a request with its deadline (one month from
// receipt in the controller's calendar). The person's data goes to the
// vault; the audit entry names the kind, the channel and the subject id.
func (a *App) CreateRequest(ctx context.Context, n NewRequest) (*request.Request, error) {
	rs, err := a.requestsAs(ctx, auth.Write, audit.RequestCreate, "")
	if err != nil {
		return nil, err
	}
	if n.Received.IsZero() {
		n.Received = a.now()
	}
	r := &request.Request{ID: newRequestID(), Kind: n.Kind, Channel: n.Channel, Received: n.Received.UTC(), Identity: request.IdentityPending, State: request.Received,
		Lang: n.Lang}
	if r.Lang != "en" {
		r.Lang = "de"
	}
	if n.Acknowledge && strings.TrimSpace(n.Requester["email"]) == "" {
		return nil, a.record(ctx, audit.RequestCreate, "", gdpr.Keyed(gdpr.EINVALID, "email", "request.noemail"))
	}
	if err := r.Validate(); err != nil {
		return nil, a.record(ctx, audit.RequestCreate, "", err)
	}
	if n.Received.After(a.now().Add(time.Minute)) {
		return nil, a.record(ctx, audit.RequestCreate, "", gdpr.Keyed(gdpr.EINVALID, "received", "request.future"))
	}
	if strings.TrimSpace(n.Requester["email"]) == "" && strings.TrimSpace(n.Requester["name"]) == "" {
		return nil, a.record(ctx, audit.RequestCreate, "", gdpr.Keyed(gdpr.EINVALID, "email", "request.norequester"))
	}
	p, err := a.period(ctx)
	if err != nil {
		return nil, err
	}
	r.Due = p.Due(r.Received)
	if r.Requester, err = a.newSubject(ctx, n.Requester); err != nil {
		return nil, err
	}
	if err := rs.CreateRequest(ctx, r); err != nil {
		a.shredQuietly(ctx, r.Requester)
		return nil, a.record(ctx, audit.RequestCreate, r.ID, err)
	}
	if strings.TrimSpace(n.Note) != "" {
		if _, err := a.AddRequestNote(ctx, r.ID, r.Version, n.Note); err != nil {
			return r, err
		}
	}
	if n.Acknowledge {
		// The request stands whether or not the receipt goes out; the
		// caller hears why it did not.
		if _, err := a.Acknowledge(ctx, r.ID); err != nil {
			out, _ := a.Request(ctx, r.ID)
			return out, err
		}
	}
	return a.Request(ctx, r.ID)
}

// shredQuietly erases a subject made for a write that then failed.
func (a *App) shredQuietly(ctx context.Context, id string) {
	if vs, _, err := a.vaultReady(); err == nil {
		vs.ShredSubject(context.WithoutCancel(ctx), id)
	}
}

// withDeadline sets what a request's last day means today.
func (a *App) withDeadline(r *request.Request) {
	now := a.now()
	r.DaysLeft = request.DaysLeft(r.LastDay(), now)
	r.Overdue = !r.State.Closed() && request.Overdue(r.LastDay(), now)
}

// Request returns one request with its deadline as of today.
func (a *App) Request(ctx context.Context, id string) (*request.Request, error) {
	rs, err := a.requestsAs(ctx, auth.Read, audit.RequestRead, id)
	if err != nil {
		return nil, err
	}
	r, err := rs.FindRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	a.withDeadline(r)
	return r, nil
}

// RequestFilter selects requests; Overdue asks for the open ones whose
// last day has passed.
type RequestFilter struct {
	request.Filter
	Overdue bool
}

// Requests lists requests, the nearest last day first.
func (a *App) Requests(ctx context.Context, f RequestFilter) ([]*request.Request, int, error) {
	rs, err := a.requestsAs(ctx, auth.Read, audit.RequestRead, "")
	if err != nil {
		return nil, 0, err
	}
	if f.Overdue {
		f.Open = true
		today := a.now().In(request.Berlin)
		f.DueBefore = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	}
	out, total, err := rs.FindRequests(ctx, f.Filter)
	for _, r := range out {
		a.withDeadline(r)
	}
	return out, total, err
}

// Requester returns the person of a request, opened; the vault records
// the read.
func (a *App) Requester(ctx context.Context, id string) (Subject, error) {
	rs, err := a.requestsAs(ctx, auth.Subjects, audit.SubjectRead, id)
	if err != nil {
		return Subject{}, err
	}
	r, err := rs.FindRequest(ctx, id)
	if err != nil {
		return Subject{}, err
	}
	return a.GetSubject(ctx, r.Requester)
}

// RequestEvents is a request's history with its notes opened (each note
// read is recorded by the vault); a caller without access to people sees
// the steps without the notes' texts.
func (a *App) RequestEvents(ctx context.Context, id string) ([]request.Event, error) {
	rs, err := a.requestsAs(ctx, auth.Read, audit.RequestRead, id)
	if err != nil {
		return nil, err
	}
	evs, err := rs.RequestEvents(ctx, id)
	if err != nil {
		return nil, err
	}
	p, _ := auth.PrincipalFrom(ctx)
	if !p.Role.Allows(auth.Subjects) {
		return evs, nil
	}
	for i, e := range evs {
		if e.NoteSubject == "" {
			continue
		}
		s, err := a.GetSubject(ctx, e.NoteSubject)
		if err != nil {
			return nil, err
		}
		evs[i].Note = s.Record[noteField]
	}
	return evs, nil
}

// change loads a request at version, lets step change it, and writes it
// with its event. A request changed meanwhile is a conflict.
func (a *App) change(ctx context.Context, id string, version int, step func(r *request.Request, p request.Period) (request.Event, error)) (*request.Request, error) {
	rs, err := a.requestsAs(ctx, auth.Write, audit.RequestUpdate, id)
	if err != nil {
		return nil, err
	}
	r, err := rs.FindRequest(ctx, id)
	if err != nil {
		return nil, a.record(ctx, audit.RequestUpdate, id, err)
	}
	if r.Version != version {
		return nil, a.record(ctx, audit.RequestUpdate, id, gdpr.Keyed(gdpr.ECONFLICT, "version", "conflict.stale.request", id, version, r.Version))
	}
	p, err := a.period(ctx)
	if err != nil {
		return nil, err
	}
	from := r.State
	ev, err := step(r, p)
	if err != nil {
		return nil, a.record(ctx, audit.RequestUpdate, id, err)
	}
	if ev.To != "" && ev.From == "" {
		ev.From = from
	}
	if r.State.Closed() && r.Closed == nil {
		t := a.now()
		r.Closed = &t
	}
	if err := rs.UpdateRequest(ctx, r, version, ev); err != nil {
		return nil, a.record(ctx, audit.RequestUpdate, id, err)
	}
	a.withDeadline(r)
	return r, nil
}

// VerifyIdentity records that staff established the requester's identity
// (how: the reason is required and logged) and moves a received request
// on.
func (a *App) VerifyIdentity(ctx context.Context, id string, version int, how string) (*request.Request, error) {
	return a.change(ctx, id, version, func(r *request.Request, _ request.Period) (request.Event, error) {
		if strings.TrimSpace(how) == "" {
			return request.Event{}, gdpr.Keyed(gdpr.EINVALID, "note", "request.identity.noreason")
		}
		if r.State.Closed() {
			return request.Event{}, gdpr.Keyed(gdpr.ECONFLICT, "state", "request.closed", gdpr.Keyed("", "", "value.request.state."+string(r.State)))
		}
		r.Identity, r.IdentityNote = request.IdentityVerified, strings.TrimSpace(how)
		ev := request.Event{Action: "identity"}
		if r.State == request.Received {
			r.State, ev.To = request.Verified, request.Verified
		}
		return ev, nil
	})
}

// StepRequest moves a request to in progress, answered or withdrawn (the
// state machine says from where).
func (a *App) StepRequest(ctx context.Context, id string, version int, to request.State) (*request.Request, error) {
	return a.change(ctx, id, version, func(r *request.Request, _ request.Period) (request.Event, error) {
		switch to {
		case request.InProgress, request.Answered, request.Withdrawn:
		default:
			// Extending, rejecting and verifying have their own steps,
			// with what they need.
			return request.Event{}, gdpr.Keyed(gdpr.EINVALID, "state", "request.step.own", gdpr.Keyed("", "", "value.request.state."+string(to)))
		}
		if err := r.Transition(to); err != nil {
			return request.Event{}, err
		}
		r.State = to
		return request.Event{Action: "state", To: to}, nil
	})
}

// ExtendRequest extends the deadline by two further months, with reasons,
// told to the requester at toldAt (within the first month). With toldHow
// "mail" the engine tells the person itself, now, and the mail's proof is
// the notice's: no mail, no extension.
func (a *App) ExtendRequest(ctx context.Context, id string, version int, reasons string, toldAt time.Time, toldHow string) (*request.Request, error) {
	return a.change(ctx, id, version, func(r *request.Request, p request.Period) (request.Event, error) {
		byMail := toldHow == request.ToldByMail
		if toldAt.IsZero() || byMail {
			toldAt = a.now()
		}
		if toldAt.After(a.now().Add(time.Minute)) {
			return request.Event{}, gdpr.Keyed(gdpr.EINVALID, "told_at", "request.future")
		}
		ext, err := p.Extend(r, reasons, toldAt, toldHow)
		if err != nil {
			return request.Event{}, err
		}
		if byMail {
			l := langOf(r.Lang)
			m, err := a.mailRequester(ctx, r, request.MailExtension, map[string]string{"LastDay": mailDate(ext.Due, l), "Reasons": ext.Reasons})
			if err != nil {
				return request.Event{}, err
			}
			ext.ToldAt, ext.ToldHow = m.At, "mail "+m.MessageID
		}
		r.Extension = ext
		ev := request.Event{Action: "extend"}
		if r.State != request.Extended {
			r.State, ev.To = request.Extended, request.Extended
		}
		return ev, nil
	})
}

// RejectRequest rejects a request with its reason (Art. 12(5), or the
// identity could not be established); with notify the person is told by
// mail, with the reason and the right to complain (Art. 12(4)): no mail,
// no rejection recorded.
func (a *App) RejectRequest(ctx context.Context, id string, version int, reason string, notify bool) (*request.Request, error) {
	return a.change(ctx, id, version, func(r *request.Request, _ request.Period) (request.Event, error) {
		if err := r.Reject(reason); err != nil {
			return request.Event{}, err
		}
		if notify {
			if _, err := a.mailRequester(ctx, r, request.MailRejection, map[string]string{"Reason": strings.TrimSpace(reason)}); err != nil {
				return request.Event{}, err
			}
		}
		r.State, r.Reason = request.Rejected, strings.TrimSpace(reason)
		return request.Event{Action: "state", To: request.Rejected}, nil
	})
}

// AssignRequest gives a request to a user ("" for nobody).
func (a *App) AssignRequest(ctx context.Context, id string, version int, user string) (*request.Request, error) {
	return a.change(ctx, id, version, func(r *request.Request, _ request.Period) (request.Event, error) {
		r.Assignee = strings.TrimSpace(user)
		return request.Event{Action: "assign"}, nil
	})
}

// AddRequestNote adds a note to a request's history; its text is sealed
// in the vault (a note may name people) and shredded with the request.
func (a *App) AddRequestNote(ctx context.Context, id string, version int, text string) (*request.Request, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, a.record(ctx, audit.RequestUpdate, id, gdpr.Keyed(gdpr.EINVALID, "note", "request.note.empty"))
	}
	var made string
	r, err := a.change(ctx, id, version, func(r *request.Request, _ request.Period) (request.Event, error) {
		s, err := a.newSubject(ctx, Record{noteField: text})
		if err != nil {
			return request.Event{}, err
		}
		made = s
		return request.Event{Action: "note", NoteSubject: s}, nil
	})
	if err != nil && made != "" {
		a.shredQuietly(ctx, made)
	}
	return r, err
}

// Step is one step on a request as a form or an API call names it.
type Step struct {
	Action  string // verify, start, answer, withdraw, reject, extend, acknowledge, assign, note
	Note    string // verify: how the identity was established; note: its text
	Reason  string // reject
	Notify  bool   // reject: tell the person by mail
	Reasons string // extend
	ToldAt  time.Time
	ToldHow string
	User    string // assign
	BaseURL string // release: where the person fetches the answer
	// redact: what to withhold (Redaction.ID names it for unredact).
	Redaction request.Redaction
	// restrict: the activity an objection or withdrawal is about ("" for
	// all it reaches); rectify: the corrected values.
	Scope string
	Fixes []Rectification
	// notice: the Art. 19 task's step.
	Notice NoticeStep
}

// DoStep runs a step on the request at version.
func (a *App) DoStep(ctx context.Context, id string, version int, s Step) (*request.Request, error) {
	switch strings.TrimSpace(s.Action) {
	case "verify":
		return a.VerifyIdentity(ctx, id, version, s.Note)
	case "start":
		return a.StepRequest(ctx, id, version, request.InProgress)
	case "answer":
		return a.StepRequest(ctx, id, version, request.Answered)
	case "withdraw":
		return a.StepRequest(ctx, id, version, request.Withdrawn)
	case "reject":
		return a.RejectRequest(ctx, id, version, s.Reason, s.Notify)
	case "extend":
		return a.ExtendRequest(ctx, id, version, s.Reasons, s.ToldAt, s.ToldHow)
	case "acknowledge":
		if _, err := a.Acknowledge(ctx, id); err != nil {
			return nil, err
		}
		return a.Request(ctx, id)
	case "erase":
		// The erasure itself; the request's state is the staff's next
		// step (answer, with the receipt).
		if _, err := a.EraseRequest(ctx, id); err != nil {
			return nil, err
		}
		return a.change(ctx, id, version, func(*request.Request, request.Period) (request.Event, error) {
			return request.Event{Action: "erase"}, nil
		})
	case "release":
		return a.ReleaseAnswer(ctx, id, version, s.BaseURL)
	case "assign":
		return a.AssignRequest(ctx, id, version, s.User)
	case "note":
		return a.AddRequestNote(ctx, id, version, s.Note)
	case "restrict", "rectify":
		// The change itself; the answer is the staff's next step.
		var err error
		if s.Action == "restrict" {
			_, err = a.RestrictRequest(ctx, id, s.Scope)
		} else {
			_, err = a.RectifyRequest(ctx, id, s.Fixes)
		}
		if err != nil {
			return nil, err
		}
		return a.change(ctx, id, version, func(*request.Request, request.Period) (request.Event, error) {
			return request.Event{Action: s.Action}, nil
		})
	case "notice":
		return a.MarkNotice(ctx, id, version, s.Notice)
	case "redact":
		return a.Redact(ctx, id, version, s.Redaction)
	case "unredact":
		return a.Unredact(ctx, id, version, s.Redaction.ID)
	}
	return nil, gdpr.Keyed(gdpr.EINVALID, "action", "request.action", s.Action)
}
