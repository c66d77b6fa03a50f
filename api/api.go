// Package api serves the register as JSON under /api/v1/. Handlers are
// thin: they decode, put the principal into the context, call the use
// cases of package app and encode. One route table drives routing,
// permissions, body limits, the audit actions of refusals and the OpenAPI
// document.
package api

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"gdpr"
	"gdpr/app"
	"gdpr/audit"
	"gdpr/auth"
	"gdpr/connector"
	"gdpr/consent"
	"gdpr/export"
	"gdpr/httpx"
	"gdpr/locale"
	"gdpr/register"
	"gdpr/request"
	"gdpr/run"
	"gdpr/session"
	"gdpr/sweep"
)

// Permission is what a route needs (see auth.Role.Allows).
type Permission = auth.Permission

// Permissions, re-exported for the route table.
const (
	Read     = auth.Read
	Write    = auth.Write
	Manage   = auth.Manage
	Subjects = auth.Subjects
)

// Server serves the API.
type Server struct {
	App  *app.App
	Auth session.Authenticator
	Log  *slog.Logger
	// PublicURL is where people reach the server (links in mails).
	PublicURL string
}

type handler func(w http.ResponseWriter, r *http.Request) error

// Route is one API route: the single table that routing, authorisation,
// the OpenAPI document and the route-walk test are derived from.
type Route struct {
	Method, Path string
	Perm         Permission
	// Action is the audit action of a write; a refused write is recorded
	// under it (the use case records the rest).
	Action   string
	Summary  string
	Request  any // zero value of the body type, or nil
	Response any // zero value of the answer type
	// MaxBody bounds the request body; 0 means httpx.MaxBody.
	MaxBody int64
	handle  handler
}

// maxImport bounds an uploaded document (the importer's own limit is 64
// MiB for files given on the command line).
const maxImport = 16 << 20

// Table returns every API route.
func (s *Server) Table() []Route {
	var t []Route
	add := func(rt Route, h handler) { rt.handle = h; t = append(t, rt) }
	add(Route{Method: "GET", Path: "/api/v1/register", Perm: Read, Summary: "The whole register", Response: register.Register{}}, s.getRegister)
	add(Route{Method: "GET", Path: "/api/v1/controller", Perm: Read, Summary: "Title and controller (Art. 30(1)(a)); ETag: its version", Response: register.Header{}}, s.getController)
	add(Route{Method: "PUT", Path: "/api/v1/controller", Perm: Write, Action: audit.ControllerUpdate, Summary: "Replace title and controller (If-Match: the ETag read)", Request: register.Header{}, Response: register.Header{}}, s.putController)
	add(Route{Method: "POST", Path: "/api/v1/import", Perm: Write, Action: audit.RegisterImport, MaxBody: maxImport,
		Summary: "Import a document (body: the file; name, dry_run=true, details=true, if_state)", Response: ImportResult{}}, s.importDoc)
	entityRoutes(add, s.activities())
	entityRoutes(add, s.measures())
	entityRoutes(add, s.documents())
	entityRoutes(add, s.systems())
	add(Route{Method: "GET", Path: "/api/v1/systems/{id}/schema", Perm: Write, Action: audit.SystemSchema,
		Summary: "Connect to a system and read its tables, columns and keys", Response: connector.Schema{}}, s.systemSchema)
	add(Route{Method: "GET", Path: "/api/v1/requests", Perm: Read, Summary: "Data-subject requests, the nearest last day first (?open=true, ?overdue=true, ?state=, ?kind=, paged); no personal data", Response: RequestList{}}, s.requests)
	add(Route{Method: "POST", Path: "/api/v1/requests", Perm: Write, Action: audit.RequestCreate, Request: RequestWrite{},
		Summary: "Register a request: its last day is one month from receipt (Regulation 1182/71, the controller's holidays); the person goes to the vault", Response: request.Request{}}, s.createRequest)
	add(Route{Method: "GET", Path: "/api/v1/requests/{id}", Perm: Read, Summary: "One request with its deadline (ETag: its version)", Response: request.Request{}}, s.getRequest)
	add(Route{Method: "GET", Path: "/api/v1/requests/{id}/events", Perm: Read, Summary: "A request's history; the notes' texts only with access to people (each read recorded)", Response: []request.Event{}}, s.requestEvents)
	add(Route{Method: "GET", Path: "/api/v1/requests/{id}/requester", Perm: Subjects, Action: audit.SubjectRead, Summary: "The requester's data from the vault (the read is recorded)", Response: app.Subject{}}, s.requester)
	add(Route{Method: "GET", Path: "/api/v1/requests/{id}/report", Perm: Write, Action: audit.RequestSearch,
		Summary: "The access answer's draft (Art. 15): the activities holding the person's data with purposes, categories, recipients, transfers, retention; the authority; the copy of the rows found in the systems and the vault, redactions applied; what to check before release (a recorded search); ?format=pdf: the answer as the person gets it", Response: app.AccessReport{}}, s.requestReport)
	add(Route{Method: "GET", Path: "/api/v1/requests/{id}/notices", Perm: Read, Summary: "The recipients to tell of a rectification, erasure or restriction (Art. 19), a task each: open, sent (how, when), confirmed, exempt (why)", Response: []request.Notice{}}, s.requestNotices)
	add(Route{Method: "GET", Path: "/api/v1/templates", Perm: Read, Summary: "The mail templates in German and English: the built-in texts and those an admin changed", Response: []request.MailTemplate{}}, s.templates)
	add(Route{Method: "PUT", Path: "/api/v1/templates/{kind}/{lang}", Perm: Manage, Action: audit.TemplateUpdate, Request: TemplateWrite{},
		Summary: "Replace a mail template (checked: syntax, the mail's fields, the link where the mail needs it); version 0 over the built-in text, 409 when changed meanwhile", Response: request.MailTemplate{}}, s.putTemplate)
	add(Route{Method: "DELETE", Path: "/api/v1/templates/{kind}/{lang}", Perm: Manage, Action: audit.TemplateUpdate, Summary: "Go back to the built-in text", Response: request.MailTemplate{}}, s.resetTemplate)
	add(Route{Method: "GET", Path: "/api/v1/requests/{id}/redactions", Perm: Read, Summary: "What staff withhold from the copy before release (Art. 15(4)): system, table, column, row hash, ground; no values", Response: []request.Redaction{}}, s.requestRedactions)
	add(Route{Method: "GET", Path: "/api/v1/requests/{id}/portability", Perm: Write, Action: audit.RequestSearch,
		Summary: "The person's portable data (Art. 20): the rows of tables whose activity rests on consent or a contract, and the person's record; ?format=json or csv (a zip, one file a table); a recorded search"}, s.requestPortability)
	add(Route{Method: "POST", Path: "/api/v1/requests/{id}/steps", Perm: Write, Action: audit.RequestUpdate, Request: RequestStep{},
		Summary: "A step on a request at its version (If-Match or version): verify, start, answer, withdraw, reject, extend, acknowledge, erase, restrict, rectify, notice, release, assign, note, redact, unredact; the state machine and Art. 12 decide what is allowed", Response: request.Request{}}, s.requestStep)
	add(Route{Method: "GET", Path: "/api/v1/consent/purposes", Perm: Read, Summary: "The consent purposes, each tied to a register activity resting on consent", Response: []consent.Purpose{}}, s.purposes)
	add(Route{Method: "POST", Path: "/api/v1/consent/purposes", Perm: Write, Action: audit.ConsentPurpose, Request: PurposeWrite{}, Summary: "Create a consent purpose", Response: consent.Purpose{}}, s.savePurpose)
	add(Route{Method: "GET", Path: "/api/v1/consent/purposes/{id}", Perm: Read, Summary: "One consent purpose (ETag: its version)", Response: consent.Purpose{}}, s.purpose)
	add(Route{Method: "PUT", Path: "/api/v1/consent/purposes/{id}", Perm: Write, Action: audit.ConsentPurpose, Request: PurposeWrite{}, Summary: "Change a consent purpose at its version (If-Match or version; 409 when changed meanwhile)", Response: consent.Purpose{}}, s.savePurpose)
	add(Route{Method: "GET", Path: "/api/v1/consent/purposes/{id}/texts", Perm: Read, Summary: "A purpose's consent texts, every version kept with its SHA-256, newest first", Response: []consent.Text{}}, s.consentTexts)
	add(Route{Method: "POST", Path: "/api/v1/consent/purposes/{id}/texts", Perm: Write, Action: audit.ConsentText, Request: TextWrite{}, Summary: "Add a version of a purpose's consent text (the old ones stay)", Response: consent.Text{}}, s.addConsentText)
	add(Route{Method: "GET", Path: "/api/v1/consent/forms", Perm: Read, Summary: "The sign-up forms (?purpose=): ids to put into a website's form, allowed origins, mode, fields", Response: []consent.Form{}}, s.consentForms)
	add(Route{Method: "POST", Path: "/api/v1/consent/forms", Perm: Write, Action: audit.ConsentPurpose, Request: consent.Form{}, Summary: "Register a sign-up form of a website (its origins may post to /consent/signup)", Response: consent.Form{}}, s.addConsentForm)
	add(Route{Method: "GET", Path: "/api/v1/consent/check", Perm: Read, Summary: "May I mail this address for this purpose? (?email=&purpose=): an index lookup by the address's blind index; no personal data logged", Response: Check{}}, s.consentCheck)
	add(Route{Method: "POST", Path: "/api/v1/consent/signups", Perm: Write, Action: audit.ConsentEvent, Request: SignupWrite{}, Summary: "Record a sign-up from the company's backend; double opt-in mails the confirmation link (202)", Response: map[string]string{}}, s.consentSignup)
	add(Route{Method: "POST", Path: "/api/v1/consent/imports", Perm: Subjects, Action: audit.ConsentImport, MaxBody: maxImport,
		Summary: "Import consents kept by another tool (body: CSV with seed 003's columns, listmonk's or Mailchimp's export; ?purpose=&source=&name=): nothing is written from a file with an error, which names its line and column", Response: app.ConsentImport{}}, s.importConsents)
	add(Route{Method: "GET", Path: "/api/v1/consent/hooks", Perm: Manage, Summary: "The webhooks that tell the company's mailer of the ledger's events (secrets never shown again)", Response: []consent.Hook{}}, s.consentHooks)
	add(Route{Method: "POST", Path: "/api/v1/consent/hooks", Perm: Manage, Action: audit.ConsentHook, Request: HookWrite{}, Summary: "Add a webhook (https; events given, confirmed, withdrawn, imported): the answer carries its signing secret, once (201)", Response: consent.Hook{}}, s.addConsentHook)
	add(Route{Method: "DELETE", Path: "/api/v1/consent/hooks/{id}", Perm: Manage, Action: audit.ConsentHook, Summary: "Remove a webhook", Response: map[string]string{}}, s.deleteConsentHook)
	add(Route{Method: "GET", Path: "/api/v1/consent/jobs", Perm: Read, Summary: "The ledger's outbox: confirmation mails and webhook calls waiting or (?failed=true) given up after their last attempt", Response: []consent.Job{}}, s.consentJobs)
	add(Route{Method: "POST", Path: "/api/v1/consent/jobs/{id}/retry", Perm: Manage, Action: audit.ConsentHook, Summary: "Try a given-up job again from its first attempt", Response: map[string]string{}}, s.retryConsentJob)
	add(Route{Method: "POST", Path: "/api/v1/consent/withdrawals", Perm: Write, Action: audit.ConsentEvent, Request: WithdrawalWrite{}, Summary: "Withdraw an address's consent to a purpose (Art. 7(3)); the address goes on the suppression list", Response: consent.State{}}, s.consentWithdraw)
	add(Route{Method: "GET", Path: "/api/v1/holds", Perm: Read, Summary: "Legal holds (?system=, ?lifted=true), without their values", Response: []sweep.Hold{}}, s.holds)
	add(Route{Method: "POST", Path: "/api/v1/holds", Perm: Write, Action: audit.HoldCreate, Request: HoldRequest{},
		Summary: "Place a legal hold: sweeps keep the rows of the table whose column holds the value (sealed in the vault)", Response: sweep.Hold{}}, s.addHold)
	add(Route{Method: "POST", Path: "/api/v1/holds/{id}/lift", Perm: Write, Action: audit.HoldLift, Summary: "Lift a hold; its value is erased"}, s.liftHold)
	add(Route{Method: "GET", Path: "/api/v1/sweep/protocol", Perm: Read,
		Summary: "The deletion protocol (Löschprotokoll) of a period: from, to (YYYY-MM-DD), format pdf or csv; no personal data"}, s.sweepProtocol)
	add(Route{Method: "POST", Path: "/api/v1/check/live", Perm: Write, Action: audit.SystemCheck, Request: LiveRequest{},
		Summary: "Compare the register with the company's databases: unreachable systems, missing tables and columns, rows past their retention, with scan personal data no activity declares", Response: LiveResult{}}, s.checkLive)
	add(Route{Method: "POST", Path: "/api/v1/sweep", Perm: Write, Action: audit.SweepBatch, Request: SweepRequest{},
		Summary: "Delete, anonymise or flag the rows whose retention has ended, in protocolled batches (admin); dry_run counts (editor); background answers 202 with the run", Response: app.SweepResult{}}, s.sweep)
	add(Route{Method: "GET", Path: "/api/v1/runs", Perm: Read, Summary: "Runs of sweeps and scans, newest first (?kind=sweep|scan, ?system=, ?limit=): who, when, progress, result (counts and names, no personal data)", Response: []run.Run{}}, s.runs)
	add(Route{Method: "GET", Path: "/api/v1/runs/{id}", Perm: Read, Summary: "One run: its state (running, done, failed, aborted), progress and result", Response: run.Run{}}, s.runByID)
	add(Route{Method: "POST", Path: "/api/v1/systems/{id}/scan", Perm: Write, Action: audit.SystemScan, Request: ScanRequest{},
		Summary: "Find personal data in a system's columns (by name and a bounded sample of values; ?lang= for the proposal's categories); write adds the tables found as a draft", Response: app.ScanResult{}}, s.systemScan)
	add(Route{Method: "POST", Path: "/api/v1/retention/parse", Perm: Read, Summary: "Parse a retention statement into rules", Request: RetentionRequest{}, Response: export.RetentionView{}}, s.retentionParse)
	add(Route{Method: "POST", Path: "/api/v1/retention/due", Perm: Read, Summary: "End of retention for given event dates", Request: RetentionRequest{}, Response: DueResponse{}}, s.retentionDue)
	add(Route{Method: "GET", Path: "/api/v1/retention/classes", Perm: Read, Summary: "Deletion-class matrix of the register", Response: export.ClassesView{}}, s.retentionClasses)
	add(Route{Method: "GET", Path: "/api/v1/findings", Perm: Read, Summary: "Lint findings with messages, a page at a time", Response: FindingList{}}, s.findings)
	add(Route{Method: "GET", Path: "/api/v1/revisions", Perm: Read, Summary: "Change history, newest first", Response: List[register.Revision]{}}, s.revisions)
	add(Route{Method: "POST", Path: "/api/v1/revisions/{entity}/{id}/{version}/restore", Perm: Write, Action: audit.RevisionRestore, Summary: "Make an earlier revision current again", Response: register.Revision{}}, s.restore)
	add(Route{Method: "GET", Path: "/api/v1/export", Perm: Read, Summary: "Export the register (format=pdf|html|md|csv|xlsx|json|yaml)"}, s.export)
	add(Route{Method: "GET", Path: "/api/v1/report", Perm: Read, Summary: "The audit report (Prüfbericht): every finding, dated, with rule, legal reference and the entry's status (format=pdf|md)"}, s.report)
	add(Route{Method: "POST", Path: "/api/v1/subjects", Perm: Subjects, Action: audit.SubjectCreate, Summary: "Store a person's data in the vault under a key of its own", Request: SubjectWrite{}, Response: SubjectRef{}}, s.createSubject)
	add(Route{Method: "GET", Path: "/api/v1/subjects/{id}", Perm: Subjects, Action: audit.SubjectRead, Summary: "A person's data (the read is audited)", Response: app.Subject{}}, s.getSubject)
	add(Route{Method: "PUT", Path: "/api/v1/subjects/{id}", Perm: Subjects, Action: audit.SubjectUpdate, Summary: "Change fields of a person (If-Match; an empty value removes a field)", Request: SubjectWrite{}, Response: SubjectRef{}}, s.updateSubject)
	add(Route{Method: "DELETE", Path: "/api/v1/subjects/{id}", Perm: Subjects, Action: audit.SubjectShred, Summary: "Erase a person: the data key is destroyed (crypto-shredding)"}, s.shredSubject)
	add(Route{Method: "POST", Path: "/api/v1/subjects/lookup", Perm: Subjects, Action: audit.SubjectLookup, Summary: "Find people by e-mail, phone, IBAN or id through the blind index", Request: LookupRequest{}, Response: LookupAnswer{}}, s.lookupSubjects)
	add(Route{Method: "GET", Path: "/api/v1/me", Perm: Read, Summary: "The signed-in user or token", Response: Me{}}, s.me)
	add(Route{Method: "GET", Path: "/api/v1/users", Perm: Manage, Summary: "List users", Response: List[auth.User]{}}, s.listUsers)
	add(Route{Method: "GET", Path: "/api/v1/tokens", Perm: Manage, Summary: "List API tokens (never their secrets)", Response: List[auth.Token]{}}, s.listTokens)
	add(Route{Method: "GET", Path: "/api/v1/audit", Perm: Manage, Summary: "Audit log, newest first", Response: List[audit.Entry]{}}, s.auditLog)
	add(Route{Method: "GET", Path: "/api/v1/audit/checkpoint", Perm: Read, Summary: "The log's size and newest signed checkpoint (keep a copy outside the database)", Response: audit.Head{}}, s.logCheckpoint)
	add(Route{Method: "POST", Path: "/api/v1/audit/verify", Perm: Read, Action: audit.LogVerify, MaxBody: maxVerifyBody,
		Summary: "Recompute the tamper-evident log and check it against its checkpoints and those given; each finding names the entry", Request: VerifyRequest{}, Response: app.LogCheck{}}, s.verifyLog)
	add(Route{Method: "GET", Path: "/api/v1/audit/proofs/{ref...}", Perm: Manage, Action: audit.LogProve, Summary: "Inclusion proof of one entry (an audit id, or a revision as entity/id/version), to check offline", Response: audit.Proof{}}, s.proveEntry)
	add(Route{Method: "GET", Path: "/api/v1/openapi.json", Perm: Read, Summary: "This OpenAPI 3.1 document"}, s.openapi)
	return t
}

// Routes registers the API on mux. Every route bounds its body first,
// then checks the requester's permission, then handles the request with
// the principal in its context.
func (s *Server) Routes(mux *http.ServeMux) {
	for _, rt := range s.Table() {
		limit := rt.MaxBody
		if limit == 0 {
			limit = httpx.MaxBody
		}
		mux.HandleFunc(rt.Method+" "+rt.Path, func(w http.ResponseWriter, r *http.Request) {
			lang := langOf(r)
			if !httpx.Limit(w, r, limit) {
				httpx.Error(w, r, s.Log, httpx.TooLarge, lang)
				return
			}
			id, err := s.Auth.Authorize(r, rt.Perm)
			if err != nil {
				if id.Known() && rt.Action != "" {
					s.App.Denied(session.WithPrincipal(r, id).Context(), rt.Action, r.PathValue("id"), gdpr.ErrorMessage(err))
				}
				httpx.Error(w, r, s.Log, err, lang)
				return
			}
			if err := rt.handle(w, session.WithPrincipal(r, id)); err != nil {
				s.fail(w, r, err)
			}
		})
	}
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		httpx.Error(w, r, s.Log, gdpr.Keyed(gdpr.ENOTFOUND, "", "api.noroute"), langOf(r))
	})
}

// fail answers an error; a conflict carries the current version of the
// entry it was about (conflictError).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ce *conflictError
	if asConflict(err, &ce) {
		if ce.etag != "" {
			w.Header().Set("ETag", ce.etag)
		}
		httpx.ErrorWith(w, r, s.Log, ce.err, langOf(r), ce.current)
		return
	}
	httpx.Error(w, r, s.Log, err, langOf(r))
}

// List is the shape of every listing.
type List[T any] struct {
	Items  []T `json:"items"`
	Total  int `json:"total"`
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

func langOf(r *http.Request) locale.Lang {
	if l, ok := locale.Parse(r.URL.Query().Get("lang")); ok {
		return l
	}
	l, _ := locale.Parse(r.Header.Get("Accept-Language"))
	return l
}

func (s *Server) getRegister(w http.ResponseWriter, r *http.Request) error {
	reg, err := s.App.Register(r.Context(), r.URL.Query().Get("archived") == "true")
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, reg)
	return nil
}

// FindingList is the answer of /api/v1/findings: a page of findings and
// the counts of all of them.
type FindingList struct {
	Items  []export.FindingView      `json:"items"`
	Total  int                       `json:"total"`
	Limit  int                       `json:"limit"`
	Offset int                       `json:"offset"`
	Counts map[register.Severity]int `json:"counts"`
	// State is the register state the findings are of.
	State int64 `json:"state"`
}

func (s *Server) findings(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := httpx.Page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	p, err := s.App.Findings(r.Context(), app.FindingFilter{Severity: register.Severity(q.Get("severity")), Code: q.Get("rule"),
		Entity: q.Get("entity"), EntityID: q.Get("entity_id"), Offset: offset, Limit: limit})
	if err != nil {
		return err
	}
	items := export.Describe(p.Items, langOf(r))
	httpx.JSON(w, http.StatusOK, FindingList{Items: items, Total: p.Total, Limit: limit, Offset: offset, Counts: p.Counts, State: p.State})
	return nil
}

func (s *Server) revisions(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := httpx.Page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := register.RevisionFilter{Entity: q.Get("entity"), EntityID: q.Get("id"), Actor: q.Get("actor"), Limit: limit, Offset: offset}
	for _, b := range []struct {
		name string
		t    *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if v := q.Get(b.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return gdpr.Keyed(gdpr.EINVALID, b.name, "api.time", b.name)
			}
			*b.t = t
		}
	}
	items, total, err := s.App.Revisions(r.Context(), f)
	if err != nil {
		return err
	}
	if items == nil {
		items = []*register.Revision{}
	}
	httpx.JSON(w, http.StatusOK, List[*register.Revision]{Items: items, Total: total, Limit: limit, Offset: offset})
	return nil
}

// lazyHeaders sets an export's headers with its first byte, so that an
// export refused before it starts (busy, failed) still answers as JSON.
type lazyHeaders struct {
	http.ResponseWriter
	set     func()
	started bool
}

func (l *lazyHeaders) Write(b []byte) (int, error) {
	if !l.started {
		l.started = true
		l.set()
	}
	return l.ResponseWriter.Write(b)
}

func (s *Server) report(w http.ResponseWriter, r *http.Request) error {
	return s.download(w, r, "pruefbericht", s.App.Report)
}

func (s *Server) export(w http.ResponseWriter, r *http.Request) error {
	return s.download(w, r, "verzeichnis", s.App.Export)
}

// download answers a document of the format the query names, as an
// attachment "<name>-<date>.<format>". Its headers go out with its first
// byte, so that a refusal before it starts is still a JSON error.
func (s *Server) download(w http.ResponseWriter, r *http.Request, name string,
	write func(ctx context.Context, w io.Writer, f export.Format, l locale.Lang) error) error {
	f, err := export.ParseFormat(r.URL.Query().Get("format"))
	if err != nil {
		return err
	}
	now := s.App.Now()
	lw := &lazyHeaders{ResponseWriter: w, set: func() {
		w.Header().Set("Content-Type", f.ContentType())
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=\"%s-%s.%s\"", name, now.Format("2006-01-02"), f))
	}}
	err = write(r.Context(), lw, f, langOf(r))
	if err != nil && lw.started {
		// Half a document went out: the connection is cut so that the
		// client sees a failed download, not a short file.
		s.Log.Error("download failed after it started", "document", name, "format", string(f), "err", err)
		panic(http.ErrAbortHandler)
	}
	return err
}
