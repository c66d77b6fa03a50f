-- Systems: the company's databases that hold personal data, mapped to
-- activities and retention events (issue 13). The same shape as the other
-- register entries, so that one set of functions lists, writes, revises
-- and restores them.

-- +goose Up
CREATE TABLE systems (
    id            TEXT PRIMARY KEY,
    pos           INTEGER NOT NULL,
    name          TEXT NOT NULL,
    status        TEXT NOT NULL,
    facet         TEXT NOT NULL,
    search        TEXT NOT NULL DEFAULT '',
    department    TEXT NOT NULL DEFAULT '',
    legal_bases   TEXT NOT NULL DEFAULT '',
    third_country TEXT NOT NULL DEFAULT '',
    doc           TEXT NOT NULL,
    version       INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    changed_at    TEXT NOT NULL,
    changed_state BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX systems_pos ON systems (pos);
CREATE INDEX systems_changed_state ON systems (changed_state);

-- +goose Down
DROP TABLE systems;
