package server_test

import (
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"gdpr/demo"
)

// BenchmarkPortalEnumeration: can a stranger tell from the self-service
// page whether an address is a customer's? Requests for the demo shop's
// customers (in its database) and for addresses nobody has alternate, each
// from a client and an address of its own (the limits stay out of it),
// each a whole round trip: the form, the post, the request registered, the
// confirmation mailed through Mailpit (-benchtime 5x: 200 of each).
// It reports the medians and the 95th
// percentiles of both and their ratios (1.00: no difference), and fails if
// a page differs in anything but its form token.
func BenchmarkPortalEnumeration(b *testing.B) {
	srv, _ := portalServer(b)
	db, err := sql.Open("sqlite", os.Getenv(demo.ShopEnv))
	if err != nil {
		b.Fatal(err)
	}
	var known []string
	rows, err := db.Query(`SELECT email FROM customers ORDER BY id`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var e string
		rows.Scan(&e)
		known = append(known, e)
	}
	rows.Close()
	db.Close()
	n := min(len(known), 100)
	var tk, tu []time.Duration
	var pageK, pageU string
	strip := func(s string) string { return portalCSRFField.ReplaceAllString(s, "") }
	post := func(i int, email string) (time.Duration, string) {
		c := &http.Client{Jar: newJar()}
		client := fmt.Sprintf("10.%d.%d.%d", i/65536%256, i/256%256, i%256)
		req, _ := http.NewRequest("GET", srv.URL+"/privacy", nil)
		req.Header.Set("X-Forwarded-For", client)
		start := time.Now()
		resp, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		m := portalCSRFField.FindStringSubmatch(readAll(resp))
		form := url.Values{"kind": {"access"}, "email": {email}, "csrf": {m[1]}}
		req, _ = http.NewRequest("POST", srv.URL+"/privacy", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", client)
		resp, err = c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		page := readAll(resp)
		d := time.Since(start)
		if resp.StatusCode != 200 {
			b.Fatalf("%s: %d", email, resp.StatusCode)
		}
		return d, strip(page)
	}
	b.ResetTimer()
	for round := range b.N {
		for i := range n {
			// Which goes first alternates: a warm cache favours neither.
			k, u := 2*(round*n+i), 2*(round*n+i)+1
			if i%2 == 1 {
				k, u = u, k
			}
			d, p := post(k, known[i])
			tk, pageK = append(tk, d), p
			d, p = post(u, fmt.Sprintf("niemand-%d-%d@example.org", i, time.Now().UnixNano()))
			tu, pageU = append(tu, d), p
			if pageK != pageU {
				b.Fatalf("the page differs for %s and an unknown address", known[i])
			}
		}
	}
	b.StopTimer()
	q := func(ds []time.Duration, p float64) time.Duration {
		s := slices.Clone(ds)
		slices.Sort(s)
		return s[int(p*float64(len(s)-1))]
	}
	mk, mu, pk, pu := q(tk, 0.5), q(tu, 0.5), q(tk, 0.95), q(tu, 0.95)
	b.ReportMetric(float64(mk.Microseconds())/1000, "known-p50-ms")
	b.ReportMetric(float64(mu.Microseconds())/1000, "unknown-p50-ms")
	b.ReportMetric(float64(mk)/float64(mu), "p50-ratio")
	b.ReportMetric(float64(pk)/float64(pu), "p95-ratio")
	b.Logf("%d known and %d unknown addresses: p50 %v vs %v (%.2f×), p95 %v vs %v (%.2f×)", len(tk), len(tu), mk, mu, float64(mk)/float64(mu), pk, pu, float64(pk)/float64(pu))
}
