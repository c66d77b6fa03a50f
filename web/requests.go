package web

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"gdpr"
	"gdpr/app"
	"gdpr/audit"
	"gdpr/auth"
	"gdpr/locale"
	"gdpr/register"
	"gdpr/request"
	"gdpr/session"
)

// requestRow is a request as the pages show it.
type requestRow struct {
	R                               *request.Request
	Kind, Article, State, Identity  string
	Channel, Received, LastDay, Due string
	Overdue, Closed, Soon           bool
}

// soonDays: a request whose last day is this close is marked.
const soonDays = 7

func requestRowOf(r *request.Request, l locale.Lang) requestRow {
	row := requestRow{R: r, Kind: locale.T(l, "value.request.kind."+string(r.Kind)), Article: r.Kind.Article(),
		State: locale.T(l, "value.request.state."+string(r.State)), Identity: locale.T(l, "value.request.identity."+string(r.Identity)),
		Channel: locale.T(l, "value.request.channel."+string(r.Channel)), Received: momentText(r.Received, l), LastDay: dayText(r.LastDay(), l),
		Overdue: r.Overdue, Closed: r.State.Closed(), Soon: !r.State.Closed() && !r.Overdue && r.DaysLeft <= soonDays}
	switch {
	case row.Closed:
	case r.Overdue:
		row.Due = locale.N(l, "ui.request.overdue", -r.DaysLeft)
	default:
		row.Due = locale.N(l, "ui.request.left", r.DaysLeft)
	}
	return row
}

// dayText is a civil date (midnight UTC) in the page's language.
func dayText(d time.Time, l locale.Lang) string { return dateText(register.DateOf(d), l) }

// momentText is a moment in Berlin in the page's language.
func momentText(t time.Time, l locale.Lang) string { return locale.Time(l, t) }

type requestsData struct {
	base
	Rows   []requestRow
	Total  int
	Filter string // open (default), overdue, all
	// NoState: the register names no Land, so only the nationwide
	// holidays move the deadlines.
	NoState bool
}

func (h *Handler) requestList(w http.ResponseWriter, r *http.Request, id session.Identity) {
	l := lang(r)
	d := requestsData{base: h.base(r, id, "requests"), Filter: r.URL.Query().Get("show")}
	f := app.RequestFilter{Filter: request.Filter{Open: true, Limit: 200}}
	switch d.Filter {
	case "overdue":
		f.Overdue = true
	case "all":
		f.Open = false
	default:
		d.Filter = "open"
	}
	rs, total, err := h.App.Requests(r.Context(), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Total = total
	if hd, err := h.App.Header(r.Context()); err == nil && (hd.Controller == nil || hd.Controller.State == "") {
		d.NoState = true
	}
	for _, x := range rs {
		d.Rows = append(d.Rows, requestRowOf(x, l))
	}
	h.render(w, r, http.StatusOK, "requests.html", d)
}

// requestForm is a new request as its form shows it.
type requestForm struct {
	Kind, Channel, Received, Email, Name, Customer, Note, Lang string
	Acknowledge                                                bool
}

type requestFormData struct {
	base
	Mails    bool // mail is set up
	Form     requestForm
	Errors   fieldErrors
	Kinds    []option
	Channels []option
}

func (h *Handler) requestFormPage(w http.ResponseWriter, r *http.Request, id session.Identity, status int, f requestForm, errs fieldErrors) {
	l := lang(r)
	d := requestFormData{base: h.base(r, id, "requests"), Form: f, Errors: errs, Mails: h.App.Mails()}
	for _, k := range request.Kinds {
		d.Kinds = append(d.Kinds, option{string(k), locale.T(l, "value.request.kind."+string(k)) + " (" + k.Article() + ")"})
	}
	for _, c := range request.Channels {
		d.Channels = append(d.Channels, option{string(c), locale.T(l, "value.request.channel."+string(c))})
	}
	h.render(w, r, status, "request_form.html", d)
}

func (h *Handler) newRequest(w http.ResponseWriter, r *http.Request, id session.Identity) {
	now := h.App.Now().In(request.Berlin)
	h.requestFormPage(w, r, id, http.StatusOK, requestForm{Kind: string(request.Access), Channel: string(request.Email), Received: now.Format("2006-01-02T15:04"),
		Lang: "de", Acknowledge: h.App.Mails()}, nil)
}

// saveRequest registers the posted request; the person's data goes to
// the vault, the page of the request follows.
func (h *Handler) saveRequest(w http.ResponseWriter, r *http.Request, id session.Identity) {
	l := lang(r)
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f := requestForm{Kind: v("kind"), Channel: v("channel"), Received: v("received"), Email: v("email"), Name: v("name"), Customer: v("customer_id"),
		Note: strings.ReplaceAll(v("note"), "\r\n", "\n"), Lang: v("lang"), Acknowledge: r.PostFormValue("acknowledge") == "on"}
	n := app.NewRequest{Kind: request.Kind(f.Kind), Channel: request.Channel(f.Channel), Note: f.Note, Lang: f.Lang, Acknowledge: f.Acknowledge,
		Requester: app.Record{"email": f.Email, "name": f.Name, "customer_id": f.Customer}}
	for k, x := range n.Requester {
		if x == "" {
			delete(n.Requester, k)
		}
	}
	errs := fieldErrors{}
	if f.Received != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", f.Received, request.Berlin)
		if err != nil {
			errs["received"] = locale.T(l, "ui.err.date")
		}
		n.Received = t
	}
	if len(errs) > 0 {
		h.App.Failed(r.Context(), audit.RequestCreate, "", gdpr.EINVALID)
		h.requestFormPage(w, r, id, http.StatusUnprocessableEntity, f, errs)
		return
	}
	out, err := h.App.CreateRequest(r.Context(), n)
	if out != nil && err != nil {
		// Registered, but the receipt did not go out: said on its page.
		http.Redirect(w, r, "/requests/"+out.ID+"?done=requestnomail&lang="+string(l), http.StatusSeeOther)
		return
	}
	if ge, ok := err.(*gdpr.Error); ok && ge.Code == gdpr.EINVALID {
		field := ge.Field
		if field == "" || field == "record" {
			field = "email"
		}
		h.requestFormPage(w, r, id, http.StatusUnprocessableEntity, f, fieldErrors{field: gdpr.Localized(err, l)})
		return
	}
	if err != nil {
		h.problem(w, r, err)
		return
	}
	http.Redirect(w, r, "/requests/"+out.ID+"?done=requestadded&lang="+string(l), http.StatusSeeOther)
}

type receiptRow struct {
	R                     request.Receipt
	Action, Until, Ground string
}

type mailRow struct {
	M        request.Mail
	At, Kind string
}

type eventRow struct {
	E                    request.Event
	At, Action, To, Note string
}

// noticeRow is an Art. 19 task as the page shows it.
type noticeRow struct {
	N                           request.Notice
	State, Sent, Confirmed, How string
}

type requestData struct {
	base
	Receipts []receiptRow
	Art19    []noticeRow
	CanErase bool
	// CanRestrict: a restriction, objection or withdrawal to carry out
	// (Scopes: the activities it may be about); CanRectify: a
	// rectification (Tables: system/table of the mapped tables).
	CanRestrict, CanRectify bool
	Scopes                  []option
	Tables                  []string
	Mails                   []mailRow
	CanMail                 bool
	Row                     requestRow
	Requester               *app.Subject
	Events                  []eventRow
	// Error is a refused step's message, at the form of Step.
	Error, Step string
	Conflict    string
	Today       string
}

func (h *Handler) requestDetail(w http.ResponseWriter, r *http.Request, id session.Identity) {
	h.requestPage(w, r, id, http.StatusOK, "", "", "")
}

func (h *Handler) requestPage(w http.ResponseWriter, r *http.Request, id session.Identity, status int, step, msg, conflict string) {
	l := lang(r)
	x, err := h.App.Request(r.Context(), r.PathValue("id"))
	if err != nil {
		h.problem(w, r, err)
		return
	}
	d := requestData{base: h.base(r, id, "requests"), Row: requestRowOf(x, l), Step: step, Error: msg, Conflict: conflict,
		Today: h.App.Now().In(request.Berlin).Format(time.DateOnly)}
	// The requester: a read of the vault, recorded, for those who may.
	if id.Role.Allows(auth.Subjects) {
		s, err := h.App.Requester(r.Context(), x.ID)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		d.Requester = &s
	}
	d.CanMail = h.App.Mails()
	switch x.Kind {
	case request.Erasure, request.Restriction, request.Objection, request.Withdrawal, request.Rectification:
		rcs, err := h.App.Receipts(r.Context(), x.ID)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, rc := range rcs {
			row := receiptRow{R: rc, Action: locale.T(l, "value.receipt."+rc.Action), Ground: rc.Ground}
			if locale.Has(rc.Ground) {
				row.Ground = locale.T(l, rc.Ground)
			}
			if rc.Until != "" {
				if day, err := time.Parse(time.DateOnly, rc.Until); err == nil {
					row.Until = dayText(day, l)
				}
			}
			d.Receipts = append(d.Receipts, row)
		}
		ns, err := h.App.Notices(r.Context(), x.ID)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, n := range ns {
			row := noticeRow{N: n, State: locale.T(l, "value.notice."+n.State)}
			if n.SentAt != nil {
				row.Sent = momentText(*n.SentAt, l)
			}
			if n.Confirmed != nil {
				row.Confirmed = momentText(*n.Confirmed, l)
			}
			if n.How == request.ToldByMail {
				row.How = locale.T(l, "ui.notice.bymail")
			} else {
				row.How = n.How
			}
			d.Art19 = append(d.Art19, row)
		}
		known := x.Identity == request.IdentityConfirmed || x.Identity == request.IdentityVerified
		can := known && !x.State.Closed() && id.Role.Allows(auth.Subjects) && id.Role.Allows(auth.Write)
		d.CanErase = can && x.Kind == request.Erasure && len(rcs) == 0
		d.CanRestrict = can && x.Kind != request.Erasure && x.Kind != request.Rectification && len(rcs) == 0
		d.CanRectify = can && x.Kind == request.Rectification
		if d.CanRestrict {
			acts, _, err := h.App.Activities(r.Context(), register.Filter{})
			if err != nil {
				h.fail(w, r, err)
				return
			}
			d.Scopes = append(d.Scopes, option{"", locale.T(l, "ui.request.restrict.all."+string(x.Kind))})
			for _, a := range acts {
				d.Scopes = append(d.Scopes, option{a.ID, a.Name})
			}
		}
		if d.CanRectify {
			systems, _, err := h.App.Systems(r.Context(), register.Filter{})
			if err != nil {
				h.fail(w, r, err)
				return
			}
			for _, sx := range systems {
				for _, t := range sx.Tables {
					d.Tables = append(d.Tables, sx.ID+"/"+t.Name)
				}
			}
		}
	}
	ms, err := h.App.RequestMails(r.Context(), x.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, m := range ms {
		d.Mails = append(d.Mails, mailRow{M: m, At: momentText(m.At, l), Kind: locale.T(l, "value.request.mail."+m.Kind)})
	}
	evs, err := h.App.RequestEvents(r.Context(), x.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, e := range evs {
		row := eventRow{E: e, At: momentText(e.At, l), Action: locale.T(l, "value.request.event."+e.Action), Note: e.Note}
		if e.To != "" {
			row.To = locale.T(l, "value.request.state."+string(e.To))
		}
		d.Events = append(d.Events, row)
	}
	h.render(w, r, status, "request.html", d)
}

// requestStep runs the step the posted form names on the version the
// page showed: a refusal is shown at that form, a change made meanwhile
// as a conflict.
func (h *Handler) requestStep(w http.ResponseWriter, r *http.Request, id session.Identity) {
	l := lang(r)
	ctx, rid := r.Context(), r.PathValue("id")
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	step := v("step")
	st := app.Step{Action: step, Note: v("note"), Reason: v("reason"), Notify: r.PostFormValue("notify") == "on", Reasons: v("reasons"),
		ToldHow: v("told_how"), User: v("user"), BaseURL: h.PublicURL,
		Redaction: request.Redaction{ID: v("redaction"), System: v("system"), Table: v("table"), Column: v("column"), Row: v("row"), Ground: v("ground")}}
	if s := v("told_at"); s != "" && step == "extend" {
		d, perr := time.ParseInLocation(time.DateOnly, s, request.Berlin)
		if perr != nil {
			h.requestPage(w, r, id, http.StatusUnprocessableEntity, step, locale.T(l, "ui.err.date"), "")
			return
		}
		// The day told, at noon: that day in Berlin, never after now on
		// the day itself.
		st.ToldAt = d.Add(12 * time.Hour)
		if now := h.App.Now(); st.ToldAt.After(now) {
			st.ToldAt = now
		}
	}
	st.Scope = v("scope")
	st.Notice = app.NoticeStep{Recipient: v("recipient"), State: v("notice_state"), How: v("how"), To: v("to")}
	if step == "rectify" {
		// Up to three lines of table, column and correct value; those of
		// one table go together.
		byTable := map[string]*app.Rectification{}
		for i := range 3 {
			n := strconv.Itoa(i)
			sys, table, _ := strings.Cut(v("table"+n), "/")
			col, val := v("column"+n), r.PostFormValue("value"+n)
			if sys == "" || col == "" {
				continue
			}
			fx := byTable[sys+"/"+table]
			if fx == nil {
				fx = &app.Rectification{System: sys, Table: table, Set: map[string]string{}}
				byTable[sys+"/"+table] = fx
			}
			fx.Set[col] = val
		}
		for _, k := range slices.Sorted(maps.Keys(byTable)) {
			st.Fixes = append(st.Fixes, *byTable[k])
		}
	}
	_, err := h.App.DoStep(ctx, rid, version, st)
	switch gdpr.ErrorCode(err) {
	case "":
		if step == "redact" || step == "unredact" {
			// Redactions are made on the draft: back to it.
			http.Redirect(w, r, "/requests/"+rid+"/report?lang="+string(l)+"#redactions", http.StatusSeeOther)
			return
		}
		http.Redirect(w, r, "/requests/"+rid+"?done=saved&lang="+string(l), http.StatusSeeOther)
	case gdpr.ECONFLICT:
		h.requestPage(w, r, id, http.StatusConflict, step, "", gdpr.Localized(err, l))
	case gdpr.EINVALID, gdpr.EUNAVAILABLE:
		h.requestPage(w, r, id, http.StatusUnprocessableEntity, step, gdpr.Localized(err, l), "")
	default:
		h.problem(w, r, err)
	}
}

// IsStale tells a redaction that covers nothing found any more.
func (d reportData) IsStale(id string) bool {
	return slices.ContainsFunc(d.R.Stale, func(x request.Redaction) bool { return x.ID == id })
}

type reportData struct {
	base
	Grounds []string
	R       *app.AccessReport
	Row     requestRow
	Name    string
	Today   string
}

// requestReport compiles the answer to an access request for review: a
// search of the systems (recorded) and the register's words for it.
func (h *Handler) requestReport(w http.ResponseWriter, r *http.Request, id session.Identity) {
	l := lang(r)
	rep, err := h.App.RequestReport(r.Context(), r.PathValue("id"))
	if err != nil {
		h.problem(w, r, err)
		return
	}
	if r.URL.Query().Get("format") == "pdf" {
		attachment(w, "application/pdf", "auskunft-"+rep.Request.ID+".pdf")
		if err := h.App.WriteAccessPDF(w, rep); err != nil {
			h.Log.Error("access pdf", "err", err)
		}
		return
	}
	d := reportData{Grounds: request.RedactGrounds, base: h.base(r, id, "requests"), R: rep, Row: requestRowOf(rep.Request, l), Today: dayText(civilToday(h.App.Now()), l)}
	if len(rep.Data.Vault) > 0 {
		d.Name = rep.Data.Vault[0].Record["name"]
		if d.Name == "" {
			d.Name = rep.Data.Vault[0].Record["email"]
		}
	}
	h.render(w, r, http.StatusOK, "request_report.html", d)
}

func civilToday(now time.Time) time.Time {
	t := now.In(request.Berlin)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// requestPortability downloads the person's portable data (JSON, or a
// zip of CSV files).
func (h *Handler) requestPortability(w http.ResponseWriter, r *http.Request, id session.Identity) {
	p, err := h.App.Portability(r.Context(), r.PathValue("id"))
	if err != nil {
		h.problem(w, r, err)
		return
	}
	name := "daten-" + p.Request
	if r.URL.Query().Get("format") == "csv" {
		attachment(w, "application/zip", name+".zip")
		p.WriteCSV(w)
		return
	}
	attachment(w, "application/json", name+".json")
	p.WriteJSON(w)
}
