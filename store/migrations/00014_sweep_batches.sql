-- A sweep's batches while they run: the keys of the rows a batch is about
-- to delete, anonymise or flag in a company's database, written before it
-- does. A batch whose run died (kill -9, a lost connection) is found here
-- on the next run, which checks which of its rows are gone and writes its
-- protocol entry, so that the Löschprotokoll adds up. A finished batch
-- keeps no keys: its protocol entry in the audit log holds their hash.

-- +goose Up
CREATE TABLE sweep_batches (
    id         TEXT PRIMARY KEY,
    system_id  TEXT NOT NULL,
    tbl        TEXT NOT NULL,
    action     TEXT NOT NULL,
    rule       TEXT NOT NULL,
    keys       TEXT,
    planned    INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX sweep_batches_table ON sweep_batches (system_id, tbl);

-- +goose Down
DROP TABLE sweep_batches;
