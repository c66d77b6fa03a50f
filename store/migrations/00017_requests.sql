-- Data-subject requests (Art. 15-22 GDPR): what was asked, by whom (a
-- vault subject: the name and address are sealed there), where it stands
-- and by when it must be answered. Their events are the request's history;
-- a note's text is sealed in the vault too (note_subject), as it may name
-- people.

-- +goose Up
CREATE TABLE requests (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    channel       TEXT NOT NULL,
    received_at   TEXT NOT NULL,
    requester     TEXT NOT NULL,
    identity      TEXT NOT NULL,
    identity_note TEXT NOT NULL DEFAULT '',
    state         TEXT NOT NULL,
    assignee      TEXT NOT NULL DEFAULT '',
    due           TEXT NOT NULL,
    ext_due       TEXT,
    ext_reasons   TEXT NOT NULL DEFAULT '',
    ext_told_at   TEXT,
    ext_told_how  TEXT NOT NULL DEFAULT '',
    reason        TEXT NOT NULL DEFAULT '',
    lang          TEXT NOT NULL DEFAULT 'de',
    closed_at     TEXT,
    created_at    TEXT NOT NULL,
    changed_at    TEXT NOT NULL,
    version       INTEGER NOT NULL
);
CREATE INDEX requests_open ON requests (state, due);
CREATE INDEX requests_received ON requests (received_at);

CREATE TABLE request_events (
    id           TEXT PRIMARY KEY,
    request_id   TEXT NOT NULL,
    version      INTEGER NOT NULL,
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    from_state   TEXT NOT NULL DEFAULT '',
    to_state     TEXT NOT NULL DEFAULT '',
    note_subject TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX request_events_request ON request_events (request_id, version);

-- The mails about a request, as proof: when, its Message-ID, the SMTP
-- server's answer; the message itself (it names the person) sealed in the
-- vault (raw_subject).
CREATE TABLE request_mails (
    id          TEXT PRIMARY KEY,
    request_id  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    sent_at     TEXT NOT NULL,
    response    TEXT NOT NULL,
    raw_subject TEXT NOT NULL DEFAULT ''
);
CREATE INDEX request_mails_request ON request_mails (request_id, sent_at);

-- Single-use links of the self-service page (confirm a request): only the
-- SHA-256 of the token is kept, with its end and its use.
CREATE TABLE request_tokens (
    hash       TEXT PRIMARY KEY,
    request_id TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);

-- What an erasure did, table by table (the receipt): erased, anonymised,
-- restricted or kept with its legal ground and until when, or nothing
-- found. One a table: a run that died resumes with the tables not yet
-- done. Counts, grounds and a hash of the rows' keys, never a value.
CREATE TABLE request_receipts (
    request_id TEXT NOT NULL,
    system_id  TEXT NOT NULL,
    tbl        TEXT NOT NULL,
    action     TEXT NOT NULL,
    rows_count INTEGER NOT NULL,
    also_rows  INTEGER NOT NULL DEFAULT 0, -- rows of a restricted table that went
    until      TEXT NOT NULL DEFAULT '',
    ground     TEXT NOT NULL DEFAULT '',
    keys_hash  TEXT NOT NULL DEFAULT '',
    -- pending: written before the rows change, with their keys; done:
    -- after, without them (a run that died leaves it pending).
    state      TEXT NOT NULL DEFAULT 'done',
    row_keys   TEXT,
    done_at    TEXT NOT NULL,
    PRIMARY KEY (request_id, system_id, tbl)
);

-- The answer as released, sealed under the person's own key: erasing the
-- person erases it.
CREATE TABLE request_answers (
    request_id  TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    sealed      TEXT NOT NULL, -- base64
    released_at TEXT NOT NULL
);

-- +goose Down
DROP TABLE request_answers;
DROP TABLE request_receipts;
DROP TABLE request_tokens;
DROP TABLE request_mails;
DROP TABLE request_events;
DROP TABLE requests;
