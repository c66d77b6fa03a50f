-- Attack log lines kept unredacted for at most seven days (seed 001,
-- "Serverprotokolle"). The line itself is sealed with AES-256-GCM under a
-- key kept outside the database; time, detector and source stay readable
-- so that listing and purging need no key.

-- The id begins with the time seen (fixed-width UTC), so the primary key
-- orders by time and serves the purge; no second index slows the inserts.

-- +goose Up
CREATE TABLE attacks (
    id       TEXT PRIMARY KEY,
    seen_at  TEXT NOT NULL,
    detector TEXT NOT NULL,
    source   TEXT NOT NULL,
    sealed   TEXT NOT NULL
);

-- +goose Down
DROP TABLE attacks;
