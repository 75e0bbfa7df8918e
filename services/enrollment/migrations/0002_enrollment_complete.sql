-- Enrollment service, complete (issue 4): creation fingerprints for idempotent re-creation, self-registration,
-- key labels, birth orders distinct within a family, and the indexes that lists, capacity and imports use.

-- What each record was created with (normalised request; national ID only as its keyed hash). Creating the same
-- external_id again is "the same record" when it matches this or the record's current state, a 409 otherwise.
ALTER TABLE facilities ADD COLUMN created_as jsonb;
ALTER TABLE facilities ADD COLUMN self_registered boolean NOT NULL DEFAULT false;
ALTER TABLE classes ADD COLUMN created_as jsonb;
ALTER TABLE families ADD COLUMN created_as jsonb;
ALTER TABLE children ADD COLUMN created_as jsonb;
ALTER TABLE enrollments ADD COLUMN created_as jsonb;

ALTER TABLE api_keys ADD COLUMN label text;
CREATE INDEX api_keys_facility ON api_keys (facility_id);

-- Birth orders are distinct within a family (twins take consecutive orders); the API checks it first and says why.
CREATE UNIQUE INDEX children_family_order ON children (family_id, birth_order);
CREATE INDEX enrollments_child ON enrollments (child_id);
CREATE INDEX enrollments_class ON enrollments (class_id, start_on);
