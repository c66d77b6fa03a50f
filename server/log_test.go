package server_test

import (
	"database/sql"
	"encoding/json"
	"strings"
	"testing"

	"gdpr/audit"
	"gdpr/auth"
)

// TestLogAPI: the checkpoint and the check for every reader, a proof for
// admins only, and a rewrite in the database shows in the check, naming
// the entry.
func TestLogAPI(t *testing.T) {
	srv := newServer(t)
	resp, body := call(t, "GET", srv.URL+"/api/v1/audit/checkpoint", "", srv.tokens[auth.Auditor])
	var head audit.Head
	if resp.StatusCode != 200 || json.Unmarshal(body, &head) != nil || !strings.HasPrefix(head.Checkpoint, audit.Origin+"\n") {
		t.Fatalf("checkpoint: %d %s", resp.StatusCode, body)
	}
	verify := func(body string) (res struct {
		audit.Result
		SchemaChanges []audit.Entry `json:"schema_changes"`
	}) {
		t.Helper()
		resp, b := call(t, "POST", srv.URL+"/api/v1/audit/verify", body, srv.tokens[auth.Auditor])
		if resp.StatusCode != 200 || json.Unmarshal(b, &res) != nil {
			t.Fatalf("verify: %d %s", resp.StatusCode, b)
		}
		return res
	}
	saved, _ := json.Marshal(map[string]any{"checkpoints": []string{head.Checkpoint}})
	if res := verify(string(saved)); res.Count != 0 || res.Leaves < head.Size {
		t.Fatalf("verify: %+v", res)
	}
	if resp, _ := call(t, "GET", srv.URL+"/api/v1/audit/proofs/activity/kundenverwaltung/1", "", srv.tokens[auth.Editor]); resp.StatusCode != 403 {
		t.Errorf("an editor's proof: %d", resp.StatusCode)
	}
	resp, body = call(t, "GET", srv.URL+"/api/v1/audit/proofs/activity/kundenverwaltung/1", "", srv.tokens[auth.Admin])
	var p audit.Proof
	if resp.StatusCode != 200 || json.Unmarshal(body, &p) != nil || p.Revision == nil {
		t.Fatalf("proof: %d %s", resp.StatusCode, body)
	}
	if resp, _ := call(t, "GET", srv.URL+"/api/v1/audit/proofs/activity/keine/1", "", srv.tokens[auth.Admin]); resp.StatusCode != 404 {
		t.Errorf("proof of nothing: %d", resp.StatusCode)
	}
	if resp, _ := call(t, "POST", srv.URL+"/api/v1/audit/verify", `{"checkpoints":[`+strings.Repeat(`"x",`, 80000)+`"x"]}`, srv.tokens[auth.Auditor]); resp.StatusCode != 413 {
		t.Errorf("an oversized check: %d", resp.StatusCode)
	}
	db, err := sql.Open("sqlite", srv.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{`DROP TRIGGER revisions_no_update`, `UPDATE revisions SET actor = 'jemand' WHERE entity = 'activity' AND entity_id = 'kundenverwaltung' AND version = 1`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	res := verify(string(saved))
	found := false
	for _, pr := range res.Problems {
		found = found || pr.Kind == audit.ProblemChanged && pr.Ref == "activity/kundenverwaltung/1"
	}
	if !found {
		t.Fatalf("the rewrite is not reported: %+v", res)
	}
}
