-- +goose Up
-- The order lifecycle (README: "Order states"): closing while WeChat closes
-- the transaction, late_paid for money that arrived after the order ended,
-- the payer the order was prepaid for, when its prepay_id was issued, and
-- the per-order reconciliation state (attempts, when the next is due, the
-- last active query).
ALTER TABLE orders
    DROP CONSTRAINT orders_status_check,
    DROP CONSTRAINT orders_check,
    ADD COLUMN payer_openid     text,
    ADD COLUMN close_to         text CHECK (close_to IN ('cancelled', 'expired')),
    ADD COLUMN prepay_issued_at timestamptz,
    ADD COLUMN check_attempts   integer NOT NULL DEFAULT 0 CHECK (check_attempts >= 0),
    ADD COLUMN next_check_at    timestamptz,
    ADD COLUMN last_query_at    timestamptz;

UPDATE orders o SET payer_openid = u.openid FROM users u WHERE u.id = o.user_id;
UPDATE orders SET prepay_issued_at = updated_at WHERE prepay_id IS NOT NULL;
UPDATE orders SET next_check_at = expires_at WHERE status = 'pending';

ALTER TABLE orders
    ALTER COLUMN payer_openid SET NOT NULL,
    ADD CONSTRAINT orders_status_check
        CHECK (status IN ('pending', 'closing', 'paid', 'cancelled', 'expired', 'late_paid')),
    -- money received exactly when a transaction is attached
    ADD CONSTRAINT orders_paid_check
        CHECK ((status IN ('paid', 'late_paid')) = (transaction_id IS NOT NULL AND paid_at IS NOT NULL)),
    ADD CONSTRAINT orders_closing_check CHECK ((status = 'closing') = (close_to IS NOT NULL)),
    ADD CONSTRAINT orders_prepay_check CHECK ((prepay_id IS NULL) = (prepay_issued_at IS NULL));

-- What reconciliation finds due: open orders only, so the scan costs in
-- proportion to them, never to every order ever placed.
DROP INDEX orders_pending_expiry_idx;
CREATE INDEX orders_due_idx ON orders (next_check_at) WHERE status IN ('pending', 'closing');

ALTER TABLE payment_ledger DROP CONSTRAINT payment_ledger_verdict_check,
    ADD CONSTRAINT payment_ledger_verdict_check
        CHECK (verdict IN ('applied', 'duplicate', 'ignored', 'suspicious', 'rejected', 'late'));
DROP INDEX payment_ledger_applied_once;
CREATE UNIQUE INDEX payment_ledger_applied_once ON payment_ledger (event_id) WHERE verdict IN ('applied', 'late');

-- Refused notifications are written to the ledger only up to a budget per
-- minute (ConfirmPayment.Refused); this counts each minute's use.
CREATE TABLE ledger_refusal_budget (
    minute timestamptz PRIMARY KEY,
    used   integer     NOT NULL
);

-- What a person must look at: late and suspicious payments, orders
-- reconciliation gave up on, refunds WeChat reports that we do not know.
CREATE TABLE attention_items (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         text        NOT NULL CHECK (kind IN ('late_payment', 'suspicious_payment', 'unresolved_order', 'refund_reported')),
    order_id     uuid        NOT NULL REFERENCES orders (id),
    out_trade_no text        NOT NULL,
    detail       text        NOT NULL,
    created_at   timestamptz NOT NULL,
    resolved_at  timestamptz,
    resolved_by  text,
    note         text
);
-- One open item of a kind per order, however often it is flagged.
CREATE UNIQUE INDEX attention_items_open_once ON attention_items (order_id, kind) WHERE resolved_at IS NULL;
CREATE INDEX attention_items_open_idx ON attention_items (created_at) WHERE resolved_at IS NULL;

-- +goose Down
DROP TABLE attention_items;
DROP TABLE ledger_refusal_budget;
DROP INDEX payment_ledger_applied_once;
CREATE UNIQUE INDEX payment_ledger_applied_once ON payment_ledger (event_id) WHERE verdict = 'applied';
ALTER TABLE payment_ledger DROP CONSTRAINT payment_ledger_verdict_check,
    ADD CONSTRAINT payment_ledger_verdict_check
        CHECK (verdict IN ('applied', 'duplicate', 'ignored', 'suspicious', 'rejected'));
DROP INDEX orders_due_idx;
CREATE INDEX orders_pending_expiry_idx ON orders (expires_at) WHERE status = 'pending';
ALTER TABLE orders
    DROP CONSTRAINT orders_prepay_check,
    DROP CONSTRAINT orders_closing_check,
    DROP CONSTRAINT orders_paid_check,
    DROP CONSTRAINT orders_status_check,
    DROP COLUMN last_query_at,
    DROP COLUMN next_check_at,
    DROP COLUMN check_attempts,
    DROP COLUMN prepay_issued_at,
    DROP COLUMN close_to,
    DROP COLUMN payer_openid,
    ADD CONSTRAINT orders_status_check CHECK (status IN ('pending', 'paid', 'cancelled', 'expired')),
    ADD CONSTRAINT orders_check CHECK ((status = 'paid') = (transaction_id IS NOT NULL AND paid_at IS NOT NULL));
