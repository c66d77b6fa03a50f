-- The consent ledger's outbox and its webhooks. A job is written in the
-- transaction of the step it follows (a sign-up's confirmation mail, a
-- webhook's call), so that it is done at least once, also after a crash,
-- and the step never waits for a mail server. Its payload is sealed under
-- the person's key (base64): erasing the person closes it.

-- +goose Up
CREATE TABLE consent_jobs (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    target        TEXT NOT NULL,
    signup        TEXT NOT NULL,
    subject       TEXT NOT NULL,
    purpose       TEXT NOT NULL,
    event         TEXT NOT NULL DEFAULT '',
    sealed        TEXT NOT NULL DEFAULT '',
    due_at        TEXT NOT NULL,
    claimed_until TEXT NOT NULL DEFAULT '',
    attempts      INTEGER NOT NULL DEFAULT 0,
    error         TEXT NOT NULL DEFAULT '',
    failed_at     TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL
);
CREATE INDEX consent_jobs_due ON consent_jobs (failed_at, due_at);
-- (No index by sign-up: only the CLI claims by it, among the few due.)

-- A webhook: the URL, the events and purposes it is told of, its secret
-- wrapped under the vault's KEK (never readable in the database).
CREATE TABLE consent_hooks (
    id         TEXT PRIMARY KEY,
    url        TEXT NOT NULL,
    events     TEXT NOT NULL,
    purposes   TEXT NOT NULL DEFAULT '',
    kek_id     TEXT NOT NULL,
    wrapped    TEXT NOT NULL,
    actor      TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- The day the account a purpose's consents belong to was closed: the
-- event a keep rule "as long as the account exists" runs from.
ALTER TABLE consent_purposes ADD COLUMN closed_at TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE consent_purposes DROP COLUMN closed_at;
DROP TABLE consent_hooks;
DROP TABLE consent_jobs;
