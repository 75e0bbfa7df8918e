-- Scoped officials (POLICY "Jurisdictions"): the platform operator issues commission and finance keys for a
-- jurisdiction. They are keys like a facility's (one table, one keyed hash, one revocation), held by an official of
-- a jurisdiction instead of a facility.
ALTER TABLE api_keys
    ADD COLUMN role text NOT NULL DEFAULT 'facility' CHECK (role IN ('facility', 'admin', 'finance')),
    ADD COLUMN jurisdiction text REFERENCES jurisdictions (code),
    ALTER COLUMN facility_id DROP NOT NULL,
    ADD CONSTRAINT api_keys_holder CHECK (
        (role = 'facility' AND facility_id IS NOT NULL AND jurisdiction IS NULL)
        OR (role <> 'facility' AND facility_id IS NULL AND jurisdiction IS NOT NULL));
