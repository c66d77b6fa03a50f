package request

import (
	"testing"
	"time"

	"gdpr"
)

func TestNoticeMark(t *testing.T) {
	at := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		from, to, how, code string
	}{
		{NoticeOpen, NoticeSent, "E-Mail an den Auftragsverarbeiter", ""},
		{NoticeOpen, NoticeSent, "", gdpr.EINVALID},
		{NoticeSent, NoticeSent, "erneut per Brief", ""},
		{NoticeSent, NoticeConfirmed, "", ""},
		{NoticeOpen, NoticeConfirmed, "", gdpr.ECONFLICT},
		{NoticeConfirmed, NoticeSent, "noch einmal", gdpr.ECONFLICT},
		{NoticeOpen, NoticeExempt, "Empfänger aufgelöst", ""},
		{NoticeOpen, NoticeExempt, " ", gdpr.EINVALID},
		{NoticeSent, NoticeExempt, "zu spät", gdpr.ECONFLICT},
		{NoticeExempt, NoticeOpen, "", ""},
		{NoticeSent, NoticeOpen, "", gdpr.ECONFLICT},
		{NoticeOpen, "lost", "", gdpr.EINVALID},
	} {
		n := Notice{Recipient: "Versanddienstleister", State: c.from}
		err := n.Mark(c.to, c.how, at)
		if gdpr.ErrorCode(err) != c.code {
			t.Errorf("%s → %s (%q): %v, want %q", c.from, c.to, c.how, err, c.code)
			continue
		}
		if err == nil && (n.State != c.to || c.to == NoticeSent && (n.SentAt == nil || n.How != c.how) || c.to == NoticeConfirmed && n.Confirmed == nil) {
			t.Errorf("%s → %s: %+v", c.from, c.to, n)
		}
	}
}
