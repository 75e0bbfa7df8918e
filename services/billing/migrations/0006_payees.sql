-- Issue 12, POLICY "Guard rails" (the payee is the one approved): a payout keeps the payee approved with it, and a
-- facility's new bank account waits for the finance bureau's confirmation before any payout is approved to it.
ALTER TABLE payouts ADD COLUMN payee_name text;
ALTER TABLE payouts ADD COLUMN payee_account text;
ALTER TABLE facilities ADD COLUMN proposed_bank_account text;
ALTER TABLE facilities ADD COLUMN bank_account_proposed_at timestamptz;
-- Payouts approved before this: their payee is the account on file now.
UPDATE payouts p SET payee_name = f.name, payee_account = f.bank_account FROM facilities f
 WHERE f.external_id = p.facility AND p.status IN ('approved', 'paid');
