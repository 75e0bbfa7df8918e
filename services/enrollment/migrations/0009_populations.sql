-- Issue 15: the residents of a county-level jurisdiction on a date, as its health commission enters them, for the
-- planning figures (places per 1,000 residents). One entry per (code, as_of): entering the same day again corrects
-- it (the row is replaced; its PopulationRecorded event keeps the figure it had). A city's residents are the sum
-- of its districts', never entered.
CREATE TABLE populations (
    code        text NOT NULL REFERENCES jurisdictions (code),
    as_of       date NOT NULL,
    residents   integer NOT NULL CHECK (residents > 0),
    recorded_by text NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (code, as_of)
);
