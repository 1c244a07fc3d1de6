-- +goose Up
-- Refunds (README: "Refunds"): a paid order can be refunded in parts; the
-- parts that are not CLOSED never add up to more than was paid (checked by
-- the domain under the order's row lock, and here as a last line).
CREATE TABLE refunds (
    id              uuid        PRIMARY KEY,
    order_id        uuid        NOT NULL REFERENCES orders (id),
    out_refund_no   text        NOT NULL UNIQUE CHECK (out_refund_no ~ '^[0-9A-Za-z_|*@-]{1,64}$'),
    amount_fen      bigint      NOT NULL CHECK (amount_fen > 0),
    reason          text        NOT NULL CHECK (char_length(reason) <= 80),
    status          text        NOT NULL CHECK (status IN ('PROCESSING', 'SUCCESS', 'CLOSED', 'ABNORMAL')),
    refund_id       text,
    failure         text        NOT NULL DEFAULT '',
    requested_by    text        NOT NULL,
    idempotency_key text        UNIQUE,
    request_hash    bytea,
    check_attempts  integer     NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    succeeded_at    timestamptz,
    CHECK ((status = 'SUCCESS') = (succeeded_at IS NOT NULL))
);
CREATE INDEX refunds_order_idx ON refunds (order_id, created_at);

ALTER TABLE orders
    ADD COLUMN refunded_fen bigint NOT NULL DEFAULT 0,
    ADD CONSTRAINT orders_refunded_check CHECK (refunded_fen >= 0 AND refunded_fen <= total_fen),
    DROP CONSTRAINT orders_status_check,
    ADD CONSTRAINT orders_status_check
        CHECK (status IN ('pending', 'closing', 'paid', 'cancelled', 'expired', 'late_paid', 'refunded')),
    DROP CONSTRAINT orders_paid_check,
    ADD CONSTRAINT orders_paid_check
        CHECK ((status IN ('paid', 'late_paid', 'refunded')) = (transaction_id IS NOT NULL AND paid_at IS NOT NULL));
-- The operator's order list, newest first, and its filters.
CREATE INDEX orders_created_idx ON orders (created_at DESC, id DESC);
CREATE INDEX orders_status_created_idx ON orders (status, created_at DESC, id DESC);
CREATE INDEX orders_payer_created_idx ON orders (payer_openid, created_at DESC, id DESC);

-- Refund notifications and verified refund answers are ledgered with the payments.
ALTER TABLE payment_ledger
    ADD COLUMN out_refund_no text NOT NULL DEFAULT '',
    DROP CONSTRAINT payment_ledger_source_check,
    ADD CONSTRAINT payment_ledger_source_check
        CHECK (source IN ('notification', 'query', 'refund_notification', 'refund_query'));

ALTER TABLE attention_items DROP CONSTRAINT attention_items_kind_check,
    ADD CONSTRAINT attention_items_kind_check CHECK (kind IN ('late_payment', 'suspicious_payment', 'unresolved_order',
        'refund_reported', 'refund_abnormal', 'refund_failed', 'refund_unresolved'));

-- Every operator write: which key, what, when.
CREATE TABLE operator_audit (
    id      bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key_id  text        NOT NULL,
    action  text        NOT NULL,
    target  text        NOT NULL,
    detail  jsonb       NOT NULL DEFAULT '{}',
    at      timestamptz NOT NULL
);
CREATE INDEX operator_audit_at_idx ON operator_audit (at DESC);

ALTER TABLE products ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

-- +goose Down
ALTER TABLE products DROP COLUMN updated_at;
DROP TABLE operator_audit;
ALTER TABLE attention_items DROP CONSTRAINT attention_items_kind_check,
    ADD CONSTRAINT attention_items_kind_check CHECK (kind IN ('late_payment', 'suspicious_payment', 'unresolved_order', 'refund_reported'));
ALTER TABLE payment_ledger
    DROP CONSTRAINT payment_ledger_source_check,
    ADD CONSTRAINT payment_ledger_source_check CHECK (source IN ('notification', 'query')),
    DROP COLUMN out_refund_no;
DROP INDEX orders_payer_created_idx;
DROP INDEX orders_status_created_idx;
DROP INDEX orders_created_idx;
ALTER TABLE orders
    DROP CONSTRAINT orders_paid_check,
    ADD CONSTRAINT orders_paid_check
        CHECK ((status IN ('paid', 'late_paid')) = (transaction_id IS NOT NULL AND paid_at IS NOT NULL)),
    DROP CONSTRAINT orders_status_check,
    ADD CONSTRAINT orders_status_check
        CHECK (status IN ('pending', 'closing', 'paid', 'cancelled', 'expired', 'late_paid')),
    DROP CONSTRAINT orders_refunded_check,
    DROP COLUMN refunded_fen;
DROP TABLE refunds;
