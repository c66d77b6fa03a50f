package consent

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"net/url"
	"strings"
	"time"

	"gdpr"
	"gdpr/register"
	"gdpr/retention"
)

// ImportRow is one consent of a file from another tool, as read: the
// address, the sign-up's facts as the tool kept them (seed 003's ten:
// sign-up id, mode, form URL, both IPs, both times, fields and lists,
// subscriber id), and whether it was withdrawn since.
type ImportRow struct {
	Line       int
	Email      string
	Name       string
	Signup     string // the tool's id of the sign-up
	Subscriber string // the tool's id of the subscriber
	Mode       Mode
	FormURL    string
	IP         string // of the sign-up
	ConfirmIP  string
	At         time.Time // of the sign-up
	Confirmed  time.Time
	Withdrawn  time.Time
	Lists      []string
	Fields     []string
}

// Import bounds: a file of more rows is to be split (the rows are held
// until the whole file is read: nothing is written from a file with an
// error in it).
const (
	MaxImportRows  = 200_000
	maxImportField = 2000
)

// columns maps a header, folded (lower case, letters and digits only), to
// the field it fills: the German names of the tools that keep seed 003's
// facts, listmonk's export (uuid, email, name, status, created_at) and
// Mailchimp's audience export (Email Address, OPTIN_TIME, OPTIN_IP,
// CONFIRM_TIME, CONFIRM_IP, UNSUB_TIME, LEID).
var columns = map[string]string{
	"email": "email", "emailadresse": "email", "emailaddress": "email", "mail": "email", "adresse": "email",
	"name": "name", "vorname": "first", "firstname": "first", "nachname": "last", "lastname": "last",
	"iddesinternenanmeldevorgangs": "signup", "anmeldeid": "signup", "anmeldevorgang": "signup", "signupid": "signup", "signup": "signup",
	"abonnentenid": "subscriber", "subscriberid": "subscriber", "uuid": "subscriber", "leid": "subscriber", "euid": "subscriber",
	"modus": "mode", "modusdessetups": "mode", "mode": "mode", "optinmode": "mode", "verfahren": "mode",
	"url": "url", "formularurl": "url", "urldesanmeldeformulars": "url", "urlvonderdasanmeldeformularabgesendetwurde": "url", "formurl": "url", "sourceurl": "url",
	"ipderanmeldung": "ip", "ipvonderdasformularabgesendetwurde": "ip", "optinip": "ip", "signupip": "ip", "ip": "ip",
	"ipdesbestätigungsklicks":                  "confirmip",
	"ipvonderderbestätigungslinkgeklicktwurde": "confirmip", "confirmip": "confirmip",
	"zeitpunktderanmeldung": "at", "anmeldezeitpunkt": "at", "optintime": "at", "createdat": "at", "signuptime": "at", "angemeldetam": "at",
	"zeitpunktderbestätigung": "confirmed", "bestätigtam": "confirmed", "confirmtime": "confirmed", "confirmedat": "confirmed",
	"zeitpunktderabmeldung": "withdrawn", "abgemeldetam": "withdrawn", "unsubtime": "withdrawn", "unsubscribedat": "withdrawn",
	"listen": "lists", "lists": "lists", "liste": "lists", "tags": "lists",
	"felder": "fields", "abgefragtefelder": "fields", "fields": "fields",
	"imformularabgefragteabonnentenfelderundlisten": "fieldslists",
	"status": "status",
}

// fold is a header as the columns name it: lower case, letters and digits
// only (register.FoldWords, without its spaces).
func fold(h string) string { return strings.ReplaceAll(register.FoldWords(h), " ", "") }

// ReadImport reads a file of consents (CSV with a header; comma,
// semicolon or tab). Every error names the file, the line and the
// column; a file with one comes back with no rows.
func ReadImport(r io.Reader, name string) ([]ImportRow, error) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(4096)
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	cr := csv.NewReader(br)
	cr.Comma = sniff(head)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	cr.LazyQuotes = false
	bad := func(line int, field, key string, args ...any) error {
		return gdpr.Keyed(gdpr.EINVALID, field, "consent.import.row", name, line, gdpr.Keyed(gdpr.EINVALID, field, key, args...))
	}
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, bad(1, "", "consent.import.empty")
		}
		return nil, bad(1, "", "consent.import.csv")
	}
	idx := map[string]int{}
	names := map[string]string{}
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff")
		}
		if f, ok := columns[fold(h)]; ok {
			if _, dup := idx[f]; !dup {
				idx[f], names[f] = i, strings.TrimSpace(h)
			}
		}
	}
	if _, ok := idx["email"]; !ok {
		return nil, bad(1, "email", "consent.import.noemail")
	}
	// A Mailchimp file gives UTC; the German tools' files local time.
	loc := retention.Berlin
	if _, ok := idx["at"]; ok && fold(header[idx["at"]]) == "optintime" {
		loc = time.UTC
	}
	var out []ImportRow
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			return nil, bad(line, "", "consent.import.csv")
		}
		line, _ := cr.FieldPos(0)
		get := func(f string) string {
			i, ok := idx[f]
			if !ok || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		if len(out) >= MaxImportRows {
			return nil, bad(line, "", "consent.import.rows", MaxImportRows)
		}
		for f := range idx {
			if len(get(f)) > maxImportField {
				return nil, bad(line, names[f], "consent.import.long", maxImportField)
			}
		}
		row := ImportRow{Line: line, Email: get("email"), Signup: get("signup"), Subscriber: get("subscriber"), FormURL: get("url"), IP: get("ip"), ConfirmIP: get("confirmip")}
		if row.Email == "" || !strings.Contains(row.Email, "@") {
			return nil, bad(line, names["email"], "consent.import.email")
		}
		row.Name = get("name")
		if row.Name == "" {
			row.Name = strings.TrimSpace(get("first") + " " + get("last"))
		}
		for _, t := range []struct {
			f   string
			dst *time.Time
		}{{"at", &row.At}, {"confirmed", &row.Confirmed}, {"withdrawn", &row.Withdrawn}} {
			if v := get(t.f); v != "" {
				at, ok := parseImportTime(v, loc)
				if !ok {
					return nil, bad(line, names[t.f], "consent.import.time", v)
				}
				*t.dst = at
			}
		}
		if row.At.IsZero() {
			return nil, bad(line, names["at"], "consent.import.noat")
		}
		if row.FormURL != "" {
			if u, err := url.Parse(row.FormURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") {
				return nil, bad(line, names["url"], "consent.formurl")
			}
		}
		switch m := fold(get("mode")); {
		case m == "":
			row.Mode = SOI
			if !row.Confirmed.IsZero() {
				row.Mode = DOI
			}
		case strings.HasPrefix(m, "double") || m == "doi":
			row.Mode = DOI
		case strings.HasPrefix(m, "confirmed") || m == "coi":
			row.Mode = COI
		case strings.HasPrefix(m, "single") || m == "soi":
			row.Mode = SOI
		default:
			return nil, bad(line, names["mode"], "consent.mode", get("mode"))
		}
		switch st := fold(get("status")); st {
		case "", "enabled", "subscribed", "confirmed", "aktiv", "active":
		case "unsubscribed", "blocklisted", "blacklisted", "disabled", "abgemeldet", "cleaned":
			if row.Withdrawn.IsZero() {
				row.Withdrawn = row.At
			}
		default:
			return nil, bad(line, names["status"], "consent.import.status", get("status"))
		}
		row.Lists = splitCell(get("lists"))
		row.Fields = splitCell(get("fields"))
		if both := splitCell(get("fieldslists")); len(both) > 0 {
			row.Fields = NormaliseList(append(row.Fields, both...))
		}
		out = append(out, row)
	}
	if len(out) == 0 {
		return nil, bad(2, "", "consent.import.empty")
	}
	return out, nil
}

func parseImportTime(v string, loc *time.Location) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, true
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05", "02.01.2006 15:04:05", "02.01.2006 15:04", "2006-01-02", "02.01.2006",
		"2006-01-02 15:04:05.999999-07:00", "2006-01-02 15:04:05-07:00", "2006-01-02 15:04:05.999999-07"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// splitCell reads a cell of several names ("A, B", "A|B", "A;B").
func splitCell(s string) []string {
	return NormaliseList(strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '|' || r == ';' }))
}

// sniff picks the separator of a CSV file from its first line.
func sniff(head []byte) rune {
	line, _, _ := bytes.Cut(head, []byte("\n"))
	best, n := ',', bytes.Count(line, []byte(","))
	for _, c := range []rune{';', '\t'} {
		if k := bytes.Count(line, []byte(string(c))); k > n {
			best, n = c, k
		}
	}
	return best
}
