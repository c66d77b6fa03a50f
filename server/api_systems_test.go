package server_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"gdpr/app"
	"gdpr/auth"
	"gdpr/run"
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

// TestSweepRunsAPI: a sweep started in the background answers 202 with
// its run, which ends done with the rows it changed; a second one while a
// sweep runs is a conflict; a run that stopped reporting shows aborted and
// blocks nothing; the scan API records its run too.
func TestSweepRunsAPI(t *testing.T) {
	srv := newServer(t)
	admin := srv.tokens[auth.Admin]
	resp, raw := call(t, "POST", srv.URL+"/api/v1/sweep", `{"background":true}`, admin)
	var rn run.Run
	if err := json.Unmarshal(raw, &rn); err != nil || resp.StatusCode != http.StatusAccepted || resp.Header.Get("Location") != "/api/v1/runs/"+rn.ID || rn.State != run.Running {
		t.Fatalf("background sweep: %d %s", resp.StatusCode, raw)
	}
	for deadline := time.Now().Add(30 * time.Second); rn.State == run.Running && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		_, raw = call(t, "GET", srv.URL+"/api/v1/runs/"+rn.ID, "", srv.tokens[auth.Auditor])
		json.Unmarshal(raw, &rn)
	}
	var res app.SweepResult
	json.Unmarshal(rn.Result, &res)
	if rn.State != run.Done || rn.Actor != "token:admin" && !strings.HasPrefix(rn.Actor, "token:") || rn.Progress.Done != 235 || len(res.Tables) != 2 || res.Tables[0].Done != 235 {
		t.Fatalf("the run: %s", raw)
	}
	// A sweep reporting now blocks a second; one silent for 11 minutes
	// does not (it is taken for aborted).
	now := srv.app.Now()
	if err := srv.store.BeginRun(t.Context(), run.Run{ID: "live", Kind: run.Sweep, Actor: "user:other", Started: now, State: run.Running}); err != nil {
		t.Fatal(err)
	}
	resp, raw = call(t, "POST", srv.URL+"/api/v1/sweep", `{"background":true}`, admin)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(string(raw), "user:other") {
		t.Errorf("second sweep: %d %s", resp.StatusCode, raw)
	}
	srv.store.FinishRun(t.Context(), run.Run{ID: "live", State: run.Done})
	if err := srv.store.BeginRun(t.Context(), run.Run{ID: "dead", Kind: run.Sweep, Actor: "user:other", Started: now.Add(-11 * time.Minute), State: run.Running}); err != nil {
		t.Fatal(err)
	}
	_, raw = call(t, "GET", srv.URL+"/api/v1/runs?kind=sweep", "", srv.tokens[auth.Auditor])
	var rs []run.Run
	json.Unmarshal(raw, &rs)
	states := map[string]run.State{}
	for _, r := range rs {
		states[r.ID] = r.State
	}
	if states["dead"] != run.Aborted || states[rn.ID] != run.Done || len(states) != 3 {
		t.Errorf("runs: %v", states)
	}
	if resp, raw := call(t, "POST", srv.URL+"/api/v1/sweep", `{"background":true}`, admin); resp.StatusCode != http.StatusAccepted {
		t.Errorf("after an aborted run: %d %s", resp.StatusCode, raw)
	}
	// An editor may not start one, nor name a kind that is none.
	if resp, _ := call(t, "POST", srv.URL+"/api/v1/sweep", `{"background":true}`, srv.tokens[auth.Editor]); resp.StatusCode != http.StatusForbidden {
		t.Errorf("editor: %d", resp.StatusCode)
	}
	if resp, _ := call(t, "GET", srv.URL+"/api/v1/runs?kind=backup", "", srv.tokens[auth.Auditor]); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("kind=backup: %d", resp.StatusCode)
	}
	srv.app.WaitBackground(t.Context())
	// A scan is a run of its system.
	call(t, "POST", srv.URL+"/api/v1/systems/shop-datenbank/scan", `{}`, srv.tokens[auth.Editor])
	_, raw = call(t, "GET", srv.URL+"/api/v1/runs?kind=scan&system=shop-datenbank&limit=1", "", srv.tokens[auth.Auditor])
	rs = nil
	json.Unmarshal(raw, &rs)
	var sum app.ScanSummary
	if len(rs) != 1 || json.Unmarshal(rs[0].Result, &sum) != nil || rs[0].State != run.Done || sum.Personal == 0 || !slices.Contains(sum.Proposals, "newsletter_subscribers") {
		t.Errorf("scan runs: %s", raw)
	}
}
