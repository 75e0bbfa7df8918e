-- Issue 13 (POLICY "Jurisdictions"): the jurisdictions (JurisdictionAdded), whose tree chooses the rule set in force
-- (the most specific cover), and each facility's jurisdiction history (its snapshots' `jurisdictions`, in their wire
-- form [{"from", "jurisdiction"}]), by which a month's facilities are those its jurisdiction governs. Empty: the
-- facility is in none (UNPLACED), as every facility was before.
CREATE TABLE jurisdictions (
    code text PRIMARY KEY,
    name text NOT NULL,
    parent text
);
ALTER TABLE facilities ADD COLUMN jurisdictions jsonb NOT NULL DEFAULT '[]';
