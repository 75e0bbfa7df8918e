-- Families as billing knows them (FamilyRegistered events): a family token names one of these.
CREATE TABLE families (
    facility text NOT NULL,
    external_id text NOT NULL,
    name text,
    PRIMARY KEY (facility, external_id)
);
