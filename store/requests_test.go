package store_test

import (
	"testing"
	"time"

	"gdpr"
	"gdpr/request"
)

// TestRequestStore: a request stored with its first event, changed at
// its version (a stale version is a conflict, nothing written), listed
// by the nearest last day with filters; on both stores.
func TestRequestStore(t *testing.T) {
	for name, s := range engines(t) {
		t.Run(name, func(t *testing.T) {
			ctx := as("user:dsb")
			received := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
			mk := func(id string, kind request.Kind, due string) *request.Request {
				d, _ := time.Parse(time.DateOnly, due)
				r := &request.Request{ID: id, Kind: kind, Channel: request.Email, Received: received, Requester: "s-" + id, Identity: request.IdentityPending,
					State: request.Received, Due: d}
				if err := s.CreateRequest(ctx, r); err != nil {
					t.Fatal(err)
				}
				return r
			}
			a := mk("r-a", request.Access, "2026-02-16")
			mk("r-b", request.Erasure, "2026-02-10")
			mk("r-c", request.Erasure, "2026-03-02")
			a.Identity, a.IdentityNote, a.State = request.IdentityVerified, "Personalausweis vorgelegt", request.Verified
			if err := s.UpdateRequest(ctx, a, 1, request.Event{Action: "identity", From: request.Received, To: request.Verified}); err != nil {
				t.Fatal(err)
			}
			told := time.Date(2026, 2, 10, 12, 0, 0, 0, time.UTC)
			a.Extension = &request.Extension{Due: time.Date(2026, 4, 15, 0, 0, 0, 0, time.UTC), Reasons: "Umfang", ToldAt: told, ToldHow: "E-Mail"}
			a.State = request.Extended
			if err := s.UpdateRequest(ctx, a, 2, request.Event{Action: "extend", From: request.Verified, To: request.Extended}); err != nil {
				t.Fatal(err)
			}
			a.State = request.Answered
			if err := s.UpdateRequest(ctx, a, 2, request.Event{Action: "state"}); gdpr.ErrorCode(err) != gdpr.ECONFLICT {
				t.Fatalf("stale version: %v", err)
			}
			got, err := s.FindRequest(ctx, "r-a")
			if err != nil || got.Version != 3 || got.State != request.Extended || got.IdentityNote != "Personalausweis vorgelegt" || got.Extension == nil ||
				got.Extension.Due.Format(time.DateOnly) != "2026-04-15" || !got.Extension.ToldAt.Equal(told) || got.LastDay().Format(time.DateOnly) != "2026-04-15" ||
				!got.Received.Equal(received) {
				t.Fatalf("stored: %+v %v", got, err)
			}
			evs, err := s.RequestEvents(ctx, "r-a")
			if err != nil || len(evs) != 3 || evs[0].Action != "created" || evs[2].To != request.Extended || evs[1].Actor != "user:dsb" {
				t.Errorf("events: %+v %v", evs, err)
			}
			all, total, _ := s.FindRequests(ctx, request.Filter{})
			if total != 3 || all[0].ID != "r-b" || all[1].ID != "r-c" || all[2].ID != "r-a" {
				t.Errorf("order by last day: %v", ids(all))
			}
			over, _, _ := s.FindRequests(ctx, request.Filter{Open: true, DueBefore: time.Date(2026, 2, 17, 0, 0, 0, 0, time.UTC)})
			if len(over) != 1 || over[0].ID != "r-b" {
				t.Errorf("overdue: %v", ids(over))
			}
			er, n, _ := s.FindRequests(ctx, request.Filter{Kind: request.Erasure, Limit: 1})
			if n != 2 || len(er) != 1 {
				t.Errorf("erasures: %d of %d", len(er), n)
			}
			if _, err := s.FindRequest(ctx, "r-x"); gdpr.ErrorCode(err) != gdpr.ENOTFOUND {
				t.Errorf("unknown: %v", err)
			}
		})
	}
}

func ids(rs []*request.Request) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}
