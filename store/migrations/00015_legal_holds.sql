-- Legal holds (Löschsperren): rows of a company's table a sweep must keep,
-- named by a column and a value, with a reason and an end. The value is
-- personal (a customer number, an e-mail address): it lives in the vault,
-- sealed; the hold keeps the subject's id only. Lifting a hold erases it.

-- +goose Up
CREATE TABLE legal_holds (
    id         TEXT PRIMARY KEY,
    system_id  TEXT NOT NULL,
    tbl        TEXT NOT NULL,
    col        TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    reason     TEXT NOT NULL,
    until      TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    lifted_at  TEXT
);
CREATE INDEX legal_holds_table ON legal_holds (system_id, tbl);

-- +goose Down
DROP TABLE legal_holds;
