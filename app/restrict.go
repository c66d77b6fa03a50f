package app

import (
	"context"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"gdpr"
	"gdpr/audit"
	"gdpr/auth"
	"gdpr/connector"
	"gdpr/register"
	"gdpr/request"
	"gdpr/suppression"
	"gdpr/sweep"
	"gdpr/vault"
)

// SuppressionStore keeps the suppression list.
type SuppressionStore interface {
	AddSuppressions(ctx context.Context, es []suppression.Entry) error
	Suppressed(ctx context.Context, keyID string, hash []byte) ([]suppression.Entry, error)
	SuppressionHashes(ctx context.Context, keyID string, scopes []string) (map[string][]suppression.Entry, error)
}

// objectable tells an activity an objection reaches without naming it:
// one resting on Art. 6(1)(e) or (f) GDPR (Art. 21(1)) or serving direct
// marketing (Art. 21(2)), in the spellings registers use.
var objectable = regexp.MustCompile(`(?i)6\s*(\(1\)|abs\.?\s*1)\s*(\(|lit\.?\s*|buchst\.?\s*)?[ef]\b|berechtigte[sn]? interesse|legitimate interest|öffentliche[nr]? interesse|public interest|werbung|direktwerbung|newsletter|marketing`)

// consentBased tells an activity resting on consent (Art. 6(1)(a), 9(2)(a)).
var consentBased = regexp.MustCompile(`(?i)6\s*(\(1\)|abs\.?\s*1)\s*(\(|lit\.?\s*|buchst\.?\s*)?a\b|9\s*(\(2\)|abs\.?\s*2)\s*(\(|lit\.?\s*)?a\b|einwilligung|consent`)

// reaches tells whether a request of kind with scope (an activity's id,
// or "" for all it can reach) covers an activity.
func reaches(kind request.Kind, scope string, act *register.Activity) bool {
	if act == nil {
		// A table found by a foreign key that the register does not map:
		// only a restriction of everything reaches it.
		return kind == request.Restriction && scope == ""
	}
	if scope != "" {
		return act.ID == scope
	}
	text := strings.Join(act.LegalBases, " ") + " " + strings.Join(act.Purposes, " ") + " " + act.Name
	switch kind {
	case request.Objection:
		return objectable.MatchString(text)
	case request.Withdrawal:
		return consentBased.MatchString(strings.Join(act.LegalBases, " "))
	}
	return true
}

// RestrictRequest carries out a restriction (Art. 18), an objection
// (Art. 21) or a withdrawal of consent (Art. 7(3)): the person's rows in
// the tables of the activities it reaches (scope: one activity's id, or
// all the right reaches — every activity for a restriction, those resting
// on Art. 6(1)(e) or (f) or serving direct marketing for an objection,
// those resting on consent for a withdrawal) are marked restricted in the
// table's restriction column, a receipt each ("kept" with the ground where
// a table has no such column: the application must be told by hand); and
// the person's identifiers go on the suppression list for the scope, so
// that a sweep restricts rows of the person that arrive later and the
// consent ledger refuses to mail the address.
func (a *App) RestrictRequest(ctx context.Context, id, scope string) (*EraseResult, error) {
	kinds := []request.Kind{request.Restriction, request.Objection, request.Withdrawal}
	ex, err := a.execute(ctx, id, kinds, nil, func(ex *execution, c connector.Conn, s *connector.Schema, x *register.System, ft FoundTable, begin func(request.Receipt) error) (request.Receipt, error) {
		t, _ := x.Table(ft.Table)
		act := (*register.Activity)(nil)
		if t != nil {
			act = ex.acts[t.Activity]
		}
		if !reaches(ex.r.Kind, scope, act) {
			return request.Receipt{System: x.ID, Table: ft.Table, Action: request.ReceiptUntouched, Rows: int64(len(ft.Rows)), Ground: "restrict.outside", At: ex.now}, nil
		}
		return a.restrictTable(ex, c, s, x, t, ft, begin)
	})
	if err != nil {
		return ex.result(), err
	}
	if scope != "" && ex.acts[scope] == nil {
		return ex.res, a.record(ctx, audit.RequestErase, id, gdpr.Keyed(gdpr.EINVALID, "scope", "notfound.activity", scope))
	}
	reason := map[request.Kind]string{request.Restriction: suppression.Restriction, request.Objection: suppression.Objection, request.Withdrawal: suppression.Withdrawal}[ex.r.Kind]
	if !ex.had("vault", "suppressions") {
		n, err := a.suppress(ctx, ex.r, scope, reason)
		if err != nil {
			return ex.res, err
		}
		if err := ex.add(request.Receipt{System: "vault", Table: "suppressions", Action: request.ReceiptSuppressed, Rows: int64(n), Ground: scope, At: ex.now}); err != nil {
			return ex.res, err
		}
	}
	return ex.res, nil
}

// restrictTable marks the person's rows of a table restricted.
func (a *App) restrictTable(ex *execution, c connector.Conn, s *connector.Schema, x *register.System, t *register.Table, ft FoundTable, begin func(request.Receipt) error) (request.Receipt, error) {
	rc := request.Receipt{System: x.ID, Table: ft.Table, At: ex.now, Rows: int64(len(ft.Rows))}
	ct, ok := s.Table(ft.Table)
	if !ok || len(ct.PrimaryKey) == 0 || len(ft.Keys) == 0 {
		rc.Action, rc.Ground = request.ReceiptKept, "erase.nokey"
		return rc, nil
	}
	rc.Keys = sweep.KeyHash(ft.Keys)
	if t == nil || t.Restricted == "" || !hasColumn(ct, t.Restricted) {
		rc.Action, rc.Ground = request.ReceiptKept, "restrict.nocolumn"
		return rc, nil
	}
	if err := begin(request.Receipt{System: rc.System, Table: rc.Table, Action: request.ReceiptRestricted, Rows: rc.Rows, Keys: rc.Keys, At: ex.now, RowKeys: ft.Keys}); err != nil {
		return rc, err
	}
	// The rows now restricted are the person's rows found: an engine
	// that counts only the rows whose value changed (MariaDB) would count
	// none of those marked before.
	if _, err := c.Update(ex.ctx, ft.Table, ct.PrimaryKey, ft.Keys, nil, map[string]any{t.Restricted: restrictValue(ct, t.Restricted, ex.now)}); err != nil {
		return rc, gdpr.Keyed(gdpr.EUNAVAILABLE, "", "system.connect", x.ID, err)
	}
	rc.Action, rc.Rows = request.ReceiptRestricted, int64(len(ft.Keys))
	return rc, nil
}

// suppress puts the requester's identifiers (e-mail address, telephone,
// customer number) on the suppression list for a scope; how many.
func (a *App) suppress(ctx context.Context, r *request.Request, scope, reason string) (int, error) {
	ss, ok := a.store.(SuppressionStore)
	if !ok {
		return 0, gdpr.Keyed(gdpr.EINTERNAL, "", "request.nostore")
	}
	_, keys, err := a.vaultReady()
	if err != nil {
		return 0, err
	}
	p, err := a.openSubject(ctx, r.Requester)
	if err != nil {
		return 0, err
	}
	var es []suppression.Entry
	for _, f := range slices.Sorted(func(yield func(string) bool) {
		for f := range p.Record {
			if !yield(f) {
				return
			}
		}
	}) {
		k, ok := indexedFields[f]
		if !ok || p.Record[f] == "" {
			continue
		}
		h, err := keys.Index.Hash(k, p.Record[f])
		if err != nil {
			continue
		}
		es = append(es, suppression.Entry{KeyID: keys.Index.ID(), Hash: h, Kind: k, Scope: scope, Reason: reason, Request: r.ID})
	}
	return len(es), ss.AddSuppressions(ctx, es)
}

// Suppressed tells whether an identifier is on the suppression list for
// an activity ("" asks for any entry), and why; a lookup by blind index,
// recorded without the value.
func (a *App) Suppressed(ctx context.Context, kind vault.Kind, value, activity string) ([]suppression.Entry, error) {
	if _, err := a.require(ctx, auth.Read, audit.SubjectLookup, "suppression"); err != nil {
		return nil, err
	}
	ss, ok := a.store.(SuppressionStore)
	if !ok {
		return nil, gdpr.Keyed(gdpr.EINTERNAL, "", "request.nostore")
	}
	_, keys, err := a.vaultReady()
	if err != nil {
		return nil, err
	}
	var out []suppression.Entry
	for _, ix := range []*vault.Indexer{keys.Index, keys.OlderIndex} {
		if ix == nil {
			continue
		}
		h, err := ix.Hash(kind, value)
		if err != nil {
			return nil, gdpr.Keyed(gdpr.EINVALID, "value", "vault.value.kind", string(kind), gdpr.Keyed(gdpr.EINVALID, "", "vault.kind."+string(kind)))
		}
		es, err := ss.Suppressed(ctx, ix.ID(), h)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			if activity == "" || suppression.Covers(e.Scope, activity) {
				out = append(out, e)
			}
		}
	}
	return out, nil
}

// Rectification is one table's corrected values (Art. 16): column → the
// value the person's rows get.
type Rectification struct {
	System string            `json:"system"`
	Table  string            `json:"table"`
	Set    map[string]string `json:"set"`
}

// RectifyRequest corrects the person's data (Art. 16): in each table
// named, the person's rows get the values given (checked against the
// table's columns; a key column is not changed). A receipt per table
// names the columns changed and counts the rows, never a value; the values
// themselves go to the company's database only.
func (a *App) RectifyRequest(ctx context.Context, id string, fixes []Rectification) (*EraseResult, error) {
	if len(fixes) == 0 {
		return nil, a.record(ctx, audit.RequestErase, id, gdpr.Keyed(gdpr.EINVALID, "set", "request.rectify.empty"))
	}
	want := map[[2]string]Rectification{}
	for _, f := range fixes {
		if f.System == "" || f.Table == "" || len(f.Set) == 0 {
			return nil, a.record(ctx, audit.RequestErase, id, gdpr.Keyed(gdpr.EINVALID, "set", "request.rectify.empty"))
		}
		want[[2]string{f.System, f.Table}] = f
	}
	seen := map[[2]string]bool{}
	ex, err := a.execute(ctx, id, []request.Kind{request.Rectification}, func(ft FoundTable) bool {
		_, ok := want[[2]string{ft.System, ft.Table}]
		seen[[2]string{ft.System, ft.Table}] = seen[[2]string{ft.System, ft.Table}] || ok
		return ok
	}, func(ex *execution, c connector.Conn, s *connector.Schema, x *register.System, ft FoundTable, begin func(request.Receipt) error) (request.Receipt, error) {
		f := want[[2]string{x.ID, ft.Table}]
		rc := request.Receipt{System: x.ID, Table: ft.Table, At: ex.now}
		ct, ok := s.Table(ft.Table)
		if !ok || len(ct.PrimaryKey) == 0 || len(ft.Keys) == 0 {
			rc.Action, rc.Ground = request.ReceiptKept, "erase.nokey"
			return rc, nil
		}
		set := map[string]any{}
		var cols []string
		for col, v := range f.Set {
			if !hasColumn(ct, col) {
				return rc, gdpr.Keyed(gdpr.EINVALID, "set", "finding.live-column-missing", ft.Table, col)
			}
			if slices.Contains(ct.PrimaryKey, col) {
				return rc, gdpr.Keyed(gdpr.EINVALID, "set", "request.rectify.key", col)
			}
			set[col] = v
			cols = append(cols, col)
		}
		sort.Strings(cols)
		rc.Keys, rc.Ground = sweep.KeyHash(ft.Keys), strings.Join(cols, ", ")
		if err := begin(request.Receipt{System: rc.System, Table: rc.Table, Action: request.ReceiptRectified, Rows: int64(len(ft.Keys)), Keys: rc.Keys, Ground: rc.Ground, At: ex.now, RowKeys: ft.Keys}); err != nil {
			return rc, err
		}
		n, err := c.Update(ex.ctx, ft.Table, ct.PrimaryKey, ft.Keys, nil, set)
		if err != nil {
			return rc, gdpr.Keyed(gdpr.EUNAVAILABLE, "", "system.connect", x.ID, err)
		}
		rc.Action, rc.Rows = request.ReceiptRectified, n
		return rc, nil
	})
	if err != nil {
		return ex.result(), err
	}
	for k := range want {
		if !seen[k] && !ex.had(k[0], k[1]) {
			return ex.res, a.record(ctx, audit.RequestErase, id, gdpr.Keyed(gdpr.EINVALID, "table", "request.rectify.notfound", k[0], k[1]))
		}
	}
	return ex.res, nil
}

// kindOfReason is the right behind a reason of the list.
var kindOfReason = map[string]request.Kind{suppression.Objection: request.Objection, suppression.Withdrawal: request.Withdrawal, suppression.Restriction: request.Restriction}

// vaultKinds maps the kinds of identifier a subject-key column holds to
// the vault's.
var vaultKinds = map[string]vault.Kind{"email": vault.KindEmail, "phone": vault.KindPhone, "iban": vault.KindIBAN, "customer_id": vault.KindID}

// restrictSuppressed keeps an objection, a withdrawal or a restriction
// true over time: the rows of a table that a person on the suppression
// list has there now — an order placed since, an import that brought the
// address back — and that are not restricted yet are marked restricted
// in the table's restriction column, when an entry reaches the table's
// activity. The subject-key columns are read (key and identifier only)
// and their values' blind indexes compared with the list; one audit entry
// counts the rows and hashes their keys. A table without a restriction
// column, or an engine without vault keys, is left as it is. Returns the
// rows restricted (in a dry run: that would be).
func (a *App) restrictSuppressed(ctx context.Context, c connector.Conn, x *register.System, t *register.Table, ct *connector.Table, act *register.Activity, now time.Time, dry bool) (int64, error) {
	ss, ok := a.store.(SuppressionStore)
	if !ok || t.Restricted == "" || !hasColumn(ct, t.Restricted) || len(ct.PrimaryKey) == 0 || a.vault.Index == nil {
		return 0, nil
	}
	var cols []string
	var kinds []vault.Kind
	for _, col := range t.SubjectKey {
		if hasColumn(ct, col) && !slices.Contains(ct.PrimaryKey, col) {
			cols, kinds = append(cols, col), append(kinds, vaultKinds[identifierKind(t, col)])
		}
	}
	if len(cols) == 0 {
		return 0, nil
	}
	list, err := ss.SuppressionHashes(ctx, a.vault.Index.ID(), []string{suppression.All, act.ID})
	if err != nil || len(list) == 0 {
		return 0, err
	}
	reached := func(es []suppression.Entry) bool {
		return slices.ContainsFunc(es, func(e suppression.Entry) bool { return reaches(kindOfReason[e.Reason], e.Scope, act) })
	}
	unrestricted := connector.Not(&connector.Cond{Op: connector.OpSet, Col: t.Restricted})
	var total int64
	var after []any
	for {
		rows, err := c.Select(ctx, ct.Name, ct.PrimaryKey, unrestricted, after, connector.MaxBatch, cols...)
		if err != nil {
			return total, gdpr.Keyed(gdpr.EUNAVAILABLE, "", "system.connect", x.ID, err)
		}
		var keys [][]any
		for _, row := range rows {
			k := row[:len(ct.PrimaryKey)]
			for i, v := range row[len(ct.PrimaryKey):] {
				if v == nil {
					continue
				}
				h, err := a.vault.Index.Hash(kinds[i], connector.Text(v))
				if err != nil {
					continue
				}
				if es := list[hex.EncodeToString(h)]; len(es) > 0 && reached(es) {
					keys = append(keys, k)
					break
				}
			}
		}
		if len(keys) > 0 && !dry {
			n, err := c.Update(ctx, ct.Name, ct.PrimaryKey, keys, unrestricted, map[string]any{t.Restricted: restrictValue(ct, t.Restricted, now)})
			if err != nil {
				return total, gdpr.Keyed(gdpr.EUNAVAILABLE, "", "system.connect", x.ID, err)
			}
			a.audit(ctx, audit.Entry{Action: audit.SweepBatch, Target: x.ID + "/" + ct.Name, Outcome: audit.OK,
				Detail: fmt.Sprintf("restricted rows %d of %d suppression-list keys sha256:%s", n, len(keys), sweep.KeyHash(keys))})
			total += n
		} else {
			total += int64(len(keys))
		}
		if len(rows) < connector.MaxBatch {
			return total, nil
		}
		after = rows[len(rows)-1][:len(ct.PrimaryKey)]
	}
}
