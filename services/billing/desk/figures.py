"""What the finance desk shows, from what the reports and the budgets already compute: pure, in fen.

A month's cycle per jurisdiction comes from `billing.reports.month.month_report` (the same document `tuoyu report`
prints), a fund's year from `billing.api.budgets.standing` and `billing.cycle.store.drawn_by_month`; here they are
only arranged for the page (counts and amounts by payout status, the year month by month).
"""

from __future__ import annotations

from billing.cycle.documents import STATUSES
from tuoyu.money import parse_cny

STATUS_WORDS = {"issued": "待批准", "held": "暂扣", "awaiting_budget": "待预算", "approved": "已批准",
                "paid": "已支付", "cancelled": "已取消"}
# The report's totals the desk shows for a jurisdiction, with their words.
TOTAL_WORDS = {"family_due": "家庭应付", "reductions": "减免补偿", "operating_subsidy": "运营补助",
               "construction_grants": "建设补助", "adjustments": "更正调整"}


def by_status(payouts: list[dict]) -> dict[str, dict]:
    """Every payout status (in the lifecycle's order) with how many payouts are in it and their total in fen."""
    counted = {status: {"count": 0, "fen": 0} for status in STATUSES}
    for p in payouts:
        counted[p["status"]]["count"] += 1
        counted[p["status"]]["fen"] += parse_cny(p["total"])
    return counted


def cycle_rows(report: dict) -> list[dict]:
    """Each jurisdiction's cycle of the report's month: payouts by status, the totals of `TOTAL_WORDS`, the
    facilities blocked (issued nothing for a service month: their facts were refused)."""
    return [{"code": j["code"], "name": j["name"] or j["code"], "ruleset": j["ruleset"],
             "statuses": by_status([p for p in report["payouts"] if p["jurisdiction"] == j["code"]]),
             "totals": {key: parse_cny(j["totals"][key]) for key in TOTAL_WORDS},
             "blocked": j["blocked"]} for j in report["jurisdictions"]]


def months_of(year: int) -> list[str]:
    return [f"{year}-{m:02d}" for m in range(1, 13)]


def year_by_month(year: int, drawn: dict[str, int]) -> list[dict]:
    """The year's twelve months: what each drew on the fund and what is drawn by its end (cumulative), in fen."""
    total, months = 0, []
    for month in months_of(year):
        total += drawn.get(month, 0)
        months.append({"month": month, "drawn": drawn.get(month, 0), "cumulative": total})
    return months
