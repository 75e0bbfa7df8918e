-- The same-day and capacity checks of every enrollment look enrollments up by child and by class.
CREATE INDEX IF NOT EXISTS enrollments_child ON enrollments (child_id, start_on);
CREATE INDEX IF NOT EXISTS enrollments_class ON enrollments (class_id, start_on);
