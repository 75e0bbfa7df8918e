-- The tuoyu role and one database per service. Idempotent: deploy/postgres.sh runs it on every start,
-- and the postgres:15 image runs it once from /docker-entrypoint-initdb.d (docker-compose.yml).
-- CREATE DATABASE cannot run inside DO blocks, hence psql's \gexec for the "create if missing" steps.

SELECT 'CREATE ROLE tuoyu' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tuoyu')\gexec
-- Local-stack credentials only; the services take theirs from the environment.
ALTER ROLE tuoyu WITH LOGIN CREATEDB PASSWORD 'tuoyu';

SELECT format('CREATE DATABASE %I OWNER tuoyu', name)
FROM unnest(ARRAY['tuoyu_enrollment', 'tuoyu_subsidy', 'tuoyu_billing']) AS name
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = name)\gexec
