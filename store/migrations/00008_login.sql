-- Sign-in throttle and device cookies. The counters live in the store, so
-- that several servers on one database share them: a guess counted by one
-- server counts for all.

-- +goose Up
-- key is "pair:NAME|ADDRESS", "user:NAME", "device:NAME|HASH" or
-- "verify:NAME". refused counts attempts refused since the last audit
-- entry about them (one entry a minute, not one a request). Rows are
-- purged a day after their last failure: the addresses in pair keys are
-- kept no longer than the throttle needs them.
CREATE TABLE login_throttle (
    key          TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    last_failure TEXT NOT NULL,
    refused      INTEGER NOT NULL DEFAULT 0,
    audited_at   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX login_throttle_last ON login_throttle (last_failure);

-- A device cookie names a browser that signed in as a user before; only
-- the SHA-256 of its secret is kept.
CREATE TABLE login_devices (
    id_hash    TEXT PRIMARY KEY,
    user_name  TEXT NOT NULL REFERENCES users (name),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX login_devices_user ON login_devices (user_name);
CREATE INDEX login_devices_expires ON login_devices (expires_at);

-- +goose Down
DROP TABLE login_devices;
DROP TABLE login_throttle;
