-- Issue 12: a payout the bank failed stays approved, with the bank's date and reason, until a later file pays it.
ALTER TABLE payouts ADD COLUMN bank_failed_on date;
ALTER TABLE payouts ADD COLUMN bank_failure text;
