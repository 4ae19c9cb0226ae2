-- Payments through Toss. An order is made before the checkout page opens
-- (its amount fixed here, never taken from the browser); its row holds where
-- it stands now. Every change of it is also appended to payment_ledger,
-- which is never updated or deleted (triggers refuse it).
CREATE TABLE orders (
    id            TEXT PRIMARY KEY,             -- Toss's orderId
    user_id       TEXT NOT NULL REFERENCES users (id),
    plan          TEXT NOT NULL,                -- basic | premium
    amount        INTEGER NOT NULL,             -- KRW
    refunded      INTEGER NOT NULL DEFAULT 0,   -- KRW given back
    status        TEXT NOT NULL,                -- pending | paid | partially_refunded | refunded | failed
    payment_key   TEXT,
    failure       TEXT,
    -- What the payment added to the membership (ms), taken off again when
    -- it is refunded in full.
    added_ms      INTEGER NOT NULL DEFAULT 0,
    -- The membership before it (plan and end; none: the free plan), given
    -- back when it is refunded in full while it is the latest payment.
    prev_plan     TEXT,
    prev_end      INTEGER,
    created_at    INTEGER NOT NULL,
    paid_at       INTEGER
);
CREATE INDEX orders_by_user ON orders (user_id, created_at DESC);
CREATE INDEX orders_by_time ON orders (created_at DESC, id DESC);

CREATE TABLE payment_ledger (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id     TEXT NOT NULL REFERENCES orders (id),
    user_id      TEXT NOT NULL,
    action       TEXT NOT NULL,                 -- created | paid | failed | refunded | expired
    amount       INTEGER NOT NULL,
    status       TEXT NOT NULL,                 -- the order's status after it
    payment_key  TEXT,
    actor_id     TEXT,                          -- none: Toss or the schedule
    note         TEXT,
    at           INTEGER NOT NULL
);
CREATE INDEX payment_ledger_by_order ON payment_ledger (order_id, seq);
CREATE TRIGGER payment_ledger_no_update BEFORE UPDATE ON payment_ledger
BEGIN SELECT RAISE(ABORT, 'the payment ledger is append-only'); END;
CREATE TRIGGER payment_ledger_no_delete BEFORE DELETE ON payment_ledger
BEGIN SELECT RAISE(ABORT, 'the payment ledger is append-only'); END;

-- A paid plan's period: the plan in users.plan holds until period_end.
CREATE TABLE memberships (
    user_id              TEXT PRIMARY KEY REFERENCES users (id),
    plan                 TEXT NOT NULL,
    period_end           INTEGER NOT NULL,
    cancel_at_period_end INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX memberships_by_end ON memberships (period_end);
