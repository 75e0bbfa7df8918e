-- Subsidy service: its own view of the facts (from enrollment events) and rule sets (the inbox tables are tuoyu's:
-- shared/tuoyu/migrations/inbox).
CREATE TABLE facilities (
    external_id text PRIMARY KEY,
    kind text NOT NULL,
    serves_meals boolean NOT NULL,
    filed_on date,
    fire_safety_certified_on date,
    food_licence_on date,
    revoked_on date,
    rates jsonb NOT NULL,
    reviews jsonb NOT NULL,
    version integer NOT NULL
);
CREATE TABLE classes (
    facility text NOT NULL,
    external_id text NOT NULL,
    opened_on date NOT NULL,
    closed_on date,
    version integer NOT NULL,
    PRIMARY KEY (facility, external_id)
);
CREATE TABLE families (
    id bigserial PRIMARY KEY,
    facility text NOT NULL,
    external_id text NOT NULL,
    UNIQUE (facility, external_id)
);
CREATE TABLE children (
    id bigserial PRIMARY KEY,
    facility text NOT NULL,
    external_id text NOT NULL,
    family_id bigint NOT NULL REFERENCES families(id),
    birth_date date NOT NULL,
    birth_order smallint NOT NULL,
    version integer NOT NULL,
    UNIQUE (facility, external_id)
);
CREATE TABLE enrollments (
    id bigserial PRIMARY KEY,
    facility text NOT NULL,
    external_id text NOT NULL,
    child_id bigint NOT NULL REFERENCES children(id),
    class text NOT NULL,
    start_on date NOT NULL,
    end_on date,
    version integer NOT NULL,
    UNIQUE (facility, external_id)
);
CREATE INDEX enrollments_dates ON enrollments (start_on, end_on);
CREATE TABLE enrollment_fees (
    enrollment_id bigint NOT NULL REFERENCES enrollments(id),
    effective_from date NOT NULL,
    fee_fen bigint NOT NULL,
    PRIMARY KEY (enrollment_id, effective_from)
);
CREATE TABLE rulesets (
    id text NOT NULL,
    version text NOT NULL,
    valid_from date NOT NULL,
    document text NOT NULL,
    loaded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id, version)
);
