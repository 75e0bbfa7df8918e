"""POLICY `budget`: payouts are funded in ascending facility external_id; one that does not fit whole waits.

A payout draws on the budget of each year in which its lines' service months fall (a release line: the held
payout's month). A later, smaller payout may still fit after a larger one waited. Held and cancelled payouts
draw nothing; a payout that lowers what is drawn (a negative adjustment) always fits.
"""

from __future__ import annotations

from typing import Iterable, Protocol

from billing.cycle.documents import AWAITING_BUDGET, ISSUED


class Fundable(Protocol):
    facility: str
    status: str
    cost_by_year: dict[int, int]


def fits(cost: dict[int, int], left: dict[int, int]) -> bool:
    return all(amount <= 0 or amount <= left.get(year, 0) for year, amount in cost.items())


def draw(cost: dict[int, int], left: dict[int, int]) -> None:
    for year, amount in cost.items():
        left[year] = left.get(year, 0) - amount


def fund(payouts: Iterable[Fundable], remaining: dict[int, int], *, waiting: str = ISSUED) -> dict[int, int]:
    """Fund each payout in status `waiting`, in facility order: it becomes `issued` if it fits whole, else
    `awaiting_budget`. Returns what is left per year."""
    left = dict(remaining)
    # Within one facility (waiting payouts of several cycles), the older payout first.
    for payout in sorted(payouts, key=lambda p: (p.facility, getattr(p, "number", ""))):
        if payout.status != waiting:
            continue
        if fits(payout.cost_by_year, left):
            draw(payout.cost_by_year, left)
            payout.status = ISSUED
        else:
            payout.status = AWAITING_BUDGET
    return left
