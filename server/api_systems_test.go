package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"gdpr/app"
	"gdpr/auth"
)

// TestSystemScanAPI: the demo's shop database scanned through the API
// finds the personal columns by their values, says which the register
// maps, and answers no value.
func TestSystemScanAPI(t *testing.T) {
	srv := newServer(t)
	resp, raw := call(t, "POST", srv.URL+"/api/v1/systems/shop-datenbank/scan?lang=de", `{"sample":200}`, srv.tokens[auth.Editor])
	b := string(raw)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scan: %d %s", resp.StatusCode, b)
	}
	if strings.Contains(b, "@example.org") || strings.Contains(b, "203.0.113.") {
		t.Error("the scan answered a value")
	}
	var res app.ScanResult
	if err := json.Unmarshal([]byte(b), &res); err != nil {
		t.Fatal(err)
	}
	found := map[string]string{}
	mapped := map[string]string{}
	for _, tb := range res.Tables {
		for _, c := range tb.Columns {
			if c.Match != nil {
				found[tb.Name+"."+c.Name] = string(c.Match.Category)
				mapped[tb.Name+"."+c.Name] = c.Mapped
			}
		}
	}
	for col, cat := range map[string]string{"customers.email": "email", "customers.phone": "phone", "customers.city": "address",
		"customers.street": "address", "customers.name": "name", "access_log.ip": "ip"} {
		if found[col] != cat {
			t.Errorf("%s: found %q, want %s", col, found[col], cat)
		}
	}
	for _, col := range []string{"products.product_name", "access_log.path", "customers.id"} {
		if found[col] != "" {
			t.Errorf("%s taken for %s", col, found[col])
		}
	}
	if mapped["customers.email"] != "E-Mail-Adressen" || mapped["customers.phone"] != "" || res.Unmapped == 0 {
		t.Errorf("what the register maps: %v (unmapped %d)", mapped, res.Unmapped)
	}
	if resp, _ := call(t, "POST", srv.URL+"/api/v1/systems/shop-datenbank/scan", `{}`, srv.tokens[auth.Auditor]); resp.StatusCode != http.StatusForbidden {
		t.Errorf("an auditor scanned: %d", resp.StatusCode)
	}
}
