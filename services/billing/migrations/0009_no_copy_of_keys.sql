-- Issue 12: billing asks the enrollment service whose a facility key is on every request (billing.key_directory), so
-- a revocation holds at once; the copy it kept from ApiKeyIssued/ApiKeyRevoked events lagged by tens of milliseconds.
DROP TABLE IF EXISTS facility_keys;
