-- +goose Up
-- Money is integer fen everywhere; times are timestamptz (stored as UTC).
CREATE TABLE products (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    sku         text        NOT NULL UNIQUE,
    name        text        NOT NULL CHECK (name <> '' AND char_length(name) <= 100),
    description text        NOT NULL DEFAULT '',
    price_fen   bigint      NOT NULL CHECK (price_fen > 0),
    stock       integer     NOT NULL CHECK (stock >= 0),
    active      boolean     NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE orders (
    id              uuid        PRIMARY KEY,
    user_id         uuid        NOT NULL REFERENCES users (id),
    out_trade_no    text        NOT NULL UNIQUE CHECK (out_trade_no ~ '^[0-9A-Za-z_-]{6,32}$'),
    status          text        NOT NULL CHECK (status IN ('pending', 'paid', 'cancelled', 'expired')),
    description     text        NOT NULL,
    total_fen       bigint      NOT NULL CHECK (total_fen > 0),
    prepay_id       text,
    transaction_id  text        UNIQUE,
    idempotency_key text,
    request_hash    bytea       NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    paid_at         timestamptz,
    UNIQUE (user_id, idempotency_key),
    -- paid exactly when a transaction is attached
    CHECK ((status = 'paid') = (transaction_id IS NOT NULL AND paid_at IS NOT NULL))
);
-- Keyset pagination of a user's orders, newest first.
CREATE INDEX orders_user_created_idx ON orders (user_id, created_at DESC, id DESC);
-- The reconciliation job's scan.
CREATE INDEX orders_pending_expiry_idx ON orders (expires_at) WHERE status = 'pending';

CREATE TABLE order_lines (
    order_id       uuid    NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    line_no        integer NOT NULL,
    product_id     uuid    NOT NULL REFERENCES products (id),
    name           text    NOT NULL,
    unit_price_fen bigint  NOT NULL CHECK (unit_price_fen > 0),
    quantity       integer NOT NULL CHECK (quantity BETWEEN 1 AND 99),
    PRIMARY KEY (order_id, line_no)
);

-- Every payment notification (and verified query) we receive, with what
-- became of it, including the ones we refused and why.
CREATE TABLE payment_ledger (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id       text        NOT NULL,
    source         text        NOT NULL CHECK (source IN ('notification', 'query')),
    event_type     text        NOT NULL DEFAULT '',
    verdict        text        NOT NULL CHECK (verdict IN ('applied', 'duplicate', 'ignored', 'suspicious', 'rejected')),
    reason         text        NOT NULL DEFAULT '',
    out_trade_no   text        NOT NULL DEFAULT '',
    transaction_id text        NOT NULL DEFAULT '',
    amount_fen     bigint,
    received_at    timestamptz NOT NULL
);
-- A payment is applied at most once, whatever arrives twice.
CREATE UNIQUE INDEX payment_ledger_applied_once ON payment_ledger (event_id) WHERE verdict = 'applied';
CREATE INDEX payment_ledger_out_trade_no_idx ON payment_ledger (out_trade_no);

-- +goose Down
DROP TABLE payment_ledger;
DROP TABLE order_lines;
DROP TABLE orders;
DROP TABLE products;
