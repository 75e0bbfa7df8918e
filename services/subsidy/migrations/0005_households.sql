-- Issue 13 (POLICY "Households"): a family's household (FamilyRegistered `family.household`), an opaque key the same
-- guardian's families share at any facility; `enrolled_siblings` ranks a child among its household's children.
ALTER TABLE families ADD COLUMN household text;
CREATE INDEX families_household ON families (household) WHERE household IS NOT NULL;
