-- Runs of sweeps and scans: who started one, how far it is, how it ended.
-- A running run reports after each batch (updated_at); one that stopped
-- reporting died. The result holds counts and table names, never a row.

-- +goose Up
CREATE TABLE runs (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    system_id   TEXT NOT NULL,
    actor       TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    finished_at TEXT,
    state       TEXT NOT NULL,
    progress    TEXT NOT NULL,
    result      TEXT,
    error       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX runs_started ON runs (started_at);

-- +goose Down
DROP TABLE runs;
