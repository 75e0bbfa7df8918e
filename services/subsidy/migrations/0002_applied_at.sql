-- When the view last applied an enrollment's event: the end of the event path (API → Kafka → subsidy).
ALTER TABLE enrollments ADD COLUMN applied_at timestamptz NOT NULL DEFAULT clock_timestamp();
