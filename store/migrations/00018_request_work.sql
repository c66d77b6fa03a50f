-- The work on a request after its data is found: what staff withhold from
-- the copy (Art. 15(4) GDPR), the recipients to tell of an erasure,
-- rectification or restriction (Art. 19), the suppression list an
-- objection or a withdrawal fills (by blind index, never the address), and
-- the mail templates admins edit.

-- +goose Up
-- A redaction names a table, a column ('' = every column) and a row by the
-- hash of its key ('' = every row); its ground is a code, not a text, so
-- that it names no third party.
CREATE TABLE request_redactions (
    id         TEXT PRIMARY KEY,
    request_id TEXT NOT NULL,
    system_id  TEXT NOT NULL,
    tbl        TEXT NOT NULL,
    col        TEXT NOT NULL DEFAULT '',
    row_key    TEXT NOT NULL DEFAULT '',
    ground     TEXT NOT NULL,
    actor      TEXT NOT NULL,
    at         TEXT NOT NULL
);
CREATE INDEX request_redactions_request ON request_redactions (request_id);

-- One task a recipient of an affected activity: open, sent (how, and the
-- mail's proof when the engine sent it), confirmed by the recipient.
CREATE TABLE request_notices (
    request_id   TEXT NOT NULL,
    recipient    TEXT NOT NULL,
    kind         TEXT NOT NULL DEFAULT '',
    state        TEXT NOT NULL,
    how          TEXT NOT NULL DEFAULT '',
    mail_id      TEXT NOT NULL DEFAULT '',
    sent_at      TEXT,
    confirmed_at TEXT,
    actor        TEXT NOT NULL DEFAULT '',
    changed_at   TEXT NOT NULL,
    version      INTEGER NOT NULL,
    PRIMARY KEY (request_id, recipient)
);

-- The suppression list: the blind index (HMAC) of an identifier of a
-- person who objected (Art. 21) or withdrew a consent (Art. 7(3)), for an
-- activity ('' = every activity that rests on Art. 6(1)(e) or (f) or
-- serves direct marketing). Nothing here decrypts to the address.
CREATE TABLE suppressions (
    key_id     TEXT NOT NULL, -- the index key the hash was made with
    hash       TEXT NOT NULL, -- hex
    kind       TEXT NOT NULL,
    scope      TEXT NOT NULL DEFAULT '',
    reason     TEXT NOT NULL,
    request_id TEXT NOT NULL DEFAULT '',
    actor      TEXT NOT NULL,
    at         TEXT NOT NULL,
    PRIMARY KEY (key_id, hash, scope)
);

-- Mail templates an admin changed; a kind and language without a row
-- uses the built-in text.
CREATE TABLE mail_templates (
    kind       TEXT NOT NULL,
    lang       TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    actor      TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    version    INTEGER NOT NULL,
    PRIMARY KEY (kind, lang)
);

-- +goose Down
DROP TABLE mail_templates;
DROP TABLE suppressions;
DROP TABLE request_notices;
DROP TABLE request_redactions;
