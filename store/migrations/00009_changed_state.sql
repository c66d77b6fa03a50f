-- Every write to the register takes the next value of the register state
-- (register_state.seq) and marks what it wrote with it, so that a cache of
-- derived data (the lint) reads only what changed since its state, on any
-- of several servers sharing the database.

-- +goose Up
ALTER TABLE activities ADD COLUMN changed_state BIGINT NOT NULL DEFAULT 0;
ALTER TABLE measures ADD COLUMN changed_state BIGINT NOT NULL DEFAULT 0;
ALTER TABLE documents ADD COLUMN changed_state BIGINT NOT NULL DEFAULT 0;
ALTER TABLE register_info ADD COLUMN changed_state BIGINT NOT NULL DEFAULT 0;
CREATE INDEX activities_changed_state ON activities (changed_state);
CREATE INDEX measures_changed_state ON measures (changed_state);
CREATE INDEX documents_changed_state ON documents (changed_state);

-- +goose Down
DROP INDEX documents_changed_state;
DROP INDEX measures_changed_state;
DROP INDEX activities_changed_state;
ALTER TABLE register_info DROP COLUMN changed_state;
ALTER TABLE documents DROP COLUMN changed_state;
ALTER TABLE measures DROP COLUMN changed_state;
ALTER TABLE activities DROP COLUMN changed_state;
