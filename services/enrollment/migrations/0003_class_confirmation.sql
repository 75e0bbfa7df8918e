-- The health commission's confirmation of a class (POLICY "Guard rails": classes are confirmed): the date from which
-- the class may earn its construction grant. NULL until confirmed; classes opened before this migration stay
-- unconfirmed, as nobody checked them.
ALTER TABLE classes ADD COLUMN confirmed_on date;
