-- Billing never shows a family's name (the family page and the reports name a family by its external id), so the
-- enrollment service does not send it (tuoyu.events.records.Family) and billing does not keep a column for it.
ALTER TABLE families DROP COLUMN name;
