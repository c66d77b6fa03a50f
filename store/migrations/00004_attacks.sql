-- Attack log lines kept unredacted for at most seven days (seed 001,
-- "Serverprotokolle"). The line itself is sealed with AES-256-GCM under a
-- key kept outside the database; time, detector and source stay readable
-- so that listing and purging need no key.

-- +goose Up
CREATE TABLE attacks (
    id       TEXT PRIMARY KEY,
    seen_at  TEXT NOT NULL,
    detector TEXT NOT NULL,
    source   TEXT NOT NULL,
    sealed   TEXT NOT NULL
);
CREATE INDEX attacks_seen ON attacks (seen_at);

-- +goose Down
DROP TABLE attacks;
