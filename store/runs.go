package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"gdpr/run"
)

// BeginRun records a run as it starts.
func (s *Store) BeginRun(ctx context.Context, r run.Run) error {
	p, err := json.Marshal(r.Progress)
	if err != nil {
		return fmt.Errorf("run progress: %w", err)
	}
	_, err = s.w.ExecContext(ctx, s.q(`INSERT INTO runs (id, kind, system_id, actor, started_at, updated_at, state, progress) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
		r.ID, string(r.Kind), r.System, r.Actor, fmtTime(r.Started), fmtTime(r.Started), string(run.Running), string(p))
	return translate(err, "begin run")
}

// ProgressRun reports how far a running run is (and that it lives).
func (s *Store) ProgressRun(ctx context.Context, id string, p run.Progress) error {
	b, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("run progress: %w", err)
	}
	_, err = s.w.ExecContext(ctx, s.q(`UPDATE runs SET progress = ?, updated_at = ? WHERE id = ? AND state = ?`),
		string(b), fmtTime(s.now()), id, string(run.Running))
	return translate(err, "run progress")
}

// FinishRun records how a run ended: its state, last progress, result
// and error key.
func (s *Store) FinishRun(ctx context.Context, r run.Run) error {
	p, err := json.Marshal(r.Progress)
	if err != nil {
		return fmt.Errorf("run progress: %w", err)
	}
	var result any
	if len(r.Result) > 0 {
		result = string(r.Result)
	}
	errText := ""
	if r.Error != "" {
		b, _ := json.Marshal(append([]string{r.Error}, r.ErrorArgs...))
		errText = string(b)
	}
	now := fmtTime(s.now())
	_, err = s.w.ExecContext(ctx, s.q(`UPDATE runs SET state = ?, progress = ?, result = ?, error = ?, updated_at = ?, finished_at = ? WHERE id = ?`),
		string(r.State), string(p), result, errText, now, now, r.ID)
	return translate(err, "finish run")
}

// FindRun returns one run.
func (s *Store) FindRun(ctx context.Context, id string) (run.Run, error) {
	rs, err := s.runs(ctx, `WHERE id = ?`, 1, id)
	if err != nil {
		return run.Run{}, err
	}
	if len(rs) == 0 {
		return run.Run{}, notFound("run", id)
	}
	return rs[0], nil
}

// FindRuns lists runs, newest first.
func (s *Store) FindRuns(ctx context.Context, f run.Filter) ([]run.Run, error) {
	where, args := `WHERE 1 = 1`, []any{}
	if f.Kind != "" {
		where, args = where+` AND kind = ?`, append(args, string(f.Kind))
	}
	if f.System != "" {
		where, args = where+` AND system_id = ?`, append(args, f.System)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 20
	}
	return s.runs(ctx, where, min(limit, 200), args...)
}

func (s *Store) runs(ctx context.Context, where string, limit int, args ...any) ([]run.Run, error) {
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT id, kind, system_id, actor, started_at, updated_at, finished_at, state, progress, result, error FROM runs `+
		where+fmt.Sprintf(` ORDER BY started_at DESC, id DESC LIMIT %d`, limit)), args...)
	if err != nil {
		return nil, translate(err, "runs")
	}
	defer rows.Close()
	var out []run.Run
	for rows.Next() {
		var r run.Run
		var kind, state, started, updated, progress, errText string
		var finished, result sql.NullString
		if err := rows.Scan(&r.ID, &kind, &r.System, &r.Actor, &started, &updated, &finished, &state, &progress, &result, &errText); err != nil {
			return nil, translate(err, "runs")
		}
		r.Kind, r.State = run.Kind(kind), run.State(state)
		r.Started, _ = parseTime(started)
		r.Updated, _ = parseTime(updated)
		if finished.Valid {
			if t, err := parseTime(finished.String); err == nil {
				r.Finished = &t
			}
		}
		if err := json.Unmarshal([]byte(progress), &r.Progress); err != nil {
			return nil, fmt.Errorf("run %s progress: %w", r.ID, err)
		}
		if result.Valid {
			r.Result = json.RawMessage(result.String)
		}
		// The error: its key and arguments.
		var e []string
		if errText != "" && json.Unmarshal([]byte(errText), &e) == nil && len(e) > 0 {
			r.Error, r.ErrorArgs = e[0], e[1:]
		}
		out = append(out, r)
	}
	return out, translate(rows.Err(), "runs")
}
