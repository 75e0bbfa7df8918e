-- Billing, issue 6: payout life (approval, bank file, confirmation), the rule set's fund per cycle, corrections
-- that name what they correct, billing's own view of facilities and keys (from enrollment events), family tokens.
ALTER TABLE cycles ADD COLUMN fund text;
ALTER TABLE cycles ADD COLUMN ruleset_info jsonb;            -- fund name, source quote, reduction table: for families
ALTER TABLE payouts ADD COLUMN fund text;
ALTER TABLE payouts ADD COLUMN explanation jsonb;            -- the facility's standing that month (held, revoked, rates)
ALTER TABLE payouts ADD COLUMN funded_at timestamptz;        -- awaiting_budget → issued
ALTER TABLE payouts ADD COLUMN cancelled_at timestamptz;
ALTER TABLE payouts ADD COLUMN paid_amount_fen bigint;
ALTER TABLE payouts ADD COLUMN paid_at timestamptz;
ALTER TABLE payouts ADD COLUMN confirmation bigint;
ALTER TABLE payout_lines ADD COLUMN corrects text;           -- the payout whose line of that kind and month it corrects
CREATE INDEX payouts_status ON payouts (status, facility);
CREATE INDEX family_documents_cycle ON family_documents (cycle_month);
CREATE INDEX family_documents_corrects ON family_documents (corrects) WHERE corrects IS NOT NULL;

CREATE TABLE bank_confirmations (
    id bigserial PRIMARY KEY,
    imported_at timestamptz NOT NULL DEFAULT now(),
    actor text NOT NULL,
    file_name text,
    sha256 text NOT NULL,
    lines integer NOT NULL,
    paid integer NOT NULL
);
ALTER TABLE payouts ADD CONSTRAINT payouts_confirmation_fk FOREIGN KEY (confirmation) REFERENCES bank_confirmations(id);

-- What billing knows of facilities: the payee's name and account for the bank file (from enrollment events).
CREATE TABLE facilities (
    external_id text PRIMARY KEY,
    name text NOT NULL,
    bank_account text,
    version integer NOT NULL
);
-- Facility API keys, by keyed hash only (ApiKeyIssued / ApiKeyRevoked events): a facility sees its own payouts.
CREATE TABLE facility_keys (
    key_id text PRIMARY KEY,
    facility text NOT NULL,
    key_hash text NOT NULL UNIQUE,
    revoked_at timestamptz
);
-- Family access tokens: issued by the facility or the health commission, stored as a keyed hash, revocable.
CREATE TABLE family_tokens (
    id bigserial PRIMARY KEY,
    facility text NOT NULL,
    family text NOT NULL,
    token_hash text NOT NULL UNIQUE,
    issued_by text NOT NULL,
    issued_at timestamptz NOT NULL DEFAULT now(),
    revoked_by text,
    revoked_at timestamptz
);
CREATE INDEX family_tokens_family ON family_tokens (facility, family);

CREATE INDEX audit_trail_action ON audit_trail (action, at);
