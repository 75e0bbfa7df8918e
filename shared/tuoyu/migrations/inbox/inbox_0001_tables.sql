-- The inbox's bookkeeping (tuoyu.inbox), in every consuming service's database: the events each consumer has
-- applied and the next offset of each partition, written in the same transaction as the events' effects.
-- IF NOT EXISTS: databases made before these tables moved here hold them from the service's own first migrations.
CREATE TABLE IF NOT EXISTS processed_events (
    consumer text NOT NULL,
    event_id uuid NOT NULL,
    PRIMARY KEY (consumer, event_id)
);
CREATE TABLE IF NOT EXISTS consumer_offsets (
    consumer text NOT NULL,
    topic text NOT NULL,
    partition integer NOT NULL,
    next_offset bigint NOT NULL,
    PRIMARY KEY (consumer, topic, partition)
);
