package server_test

import (
	"encoding/json"
	"strings"
	"testing"

	"gdpr/auth"
)

// TestSubjectsAPI: an application stores a person, finds them by a
// differently written address, reads, changes (naming the version) and
// erases them; the app token reads nothing of the register; no value
// reaches the server's log or /metrics.
func TestSubjectsAPI(t *testing.T) {
	srv := newServer(t)
	tok := srv.tokens[auth.App]
	resp, body := call(t, "POST", srv.URL+"/api/v1/subjects", `{"record":{"email":"Gisela.Beispiel@Müller.de","phone":"0521 998877","name":"Gisela Beispiel"}}`, tok)
	var ref struct {
		ID      string `json:"id"`
		Version int    `json:"version"`
	}
	if resp.StatusCode != 201 || json.Unmarshal(body, &ref) != nil || ref.ID == "" {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	resp, body = call(t, "POST", srv.URL+"/api/v1/subjects/lookup", `{"kind":"email","value":"gisela.beispiel@xn--mller-kva.de"}`, tok)
	if resp.StatusCode != 200 || !strings.Contains(string(body), ref.ID) {
		t.Errorf("lookup: %d %s", resp.StatusCode, body)
	}
	resp, body = call(t, "GET", srv.URL+"/api/v1/subjects/"+ref.ID, "", tok)
	if resp.StatusCode != 200 || resp.Header.Get("ETag") != `"1"` || !strings.Contains(string(body), "Gisela Beispiel") || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("get: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	if resp, _ := call(t, "PUT", srv.URL+"/api/v1/subjects/"+ref.ID, `{"record":{"name":"G. Beispiel"}}`, tok); resp.StatusCode != 428 {
		t.Errorf("a change without If-Match: %d", resp.StatusCode)
	}
	if resp, _ := call(t, "PUT", srv.URL+"/api/v1/subjects/"+ref.ID, `{"record":{"name":"G. Beispiel"}}`, tok, "If-Match", `"1"`); resp.StatusCode != 200 {
		t.Errorf("change: %d", resp.StatusCode)
	}
	if resp, _ := call(t, "PUT", srv.URL+"/api/v1/subjects/"+ref.ID, `{"record":{"name":"veraltet"}}`, tok, "If-Match", `"1"`); resp.StatusCode != 409 {
		t.Errorf("a stale change: %d", resp.StatusCode)
	}
	if resp, body := call(t, "POST", srv.URL+"/api/v1/subjects", `{"record":{"phone":"bitte anrufen"}}`, tok); resp.StatusCode != 400 || !strings.Contains(string(body), "Telefonnummer") {
		t.Errorf("a phone field without a number: %d %s", resp.StatusCode, body)
	}
	if resp, _ := call(t, "GET", srv.URL+"/api/v1/activities", "", tok); resp.StatusCode != 403 {
		t.Errorf("the app token read the register: %d", resp.StatusCode)
	}
	if resp, _ := call(t, "GET", srv.URL+"/api/v1/subjects/"+ref.ID, "", srv.tokens[auth.Auditor]); resp.StatusCode != 403 {
		t.Errorf("an auditor read a person: %d", resp.StatusCode)
	}
	if resp, _ := call(t, "DELETE", srv.URL+"/api/v1/subjects/"+ref.ID, "", tok); resp.StatusCode != 204 {
		t.Errorf("shred: %d", resp.StatusCode)
	}
	resp, body = call(t, "GET", srv.URL+"/api/v1/subjects/"+ref.ID, "", tok)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"shredded":true`) || strings.Contains(string(body), "Beispiel") {
		t.Errorf("after shredding: %d %s", resp.StatusCode, body)
	}
	_, metrics := call(t, "GET", srv.URL+"/metrics", "", srv.tokens[auth.Admin])
	for _, v := range []string{"Gisela", "Beispiel", "998877", "mller"} {
		if strings.Contains(srv.logs.String(), v) || strings.Contains(string(metrics), v) {
			t.Errorf("%q in the server log or /metrics", v)
		}
	}
}
