package cli

import (
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"gdpr"
	"gdpr/mail"
)

// mailSettings are the SMTP flags, shared by the commands that mail and
// gdpr serve.
type mailSettings struct {
	host, security, user, passwordFile, from, fromName, remindTo string
	port                                                         int
	remindDays                                                   []int
}

func mailFlags(root *cobra.Command, e *env) {
	f := root.PersistentFlags()
	port, _ := strconv.Atoi(os.Getenv("GDPR_SMTP_PORT"))
	f.StringVar(&e.mail.host, "smtp-host", os.Getenv("GDPR_SMTP_HOST"), "SMTP server for mails to requesters and reminders (env GDPR_SMTP_HOST; none: no mails)")
	f.IntVar(&e.mail.port, "smtp-port", port, "SMTP port (env GDPR_SMTP_PORT; default 587, 465 with tls, 25 with none)")
	f.StringVar(&e.mail.security, "smtp-tls", envOr("GDPR_SMTP_TLS", "starttls"), "starttls (required), tls or none (only to a server on this machine) (env GDPR_SMTP_TLS)")
	f.StringVar(&e.mail.user, "smtp-user", os.Getenv("GDPR_SMTP_USER"), "SMTP user (env GDPR_SMTP_USER)")
	f.StringVar(&e.mail.passwordFile, "smtp-password-file", os.Getenv("GDPR_SMTP_PASSWORD_FILE"), "file (mode 0600) with the SMTP password (env GDPR_SMTP_PASSWORD_FILE, or the password in GDPR_SMTP_PASSWORD)")
	f.StringVar(&e.mail.from, "mail-from", os.Getenv("GDPR_MAIL_FROM"), "sender address of the mails (env GDPR_MAIL_FROM)")
	f.StringVar(&e.mail.fromName, "mail-from-name", os.Getenv("GDPR_MAIL_FROM_NAME"), "sender name shown in mails (env GDPR_MAIL_FROM_NAME)")
	f.StringVar(&e.mail.remindTo, "remind-to", os.Getenv("GDPR_REMIND_TO"), "mailbox for the requests' deadline reminders (env GDPR_REMIND_TO)")
	var days []int
	for _, d := range strings.Split(os.Getenv("GDPR_REMIND_DAYS"), ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(d)); err == nil && n >= 0 {
			days = append(days, n)
		}
	}
	f.IntSliceVar(&e.mail.remindDays, "remind-days", days, "days before a request's last day on which it is reminded (env GDPR_REMIND_DAYS; default 7,3,1; and each day it is overdue)")
}

// sender is the mail sender the flags describe; nil without a host.
func (e *env) sender() (mail.Sender, error) {
	m := e.mail
	if m.host == "" {
		return nil, nil
	}
	pw := os.Getenv("GDPR_SMTP_PASSWORD")
	if m.passwordFile != "" {
		fi, err := os.Stat(m.passwordFile)
		if err != nil {
			return nil, gdpr.Keyed(gdpr.EINVALID, "smtp-password-file", "cli.wrap", "--smtp-password-file", err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			return nil, gdpr.Keyed(gdpr.EINVALID, "smtp-password-file", "cli.secret.mode", m.passwordFile)
		}
		b, err := os.ReadFile(m.passwordFile)
		if err != nil {
			return nil, gdpr.Keyed(gdpr.EINVALID, "smtp-password-file", "cli.wrap", "--smtp-password-file", err)
		}
		pw = strings.TrimSpace(string(b))
	}
	s, err := mail.New(mail.Config{Host: m.host, Port: m.port, Security: mail.Security(m.security), User: m.user, Password: pw,
		From: m.from, FromName: m.fromName}, e.now)
	if err != nil {
		return nil, err
	}
	return s, nil
}
