-- Issue 12 (CONTRACT "Errors"): external ids are unique without regard to case, so "f1" can never stand beside "F1"
-- (a facility on the platform; a class, family, child or enrollment within its facility).
CREATE UNIQUE INDEX facilities_external_id_ci ON facilities (lower(external_id));
CREATE UNIQUE INDEX classes_external_id_ci ON classes (facility_id, lower(external_id));
CREATE UNIQUE INDEX families_external_id_ci ON families (facility_id, lower(external_id));
CREATE UNIQUE INDEX children_external_id_ci ON children (facility_id, lower(external_id));
CREATE UNIQUE INDEX enrollments_external_id_ci ON enrollments (facility_id, lower(external_id));
