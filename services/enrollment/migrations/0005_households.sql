-- Issue 13 (POLICY "Households"): a family may carry a guardian's national ID, kept only as its keyed hash, and the
-- household it makes (the same guardian's families at any facility), an opaque key under a distinct purpose.
ALTER TABLE families ADD COLUMN guardian_hash text;
ALTER TABLE families ADD COLUMN household text;
