package request

import (
	"slices"
	"time"

	"gdpr"
)

// Redaction grounds: why data of the copy is withheld. Art. 15(4) GDPR
// protects the rights and freedoms of others (a third party named in a
// row, a colleague's note); recital 63 names trade secrets and
// intellectual property; § 34(1) with § 33(1) BDSG the security of the
// systems (a fraud score's inputs, an internal password hint). A ground,
// not a free text: the reason is told to the person and must not itself
// name the third party.
const (
	RedactThirdParty  = "third_party"
	RedactTradeSecret = "trade_secret"
	RedactSecurity    = "security"
)

// RedactGrounds lists the grounds.
var RedactGrounds = []string{RedactThirdParty, RedactTradeSecret, RedactSecurity}

// Redaction withholds part of the copy of the data (Art. 15(3)) before it
// is released: a column of a table (Column), a row (Row: the hash of its
// key), one cell (both), or a whole table (neither).
type Redaction struct {
	ID     string    `json:"id"`
	System string    `json:"system"`
	Table  string    `json:"table"`
	Column string    `json:"column,omitempty"`
	Row    string    `json:"row,omitempty"`
	Ground string    `json:"ground"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

// Validate checks a redaction before it is kept.
func (x Redaction) Validate() error {
	switch {
	case x.System == "":
		return gdpr.Keyed(gdpr.EINVALID, "system", "error.required")
	case x.Table == "":
		return gdpr.Keyed(gdpr.EINVALID, "table", "error.required")
	case !slices.Contains(RedactGrounds, x.Ground):
		return gdpr.Keyed(gdpr.EINVALID, "ground", "request.redact.ground")
	}
	return nil
}

// Covers tells whether the redaction withholds the cell of a column in the
// row whose key hashes to row.
func (x Redaction) Covers(system, table, column, row string) bool {
	return x.System == system && x.Table == table &&
		(x.Column == "" || x.Column == column) && (x.Row == "" || x.Row == row)
}
