-- Issue 13, POLICY "Jurisdictions": a cycle per county-level jurisdiction and month. Everything keyed by the cycle's
-- month gains the jurisdiction whose cycle wrote it; rows written before are the unplaced jurisdiction's (000000),
-- whose documents keep their numbers (INV-2022-000001) while a jurisdiction's carry its code (INV-2022-330903-000001).
ALTER TABLE payouts DROP CONSTRAINT payouts_cycle_month_fkey;
ALTER TABLE blocked_facilities DROP CONSTRAINT blocked_facilities_cycle_month_fkey;

ALTER TABLE cycles ADD COLUMN jurisdiction text NOT NULL DEFAULT '000000';
ALTER TABLE cycles ALTER COLUMN jurisdiction DROP DEFAULT;
ALTER TABLE cycles DROP CONSTRAINT cycles_pkey;
ALTER TABLE cycles ADD PRIMARY KEY (jurisdiction, month);
-- No rule set in force there that month: the families pay the full fee, nothing is subsidised, no fund is drawn.
ALTER TABLE cycles ALTER COLUMN ruleset_id DROP NOT NULL;
ALTER TABLE cycles ALTER COLUMN ruleset_version DROP NOT NULL;

ALTER TABLE family_documents ADD COLUMN jurisdiction text NOT NULL DEFAULT '000000';
ALTER TABLE family_documents ALTER COLUMN jurisdiction DROP DEFAULT;
DO $$
DECLARE name text;
BEGIN
    SELECT conname INTO name FROM pg_constraint
     WHERE conrelid = 'family_documents'::regclass AND contype = 'u';
    EXECUTE format('ALTER TABLE family_documents DROP CONSTRAINT %I', name);
END $$;
ALTER TABLE family_documents ADD CONSTRAINT family_documents_once
    UNIQUE (jurisdiction, cycle_month, service_month, facility, enrollment);
DROP INDEX family_documents_cycle;
CREATE INDEX family_documents_cycle ON family_documents (jurisdiction, cycle_month);

ALTER TABLE payouts ADD COLUMN jurisdiction text NOT NULL DEFAULT '000000';
ALTER TABLE payouts ALTER COLUMN jurisdiction DROP DEFAULT;
ALTER TABLE payouts DROP CONSTRAINT payouts_cycle_month_facility_key;
ALTER TABLE payouts ADD CONSTRAINT payouts_once UNIQUE (jurisdiction, cycle_month, facility);
ALTER TABLE payouts ADD CONSTRAINT payouts_cycle_fkey FOREIGN KEY (jurisdiction, cycle_month)
    REFERENCES cycles (jurisdiction, month) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE blocked_facilities ADD COLUMN jurisdiction text NOT NULL DEFAULT '000000';
ALTER TABLE blocked_facilities ALTER COLUMN jurisdiction DROP DEFAULT;
ALTER TABLE blocked_facilities DROP CONSTRAINT blocked_facilities_pkey;
ALTER TABLE blocked_facilities ADD PRIMARY KEY (jurisdiction, cycle_month, service_month, facility);
ALTER TABLE blocked_facilities ADD CONSTRAINT blocked_facilities_cycle_fkey FOREIGN KEY (jurisdiction, cycle_month)
    REFERENCES cycles (jurisdiction, month) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE document_counters ADD COLUMN jurisdiction text NOT NULL DEFAULT '000000';
ALTER TABLE document_counters ALTER COLUMN jurisdiction DROP DEFAULT;
ALTER TABLE document_counters DROP CONSTRAINT document_counters_pkey;
ALTER TABLE document_counters ADD PRIMARY KEY (kind, jurisdiction, year);

-- The jurisdictions tree (JurisdictionAdded events): a city's report and cycle are its districts'.
CREATE TABLE jurisdictions (
    code text PRIMARY KEY,
    name text NOT NULL,
    parent text
);

-- A facility's jurisdictions ([[from, code], ...], from its snapshots): an official reaches the facility's bank
-- account while the facility is in its scope.
ALTER TABLE facilities ADD COLUMN jurisdictions jsonb NOT NULL DEFAULT '[]';
