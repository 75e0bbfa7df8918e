-- Issue 12: a facility whose facts the subsidy engine refused for a service month is issued nothing for that
-- month by the cycle; the cycle records it here, with the reason, for the month's report. A later cycle, once the
-- facts are fixed, issues what waited as corrections of that month.
CREATE TABLE blocked_facilities (
    cycle_month text NOT NULL REFERENCES cycles(month) DEFERRABLE INITIALLY DEFERRED,
    service_month text NOT NULL,
    facility text NOT NULL,
    reason text NOT NULL,
    PRIMARY KEY (cycle_month, service_month, facility)
);
