package api

import (
	"net/http"
	"time"

	"gdpr"
	"gdpr/app"
	"gdpr/httpx"
	"gdpr/request"
)

// RequestWrite registers a data-subject request.
type RequestWrite struct {
	Kind     request.Kind    `json:"kind" doc:"access, copy, rectification, erasure, restriction, portability, objection, withdrawal or automated."`
	Channel  request.Channel `json:"channel" doc:"portal, email, letter, phone, in_person or other."`
	Received *time.Time      `json:"received,omitempty" doc:"Moment of receipt (RFC 3339; default now): the deadline runs from its day in Berlin."`
	// Requester is the person's data: it goes to the vault.
	Requester app.Record `json:"requester" doc:"The person's data (email, name, customer_id, address): sealed in the vault, the request keeps the subject id."`
	Note      string     `json:"note,omitempty" doc:"What the person wrote (sealed in the vault)."`
	Lang      string     `json:"lang,omitempty" doc:"The language the person is written to in: de (default) or en."`
	// Acknowledge mails the receipt.
	Acknowledge bool `json:"acknowledge,omitempty" doc:"Mail the person the receipt with the last day (the request stands if the mail fails; the answer is 502 then)."`
}

// RequestStep is one step on a request.
type RequestStep struct {
	Action  string `json:"action" doc:"verify (note: how the identity was established), start, answer, withdraw, reject (reason), extend (reasons, told_at, told_how), acknowledge, erase, restrict (scope), rectify (fixes), release (the answer to the person, by a link), assign (user), note (note), redact (system, table, column, row, ground) or unredact (redaction)."`
	Version int    `json:"version,omitempty" doc:"The version the step was decided on (or If-Match); required."`
	Note    string `json:"note,omitempty"`
	Reason  string `json:"reason,omitempty" doc:"Why the request is rejected (Art. 12(5) GDPR)."`
	Reasons string `json:"reasons,omitempty" doc:"Why the deadline is extended (Art. 12(3) GDPR)."`
	// ToldAt is when the requester was told of an extension.
	ToldAt  *time.Time `json:"told_at,omitempty" doc:"When the requester was told of the extension (default now); within the first month."`
	ToldHow string     `json:"told_how,omitempty" doc:"How the requester was told; \"mail\": the engine mails the notice now (its proof is the notice's)."`
	// Notify mails a rejection to the requester.
	Notify bool   `json:"notify,omitempty" doc:"With reject: mail the reason and the right to complain to the requester (no mail, no rejection)."`
	User   string `json:"user,omitempty" doc:"Who works on it ('' for nobody)."`
	// Redact names what to withhold from the copy.
	System    string `json:"system,omitempty" doc:"With redact: the system's id."`
	Table     string `json:"table,omitempty" doc:"With redact: the table."`
	Column    string `json:"column,omitempty" doc:"With redact: the column ('' for every column)."`
	Row       string `json:"row,omitempty" doc:"With redact: the row, as the report's row_ids name it ('' for every row)."`
	Ground    string `json:"ground,omitempty" doc:"With redact: third_party (Art. 15(4)), trade_secret or security."`
	Redaction string `json:"redaction,omitempty" doc:"With unredact: the redaction's id."`
	// Scope and Fixes carry out restrictions and rectifications.
	Scope string              `json:"scope,omitempty" doc:"With restrict (a restriction, objection or withdrawal): the activity it is about; '' for all the right reaches."`
	Fixes []app.Rectification `json:"fixes,omitempty" doc:"With rectify: per table (system, table) the columns and their correct values."`
	// The Art. 19 task's step.
	Recipient   string `json:"recipient,omitempty" doc:"With notice: the recipient, as the register names it."`
	NoticeState string `json:"notice_state,omitempty" doc:"With notice: sent (how), confirmed, exempt (how: why), open, or mail (to: gdpr mails the notice)."`
	How         string `json:"how,omitempty" doc:"With notice: how the recipient was told, or why it is exempt."`
	To          string `json:"to,omitempty" doc:"With notice and mail: the recipient's address (not kept)."`
}

// RequestList is a page of requests.
type RequestList struct {
	Items  []*request.Request `json:"items"`
	Total  int                `json:"total"`
	Limit  int                `json:"limit"`
	Offset int                `json:"offset"`
}

func (s *Server) requests(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := httpx.Page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := app.RequestFilter{Filter: request.Filter{Open: q.Get("open") == "true", State: request.State(q.Get("state")), Kind: request.Kind(q.Get("kind")),
		Limit: limit, Offset: offset}, Overdue: q.Get("overdue") == "true"}
	items, total, err := s.App.Requests(r.Context(), f)
	if err != nil {
		return err
	}
	if items == nil {
		items = []*request.Request{}
	}
	httpx.JSON(w, http.StatusOK, RequestList{Items: items, Total: total, Limit: limit, Offset: offset})
	return nil
}

func (s *Server) createRequest(w http.ResponseWriter, r *http.Request) error {
	var body RequestWrite
	if err := httpx.Decode(r, &body); err != nil {
		return err
	}
	n := app.NewRequest{Kind: body.Kind, Channel: body.Channel, Requester: body.Requester, Note: body.Note, Lang: body.Lang, Acknowledge: body.Acknowledge}
	if body.Received != nil {
		n.Received = *body.Received
	}
	out, err := s.App.CreateRequest(r.Context(), n)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(out.Version))
	w.Header().Set("Location", "/api/v1/requests/"+out.ID)
	httpx.JSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) getRequest(w http.ResponseWriter, r *http.Request) error {
	out, err := s.App.Request(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(out.Version))
	httpx.JSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) requestEvents(w http.ResponseWriter, r *http.Request) error {
	evs, err := s.App.RequestEvents(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if evs == nil {
		evs = []request.Event{}
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, evs)
	return nil
}

func (s *Server) requester(w http.ResponseWriter, r *http.Request) error {
	out, err := s.App.Requester(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) requestStep(w http.ResponseWriter, r *http.Request) error {
	var body RequestStep
	if err := httpx.Decode(r, &body); err != nil {
		return err
	}
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	if version == 0 {
		version = body.Version
	}
	if version == 0 {
		return gdpr.Keyed(gdpr.EPRECONDITION, "If-Match", "api.ifmatch.missing", "request")
	}
	st := app.Step{Action: body.Action, Note: body.Note, Reason: body.Reason, Notify: body.Notify, Reasons: body.Reasons, ToldHow: body.ToldHow, User: body.User,
		BaseURL: s.PublicURL, Scope: body.Scope, Fixes: body.Fixes,
		Notice: app.NoticeStep{Recipient: body.Recipient, State: body.NoticeState, How: body.How, To: body.To}, Redaction: request.Redaction{ID: body.Redaction, System: body.System, Table: body.Table, Column: body.Column, Row: body.Row, Ground: body.Ground}}
	if body.ToldAt != nil {
		st.ToldAt = *body.ToldAt
	}
	out, err := s.App.DoStep(r.Context(), r.PathValue("id"), version, st)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(out.Version))
	httpx.JSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) requestReport(w http.ResponseWriter, r *http.Request) error {
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "pdf" {
		return gdpr.Keyed(gdpr.EINVALID, "format", "request.report.format", format)
	}
	rep, err := s.App.RequestReport(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	if format == "pdf" {
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", `attachment; filename="auskunft-`+rep.Request.ID+`.pdf"`)
		return s.App.WriteAccessPDF(w, rep)
	}
	httpx.JSON(w, http.StatusOK, rep)
	return nil
}

func (s *Server) requestRedactions(w http.ResponseWriter, r *http.Request) error {
	xs, err := s.App.Redactions(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if xs == nil {
		xs = []request.Redaction{}
	}
	httpx.JSON(w, http.StatusOK, xs)
	return nil
}

func (s *Server) requestPortability(w http.ResponseWriter, r *http.Request) error {
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "json"
	}
	if format != "json" && format != "csv" {
		return gdpr.Keyed(gdpr.EINVALID, "format", "request.portability.format", format)
	}
	p, err := s.App.Portability(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	name := "daten-" + p.Request
	if format == "csv" {
		w.Header().Set("Content-Type", "application/zip")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.zip"`)
		return p.WriteCSV(w)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.json"`)
	return p.WriteJSON(w)
}

func (s *Server) requestNotices(w http.ResponseWriter, r *http.Request) error {
	ns, err := s.App.Notices(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if ns == nil {
		ns = []request.Notice{}
	}
	httpx.JSON(w, http.StatusOK, ns)
	return nil
}

// TemplateWrite replaces a mail template.
type TemplateWrite struct {
	Subject string `json:"subject" doc:"One line; fields as {{.Field}}."`
	Body    string `json:"body" doc:"The text (Go text/template: fields and {{if}}, no loops)."`
	Version int    `json:"version" doc:"The version the change was made on (0 over the built-in text)."`
}

func (s *Server) templates(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.App.MailTemplates(r.Context())
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, ts)
	return nil
}

func (s *Server) putTemplate(w http.ResponseWriter, r *http.Request) error {
	var body TemplateWrite
	if err := httpx.Decode(r, &body); err != nil {
		return err
	}
	t, err := s.App.SaveMailTemplate(r.Context(), request.MailTemplate{Kind: r.PathValue("kind"), Lang: r.PathValue("lang"), Subject: body.Subject, Body: body.Body}, body.Version)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) resetTemplate(w http.ResponseWriter, r *http.Request) error {
	cur, err := s.App.MailTemplate(r.Context(), r.PathValue("kind"), r.PathValue("lang"))
	if err != nil {
		return err
	}
	if cur.Custom {
		if err := s.App.ResetMailTemplate(r.Context(), cur.Kind, cur.Lang, cur.Version); err != nil {
			return err
		}
	}
	t, err := s.App.MailTemplate(r.Context(), cur.Kind, cur.Lang)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, t)
	return nil
}
