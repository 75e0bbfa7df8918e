-- Enrollment service: facilities, their classes, families, children and enrollments, and keys (the outbox is tuoyu's:
-- shared/tuoyu/migrations/outbox).
CREATE TABLE facilities (
    id bigserial PRIMARY KEY,
    external_id text NOT NULL UNIQUE,
    name text NOT NULL,
    kind text NOT NULL,
    ownership text NOT NULL,
    inclusive boolean NOT NULL,
    serves_meals boolean NOT NULL,
    bank_account text,
    filed_on date,
    fire_safety_certified_on date,
    food_licence_on date,
    revoked_on date,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE facility_rates (
    facility_id bigint NOT NULL REFERENCES facilities(id),
    effective_from date NOT NULL,
    rate numeric(8, 6) NOT NULL,
    PRIMARY KEY (facility_id, effective_from)
);
CREATE TABLE facility_reviews (
    facility_id bigint NOT NULL REFERENCES facilities(id),
    reviewed_on date NOT NULL,
    result text NOT NULL CHECK (result IN ('pass', 'fail')),
    PRIMARY KEY (facility_id, reviewed_on)
);
CREATE TABLE classes (
    id bigserial PRIMARY KEY,
    facility_id bigint NOT NULL REFERENCES facilities(id),
    external_id text NOT NULL,
    name text,
    opened_on date NOT NULL,
    closed_on date,
    capacity integer NOT NULL CHECK (capacity > 0),
    version integer NOT NULL DEFAULT 1,
    UNIQUE (facility_id, external_id)
);
CREATE TABLE families (
    id bigserial PRIMARY KEY,
    facility_id bigint NOT NULL REFERENCES facilities(id),
    external_id text NOT NULL,
    name text,
    UNIQUE (facility_id, external_id)
);
CREATE TABLE children (
    id bigserial PRIMARY KEY,
    facility_id bigint NOT NULL REFERENCES facilities(id),
    family_id bigint NOT NULL REFERENCES families(id),
    external_id text NOT NULL,
    birth_date date NOT NULL,
    birth_order smallint NOT NULL CHECK (birth_order >= 1),
    national_id_hash text,
    version integer NOT NULL DEFAULT 1,
    UNIQUE (facility_id, external_id)
);
CREATE INDEX children_national_id ON children (national_id_hash) WHERE national_id_hash IS NOT NULL;
CREATE TABLE enrollments (
    id bigserial PRIMARY KEY,
    facility_id bigint NOT NULL REFERENCES facilities(id),
    child_id bigint NOT NULL REFERENCES children(id),
    class_id bigint NOT NULL REFERENCES classes(id),
    external_id text NOT NULL,
    care text NOT NULL,
    start_on date NOT NULL,
    end_on date,
    version integer NOT NULL DEFAULT 1,
    UNIQUE (facility_id, external_id),
    CHECK (end_on IS NULL OR end_on >= start_on - 1)
);
CREATE TABLE enrollment_fees (
    enrollment_id bigint NOT NULL REFERENCES enrollments(id),
    effective_from date NOT NULL,
    fee_fen bigint NOT NULL CHECK (fee_fen >= 0),
    PRIMARY KEY (enrollment_id, effective_from)
);
CREATE TABLE api_keys (
    id bigserial PRIMARY KEY,
    key_hash text NOT NULL UNIQUE,
    facility_id bigint NOT NULL REFERENCES facilities(id),
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
