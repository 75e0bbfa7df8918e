-- Billing service: cycles, numbered documents, payouts and their lines, budgets, and the finance audit trail.
CREATE TABLE cycles (
    month text PRIMARY KEY,
    ruleset_id text NOT NULL,
    ruleset_version text NOT NULL,
    completed_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE document_counters (
    kind text NOT NULL,
    year integer NOT NULL,
    last integer NOT NULL,
    PRIMARY KEY (kind, year)
);
CREATE TABLE family_documents (
    number text PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
    cycle_month text NOT NULL REFERENCES cycles(month) DEFERRABLE INITIALLY DEFERRED,
    service_month text NOT NULL,
    facility text NOT NULL,
    family text NOT NULL,
    child text NOT NULL,
    enrollment text NOT NULL,
    corrects text REFERENCES family_documents(number),
    fee_fen bigint NOT NULL,
    reduction_fen bigint NOT NULL,
    due_fen bigint NOT NULL CHECK (due_fen = fee_fen - reduction_fen),
    explanation jsonb NOT NULL,
    issued_at timestamptz NOT NULL DEFAULT now(),
    -- One document per enrollment, service month and cycle: a re-run cannot issue it twice.
    UNIQUE (cycle_month, service_month, facility, enrollment)
);
CREATE INDEX family_documents_family ON family_documents (facility, family);
CREATE INDEX family_documents_service ON family_documents (service_month, facility, enrollment);
CREATE TABLE payouts (
    number text PRIMARY KEY,
    cycle_month text NOT NULL REFERENCES cycles(month) DEFERRABLE INITIALLY DEFERRED,
    facility text NOT NULL,
    status text NOT NULL CHECK (status IN ('issued', 'held', 'awaiting_budget', 'approved', 'paid', 'cancelled')),
    total_fen bigint NOT NULL,
    released_by text REFERENCES payouts(number),
    approved_by text,
    approved_at timestamptz,
    over_budget_reason text,
    paid_on date,
    issued_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (cycle_month, facility)
);
CREATE TABLE payout_lines (
    payout text NOT NULL REFERENCES payouts(number),
    line_no integer NOT NULL,
    kind text NOT NULL,
    service_month text NOT NULL,
    subject text NOT NULL,
    amount_fen bigint NOT NULL,
    rule text NOT NULL,
    explanation jsonb NOT NULL,
    PRIMARY KEY (payout, line_no)
);
CREATE INDEX payout_lines_service ON payout_lines (service_month, kind);
CREATE TABLE grants_paid (
    facility text NOT NULL,
    class text NOT NULL,
    grant_id text NOT NULL,
    payout text NOT NULL REFERENCES payouts(number),
    -- POLICY construction_grant: never twice for the same class.
    PRIMARY KEY (facility, class, grant_id)
);
CREATE TABLE budgets (
    fund text NOT NULL,
    year integer NOT NULL,
    amount_fen bigint NOT NULL CHECK (amount_fen >= 0),
    set_by text NOT NULL,
    set_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (fund, year)
);
CREATE TABLE audit_trail (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    actor text NOT NULL,
    action text NOT NULL,
    detail jsonb NOT NULL
);
