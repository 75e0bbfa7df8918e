"""POLICY `budget`: payouts are funded in ascending facility external_id; one that does not fit whole waits.

A payout draws on the budget of each year in which its lines' service months fall. A later, smaller payout
may still fit after a larger one waited. Held and cancelled payouts draw nothing.
"""

from __future__ import annotations

from collections import Counter

from billing.cycle.documents import AWAITING_BUDGET, ISSUED, PayoutDraft


def cost_by_year(payout: PayoutDraft) -> Counter:
    cost: Counter = Counter()
    for line in payout.lines:
        cost[int(line.service_month[:4])] += line.amount
    return cost


def fund(payouts: list[PayoutDraft], remaining: dict[int, int]) -> dict[int, int]:
    """Mark each issued payout that does not fit `awaiting_budget`; returns what is left per year."""
    left = dict(remaining)
    for payout in sorted(payouts, key=lambda p: p.facility):
        if payout.status != ISSUED:
            continue
        cost = cost_by_year(payout)
        if all(amount <= 0 or amount <= left.get(year, 0) for year, amount in cost.items()):
            for year, amount in cost.items():
                left[year] = left.get(year, 0) - amount
        else:
            payout.status = AWAITING_BUDGET
    return left
