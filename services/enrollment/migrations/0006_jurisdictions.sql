-- Jurisdictions (POLICY "Jurisdictions"): administrative divisions the platform operator creates, and each
-- facility's county-level jurisdiction from a date (a later row is a move, as an administrative merger).
CREATE TABLE jurisdictions (
    code       text PRIMARY KEY,
    name       text NOT NULL,
    parent     text REFERENCES jurisdictions (code),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE facility_jurisdictions (
    facility_id    bigint NOT NULL REFERENCES facilities (id),
    effective_from date NOT NULL,
    jurisdiction   text NOT NULL REFERENCES jurisdictions (code),
    PRIMARY KEY (facility_id, effective_from)
);
