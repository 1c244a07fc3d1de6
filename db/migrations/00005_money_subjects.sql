-- +goose Up
-- An attention item is about one subject: the order itself, or one of its
-- refunds (out_refund_no; '' means the order). Items were unique per order
-- and kind, so a second refund's problem on the same order was dropped, and
-- once the first was resolved nothing showed the second.
ALTER TABLE attention_items ADD COLUMN out_refund_no text NOT NULL DEFAULT '';
-- Items written before this migration name their refund in the detail.
UPDATE attention_items
SET out_refund_no = substring(detail FROM 'refund (RF[0-9A-Za-z]{8,62})')
WHERE kind IN ('refund_abnormal', 'refund_failed', 'refund_unresolved')
  AND detail ~ 'refund RF[0-9A-Za-z]{8,62}';
DROP INDEX attention_items_open_once;
CREATE UNIQUE INDEX attention_items_open_once ON attention_items (order_id, kind, out_refund_no) WHERE resolved_at IS NULL;

-- Every answer that moves or settles money, or decides that none moved, is
-- a ledger row: a transaction closed at WeChat (source close) and a refund
-- WeChat Pay refused to create (verdict refused) join the notifications and
-- queries.
ALTER TABLE payment_ledger
    DROP CONSTRAINT payment_ledger_source_check,
    ADD CONSTRAINT payment_ledger_source_check
        CHECK (source IN ('notification', 'query', 'close', 'refund_notification', 'refund_query')),
    DROP CONSTRAINT payment_ledger_verdict_check,
    ADD CONSTRAINT payment_ledger_verdict_check
        CHECK (verdict IN ('applied', 'duplicate', 'ignored', 'suspicious', 'rejected', 'late', 'refused'));

-- The operator's list of refunds that are not settled (PROCESSING or
-- ABNORMAL), oldest first: a partial index, so it costs in proportion to
-- them, never to every refund ever made.
CREATE INDEX refunds_unsettled_idx ON refunds (created_at, id) WHERE status IN ('PROCESSING', 'ABNORMAL');

-- +goose Down
DROP INDEX refunds_unsettled_idx;
ALTER TABLE payment_ledger
    DROP CONSTRAINT payment_ledger_verdict_check,
    ADD CONSTRAINT payment_ledger_verdict_check
        CHECK (verdict IN ('applied', 'duplicate', 'ignored', 'suspicious', 'rejected', 'late')),
    DROP CONSTRAINT payment_ledger_source_check,
    ADD CONSTRAINT payment_ledger_source_check
        CHECK (source IN ('notification', 'query', 'refund_notification', 'refund_query'));
DROP INDEX attention_items_open_once;
-- Keeps one open item per order and kind, as before.
UPDATE attention_items a SET resolved_at = now(), resolved_by = 'migration', note = 'merged by the 00005 down migration'
WHERE resolved_at IS NULL AND EXISTS (
    SELECT 1 FROM attention_items b
    WHERE b.resolved_at IS NULL AND b.order_id = a.order_id AND b.kind = a.kind AND b.id < a.id);
CREATE UNIQUE INDEX attention_items_open_once ON attention_items (order_id, kind) WHERE resolved_at IS NULL;
ALTER TABLE attention_items DROP COLUMN out_refund_no;
