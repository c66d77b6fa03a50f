package app

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"gdpr"
	"gdpr/audit"
	"gdpr/auth"
	"gdpr/locale"
	"gdpr/request"
)

// NoticeStore keeps the Art. 19 tasks.
type NoticeStore interface {
	EnsureNotices(ctx context.Context, id string, ns []request.Notice) error
	Notices(ctx context.Context, id string) ([]request.Notice, error)
	UpdateNotice(ctx context.Context, id string, n *request.Notice, version int) error
}

// Notices are the tasks of telling the recipients of a request's change
// (Art. 19 GDPR): one a recipient the register names for the activities
// whose tables the receipts changed, internal ones left out; a task made
// once stays, with its state.
func (a *App) Notices(ctx context.Context, id string) ([]request.Notice, error) {
	ns, ok := a.store.(NoticeStore)
	if !ok {
		return nil, nil
	}
	rps, err := a.Art19Recipients(ctx, id)
	if err != nil {
		return nil, err
	}
	have, err := ns.Notices(ctx, id)
	if err != nil {
		return nil, err
	}
	var missing []request.Notice
	for _, rp := range rps {
		if !slices.ContainsFunc(have, func(n request.Notice) bool { return n.Recipient == rp.Name }) {
			missing = append(missing, request.Notice{Recipient: rp.Name, Kind: string(rp.Kind)})
		}
	}
	if len(missing) == 0 {
		return have, nil
	}
	if _, err := a.require(ctx, auth.Write, audit.RequestUpdate, id); err != nil {
		// A reader sees the tasks made so far.
		return have, nil
	}
	if err := ns.EnsureNotices(ctx, id, missing); err != nil {
		return nil, err
	}
	return ns.Notices(ctx, id)
}

// NoticeStep is one step on an Art. 19 task.
type NoticeStep struct {
	Recipient string
	// State: sent (How says how), confirmed, exempt (How says why), open;
	// or "mail": the engine mails the notice to To (the recipient's
	// address, not kept) and marks it sent.
	State string
	How   string
	To    string
}

// MarkNotice moves an Art. 19 task on, on the request at version (the
// request's version moves on too, with an event in its history). "mail"
// sends the notice: which request, what was done (the receipts' actions
// per table) and the person's e-mail address, so that the recipient can
// find the person; the message as sent is sealed in the vault, its proof
// kept with the request's mails.
func (a *App) MarkNotice(ctx context.Context, id string, version int, st NoticeStep) (*request.Request, error) {
	if _, err := a.require(ctx, auth.Write, audit.RequestUpdate, id); err != nil {
		return nil, err
	}
	ns, ok := a.store.(NoticeStore)
	if !ok {
		return nil, gdpr.Keyed(gdpr.EINTERNAL, "", "request.nostore")
	}
	r, err := a.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.Version != version {
		return nil, a.record(ctx, audit.RequestUpdate, id, gdpr.Keyed(gdpr.ECONFLICT, "version", "conflict.stale.request", id, version, r.Version))
	}
	all, err := a.Notices(ctx, id)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(all, func(n request.Notice) bool { return n.Recipient == st.Recipient })
	if i < 0 {
		return nil, a.record(ctx, audit.RequestUpdate, id, gdpr.Keyed(gdpr.ENOTFOUND, "recipient", "notfound.notice", st.Recipient))
	}
	n := all[i]
	state, how := st.State, st.How
	if state == "mail" {
		if _, err := a.require(ctx, auth.Subjects, audit.RequestMail, id); err != nil {
			return nil, err
		}
		to := strings.TrimSpace(st.To)
		if to == "" || !strings.Contains(to, "@") {
			return nil, a.record(ctx, audit.RequestUpdate, id, gdpr.Keyed(gdpr.EINVALID, "to", "request.notice.to"))
		}
		if n.State != request.NoticeOpen && n.State != request.NoticeSent {
			return nil, a.record(ctx, audit.RequestUpdate, id, gdpr.Keyed(gdpr.ECONFLICT, "state", "request.notice.from", gdpr.Keyed("", "", "value.notice."+n.State), gdpr.Keyed("", "", "value.notice.sent")))
		}
		m, err := a.mailNotice(ctx, r, n, to)
		if err != nil {
			return nil, err
		}
		state, how, n.MailID = request.NoticeSent, request.ToldByMail, m.MessageID
	}
	prev := n.Version
	if err := n.Mark(state, how, a.now()); err != nil {
		return nil, a.record(ctx, audit.RequestUpdate, id, err)
	}
	if err := ns.UpdateNotice(ctx, id, &n, prev); err != nil {
		return nil, a.record(ctx, audit.RequestUpdate, id, err)
	}
	return a.change(ctx, id, version, func(*request.Request, request.Period) (request.Event, error) {
		return request.Event{Action: "notice"}, nil
	})
}

// mailNotice writes the Art. 19 notice to a recipient, in German (the
// recipients are companies the controller works with): the reference,
// what was done table by table, and the person's e-mail address.
func (a *App) mailNotice(ctx context.Context, r *request.Request, n request.Notice, to string) (request.Mail, error) {
	rcs, err := a.Receipts(ctx, r.ID)
	if err != nil {
		return request.Mail{}, err
	}
	l := locale.DE
	var done []string
	for _, rc := range rcs {
		switch rc.Action {
		case request.ReceiptErased, request.ReceiptAnonymised, request.ReceiptFlagged, request.ReceiptRestricted, request.ReceiptRectified:
			line := fmt.Sprintf("- %s/%s: %s", rc.System, rc.Table, locale.T(l, "value.receipt."+rc.Action))
			if rc.Action == request.ReceiptRectified && rc.Ground != "" {
				line += " (" + rc.Ground + ")"
			}
			done = append(done, line)
		}
	}
	return a.sendRequestMail(ctx, r, request.MailArt19, "de", to, map[string]string{"Recipient": n.Recipient, "Kind": locale.T(l, "value.request.kind."+string(r.Kind)),
		"Article": r.Kind.Article(), "Done": strings.Join(done, "\n")})
}
