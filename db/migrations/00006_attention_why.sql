-- +goose Up
-- An attention item says why in a form a console can put in its reader's
-- language: a precise reason and its facts (amount in fen, the refund, the
-- transaction, a count, WeChat's words). detail stays, in English, for
-- logs and for whoever reads this table in SQL.
ALTER TABLE attention_items
    ADD COLUMN reason text  NOT NULL DEFAULT '',
    ADD COLUMN facts  jsonb NOT NULL DEFAULT '{}';

-- +goose Down
ALTER TABLE attention_items DROP COLUMN facts, DROP COLUMN reason;
