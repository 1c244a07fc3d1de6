-- +goose Up
-- The daily bill (README: "The daily bill"). Each Beijing day's trade bill
-- is compared with our books; the day's result and every difference found
-- are kept, with what was done about it, so that a rerun of the day finds
-- the same differences and does nothing about them twice.

CREATE TABLE bill_days (
    day                 date        PRIMARY KEY,
    -- waiting: WeChat Pay has not made the bill yet; failed: the bill could
    -- not be believed (hash, a malformed line) and nothing was applied;
    -- balanced: every difference is explained, applied, or resolved by a
    -- person; unbalanced: some difference still waits for a person or for
    -- WeChat Pay to answer.
    status              text        NOT NULL CHECK (status IN ('waiting', 'failed', 'balanced', 'unbalanced')),
    lines               integer     NOT NULL DEFAULT 0,
    payments            integer     NOT NULL DEFAULT 0,
    refunds             integer     NOT NULL DEFAULT 0,
    wechat_paid_fen     bigint      NOT NULL DEFAULT 0,
    wechat_refunded_fen bigint      NOT NULL DEFAULT 0,
    ours_paid_fen       bigint      NOT NULL DEFAULT 0,
    ours_refunded_fen   bigint      NOT NULL DEFAULT 0,
    differences         integer     NOT NULL DEFAULT 0,
    open_differences    integer     NOT NULL DEFAULT 0,
    failure             text        NOT NULL DEFAULT '',
    failed_line         integer     NOT NULL DEFAULT 0,
    runs                integer     NOT NULL DEFAULT 0,
    checked_at          timestamptz NOT NULL
);

CREATE TABLE bill_differences (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    day            date        NOT NULL REFERENCES bill_days (day),
    kind           text        NOT NULL CHECK (kind IN ('missing_here', 'missing_at_wechat', 'amount', 'transaction', 'state', 'duplicate')),
    subject        text        NOT NULL CHECK (subject IN ('payment', 'refund')),
    out_trade_no   text        NOT NULL,
    out_refund_no  text        NOT NULL DEFAULT '',
    transaction_id text        NOT NULL DEFAULT '',
    line_no        integer     NOT NULL DEFAULT 0,
    order_id       uuid        REFERENCES orders (id),
    ours           text        NOT NULL DEFAULT '',
    wechat         text        NOT NULL DEFAULT '',
    ours_fen       bigint      NOT NULL DEFAULT 0,
    wechat_fen     bigint      NOT NULL DEFAULT 0,
    found_at       timestamptz NOT NULL,
    -- pending: not acted on yet (or WeChat Pay did not answer); applied:
    -- WeChat's signed answer changed our books; explained: the answer
    -- agrees with our books; attention: a person must look (attention_kind).
    outcome        text        NOT NULL DEFAULT 'pending' CHECK (outcome IN ('pending', 'applied', 'explained', 'attention')),
    action         text        NOT NULL DEFAULT '',
    attention_kind text        NOT NULL DEFAULT '',
    acted_at       timestamptz
);
-- A difference is found once per day, however often the day is run.
CREATE UNIQUE INDEX bill_differences_once ON bill_differences (day, kind, subject, out_trade_no, out_refund_no);

-- Our side of a day: payments by WeChat's success time, refunds by when we
-- asked for them.
CREATE INDEX orders_paid_at_idx ON orders (paid_at) WHERE paid_at IS NOT NULL;
CREATE INDEX refunds_created_idx ON refunds (created_at);

-- A bill can show money for an out_trade_no we never issued: the item for
-- it has no order. One open item per such subject and kind.
ALTER TABLE attention_items ALTER COLUMN order_id DROP NOT NULL,
    DROP CONSTRAINT attention_items_kind_check,
    ADD CONSTRAINT attention_items_kind_check CHECK (kind IN ('late_payment', 'suspicious_payment', 'unresolved_order',
        'refund_reported', 'refund_abnormal', 'refund_failed', 'refund_unresolved', 'bill_difference'));
CREATE UNIQUE INDEX attention_items_open_orderless ON attention_items (kind, out_trade_no, out_refund_no)
    WHERE resolved_at IS NULL AND order_id IS NULL;

-- +goose Down
DROP INDEX attention_items_open_orderless;
DELETE FROM attention_items WHERE order_id IS NULL OR kind = 'bill_difference';
ALTER TABLE attention_items ALTER COLUMN order_id SET NOT NULL,
    DROP CONSTRAINT attention_items_kind_check,
    ADD CONSTRAINT attention_items_kind_check CHECK (kind IN ('late_payment', 'suspicious_payment', 'unresolved_order',
        'refund_reported', 'refund_abnormal', 'refund_failed', 'refund_unresolved'));
DROP INDEX refunds_created_idx;
DROP INDEX orders_paid_at_idx;
DROP TABLE bill_differences;
DROP TABLE bill_days;
