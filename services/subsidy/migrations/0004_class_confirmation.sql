-- A class's confirmation by the health commission (ClassConfirmed, and every class snapshot since): the first day
-- it may earn its construction grant. NULL: not confirmed, no grant.
ALTER TABLE classes ADD COLUMN confirmed_on date;
