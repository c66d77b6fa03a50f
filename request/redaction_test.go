package request

import (
	"errors"
	"testing"

	"gdpr"
)

func TestRedactionCovers(t *testing.T) {
	cell := Redaction{System: "shop", Table: "tickets", Column: "text", Row: "r1", Ground: RedactThirdParty}
	column := Redaction{System: "shop", Table: "tickets", Column: "text", Ground: RedactThirdParty}
	row := Redaction{System: "shop", Table: "tickets", Row: "r1", Ground: RedactThirdParty}
	table := Redaction{System: "shop", Table: "tickets", Ground: RedactSecurity}
	for _, c := range []struct {
		x                     Redaction
		system, table, col, r string
		want                  bool
	}{
		{cell, "shop", "tickets", "text", "r1", true},
		{cell, "shop", "tickets", "text", "r2", false},
		{cell, "shop", "tickets", "id", "r1", false},
		{column, "shop", "tickets", "text", "r2", true},
		{column, "shop", "tickets", "id", "r2", false},
		{row, "shop", "tickets", "id", "r1", true},
		{row, "shop", "tickets", "id", "r2", false},
		{table, "shop", "tickets", "anything", "r9", true},
		{table, "shop", "orders", "text", "r1", false},
		{table, "crm", "tickets", "text", "r1", false},
	} {
		if got := c.x.Covers(c.system, c.table, c.col, c.r); got != c.want {
			t.Errorf("%+v covers %s/%s/%s/%s = %v", c.x, c.system, c.table, c.col, c.r, got)
		}
	}
	for _, c := range []struct {
		x     Redaction
		field string
	}{
		{Redaction{Table: "t", Ground: RedactThirdParty}, "system"},
		{Redaction{System: "s", Ground: RedactThirdParty}, "table"},
		{Redaction{System: "s", Table: "t", Ground: "because"}, "ground"},
		{Redaction{System: "s", Table: "t"}, "ground"},
		{Redaction{System: "s", Table: "t", Ground: RedactTradeSecret}, ""},
	} {
		err := c.x.Validate()
		var ge *gdpr.Error
		if c.field == "" && err != nil || c.field != "" && (!errors.As(err, &ge) || ge.Code != gdpr.EINVALID || ge.Field != c.field) {
			t.Errorf("%+v: %v", c.x, err)
		}
	}
}
