-- The outbox (tuoyu.outbox), in every producing service's database: events written in the same transaction as the
-- change they report, published in `seq` order by the relay, which marks them sent.
-- IF NOT EXISTS: databases made before the table moved here hold it from the service's own first migration.
CREATE TABLE IF NOT EXISTS outbox (
    seq bigserial PRIMARY KEY,
    event_id uuid NOT NULL UNIQUE,
    topic text NOT NULL,
    key text NOT NULL,
    body bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz
);
CREATE INDEX IF NOT EXISTS outbox_unsent ON outbox (seq) WHERE sent_at IS NULL;
