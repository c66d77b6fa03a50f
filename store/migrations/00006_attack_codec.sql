-- Attack batches are compressed (S2) before they are sealed: attack lines
-- repeat themselves and shrink about five times, and writing the pages
-- cost the store more than compressing them. codec names the encoding of
-- the sealed lines: '' for the length-prefixed lines as such (the rows
-- written before), 's2' for the same compressed as one S2 block.

-- +goose Up
ALTER TABLE attack_batches ADD COLUMN codec TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE attack_batches DROP COLUMN codec;
