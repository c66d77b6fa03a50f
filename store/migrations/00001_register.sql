-- The register: one row of header data, one table per entry kind, and the
-- immutable revision log. Portable SQL: the same file runs on SQLite and
-- PostgreSQL. Entries keep their full domain object as JSON (doc) next to
-- the columns that are filtered and sorted on.

-- +goose Up
CREATE TABLE register_info (
    id         INTEGER PRIMARY KEY,
    doc        TEXT NOT NULL,
    version    INTEGER NOT NULL,
    changed_at TEXT NOT NULL
);

CREATE TABLE activities (
    id         TEXT PRIMARY KEY,
    pos        INTEGER NOT NULL,
    name       TEXT NOT NULL,
    status     TEXT NOT NULL,
    facet      TEXT NOT NULL,
    doc        TEXT NOT NULL,
    version    INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    changed_at TEXT NOT NULL
);
CREATE INDEX activities_pos ON activities (pos);
CREATE INDEX activities_status ON activities (status);

CREATE TABLE measures (
    id         TEXT PRIMARY KEY,
    pos        INTEGER NOT NULL,
    name       TEXT NOT NULL,
    status     TEXT NOT NULL,
    facet      TEXT NOT NULL,
    doc        TEXT NOT NULL,
    version    INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    changed_at TEXT NOT NULL
);
CREATE INDEX measures_pos ON measures (pos);
CREATE INDEX measures_status ON measures (status);

CREATE TABLE documents (
    id         TEXT PRIMARY KEY,
    pos        INTEGER NOT NULL,
    name       TEXT NOT NULL,
    status     TEXT NOT NULL,
    facet      TEXT NOT NULL,
    doc        TEXT NOT NULL,
    version    INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    changed_at TEXT NOT NULL
);
CREATE INDEX documents_pos ON documents (pos);

CREATE TABLE revisions (
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    version   INTEGER NOT NULL,
    action    TEXT NOT NULL,
    actor     TEXT NOT NULL,
    at        TEXT NOT NULL,
    changes   TEXT NOT NULL,
    snapshot  TEXT NOT NULL,
    PRIMARY KEY (entity, entity_id, version)
);
CREATE INDEX revisions_at ON revisions (at);

-- +goose Down
DROP TABLE revisions;
DROP TABLE documents;
DROP TABLE measures;
DROP TABLE activities;
DROP TABLE register_info;
