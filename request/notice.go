package request

import (
	"strings"
	"time"

	"gdpr"
)

// Notice states: the task of telling one recipient of a rectification,
// erasure or restriction (Art. 19 GDPR).
const (
	NoticeOpen      = "open"
	NoticeSent      = "sent"      // told (how: the mail, a letter, the portal of the processor)
	NoticeConfirmed = "confirmed" // the recipient confirmed it carried the change out
	NoticeExempt    = "exempt"    // impossible or a disproportionate effort (Art. 19 sentence 1), with the reason
)

// Notice is the task of telling one recipient.
type Notice struct {
	Recipient string     `json:"recipient"`
	Kind      string     `json:"kind,omitempty"` // the register's recipient kind (processor, external, ...)
	State     string     `json:"state"`
	How       string     `json:"how,omitempty"` // how it was sent, or why it is exempt
	MailID    string     `json:"mail_id,omitempty"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
	Confirmed *time.Time `json:"confirmed_at,omitempty"`
	By        string     `json:"by,omitempty"`
	Changed   time.Time  `json:"changed"`
	Version   int        `json:"version"`
}

// Mark moves a notice to a state at a moment: sent (again, too) from open
// or sent with how it went, confirmed once sent, exempt from open with
// its reason, open again from exempt.
func (n *Notice) Mark(state, how string, at time.Time) error {
	how = strings.TrimSpace(how)
	old := *n
	ok := false
	switch state {
	case NoticeSent:
		ok = n.State == NoticeOpen || n.State == NoticeSent
		if how == "" {
			return gdpr.Keyed(gdpr.EINVALID, "how", "request.notice.how")
		}
		n.SentAt, n.How = &at, how
	case NoticeConfirmed:
		ok = n.State == NoticeSent
		n.Confirmed = &at
	case NoticeExempt:
		ok = n.State == NoticeOpen
		if how == "" {
			return gdpr.Keyed(gdpr.EINVALID, "how", "request.notice.reason")
		}
		n.How = how
	case NoticeOpen:
		ok = n.State == NoticeExempt
		n.How = ""
	default:
		return gdpr.Keyed(gdpr.EINVALID, "state", "request.notice.state", state)
	}
	if !ok {
		*n = old
		return gdpr.Keyed(gdpr.ECONFLICT, "state", "request.notice.from", gdpr.Keyed("", "", "value.notice."+n.State), gdpr.Keyed("", "", "value.notice."+state))
	}
	n.State = state
	return nil
}
