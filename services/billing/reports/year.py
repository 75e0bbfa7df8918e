"""Reports for a calendar year: per facility and per fund, by the year of each amount's service month.

Per facility: what families were billed (net of corrections), what the facility earned by kind, and where that
money stands (issued, approved, paid, waiting for budget, held, cancelled). Per fund: the budget, what is
drawn, what is left, and the same standing. A held payout released later counts under its release.
"""

from __future__ import annotations

import asyncpg

from billing.cycle import store
from billing.reports.table import Column, Table
from tuoyu.money import format_cny

STANDING = ("issued", "approved", "paid", "awaiting_budget", "held", "cancelled")
STANDING_HEADERS = {"issued": "已开具", "approved": "已批准", "paid": "已支付", "awaiting_budget": "待预算",
                    "held": "暂缓（整改）", "cancelled": "已取消"}
EARNED = (("operating_subsidy", "运营补助"), ("reduction_compensation", "减免补偿"), ("grants", "建设补助"))

FACILITY_COLUMNS = [Column("facility", "机构编号"), Column("name", "机构名称"),
                    Column("fees", "保育费", True), Column("reductions", "减免", True),
                    Column("family_due", "家庭应付", True),
                    *[Column(k, h, True) for k, h in EARNED],
                    *[Column(s, STANDING_HEADERS[s], True) for s in STANDING]]
FUND_COLUMNS = [Column("fund", "资金"), Column("budget", "预算", True), Column("drawn", "已使用", True),
                Column("left", "剩余", True), *[Column(k, h, True) for k, h in EARNED],
                *[Column(s, STANDING_HEADERS[s], True) for s in STANDING]]

_EARNED_SQL = (
    "SELECT {group}, sum(l.amount_fen) FILTER (WHERE l.kind = 'operating_subsidy')::bigint AS operating_subsidy, "
    "sum(l.amount_fen) FILTER (WHERE l.kind = 'reduction_compensation')::bigint AS reduction_compensation, "
    "sum(l.amount_fen) FILTER (WHERE l.kind NOT IN ('operating_subsidy', 'reduction_compensation', 'release'))"
    "::bigint AS grants FROM payout_lines l JOIN payouts p ON p.number = l.payout "
    "WHERE left(l.service_month, 4) = $1 AND l.kind <> 'release' AND p.status <> 'cancelled' GROUP BY 1")
# Where the money stands: a released held payout's money stands where its release line stands.
_STANDING_SQL = (
    "SELECT {group}, p.status, sum(l.amount_fen)::bigint AS amount FROM payout_lines l "
    "JOIN payouts p ON p.number = l.payout WHERE left(l.service_month, 4) = $1 "
    "AND NOT (p.status = 'held' AND p.released_by IS NOT NULL) GROUP BY 1, 2")


async def _earned_and_standing(conn: asyncpg.Connection, year: int, group: str) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for r in await conn.fetch(_EARNED_SQL.format(group=group), str(year)):
        out.setdefault(r[0], {}).update({k: r[k] or 0 for k, _ in EARNED})
    for r in await conn.fetch(_STANDING_SQL.format(group=group), str(year)):
        out.setdefault(r[0], {})[r["status"]] = r["amount"]
    return out


async def facility_rows(conn: asyncpg.Connection, year: int) -> list[dict]:
    money = await _earned_and_standing(conn, year, "p.facility")
    families = {r["facility"]: r for r in await conn.fetch(
        "SELECT facility, sum(fee_fen)::bigint AS fees, sum(reduction_fen)::bigint AS reductions, "
        "sum(due_fen)::bigint AS family_due FROM family_documents WHERE left(service_month, 4) = $1 GROUP BY 1",
        str(year))}
    names = {r["external_id"]: r["name"] for r in await conn.fetch("SELECT external_id, name FROM facilities")}
    rows = []
    for facility in sorted(set(money) | set(families)):
        fam = families.get(facility)
        rows.append({"facility": facility, "name": names.get(facility, ""),
                     **{k: (fam[k] if fam else 0) for k in ("fees", "reductions", "family_due")},
                     **{k: money.get(facility, {}).get(k, 0) for k, _ in EARNED},
                     **{s: money.get(facility, {}).get(s, 0) for s in STANDING}})
    return rows


async def fund_rows(conn: asyncpg.Connection, year: int) -> list[dict]:
    money = await _earned_and_standing(conn, year, "coalesce(p.fund, '')")
    funds = {r["fund"] for r in await conn.fetch("SELECT fund FROM budgets WHERE year = $1", year)} | set(money)
    rows = []
    for fund in sorted(f for f in funds if f):
        budget = await store.budget_of(conn, fund, year, await store.default_budget(conn, fund)) or 0
        drawn = await store.drawn(conn, fund, year)
        rows.append({"fund": fund, "budget": budget, "drawn": drawn, "left": budget - drawn,
                     **{k: money.get(fund, {}).get(k, 0) for k, _ in EARNED},
                     **{s: money.get(fund, {}).get(s, 0) for s in STANDING}})
    return rows


async def year_table(conn: asyncpg.Connection, year: int, by: str) -> Table:
    if by == "facility":
        return Table(f"{year} 年度报表（按机构）", FACILITY_COLUMNS, await facility_rows(conn, year))
    return Table(f"{year} 年度报表（按资金）", FUND_COLUMNS, await fund_rows(conn, year))


def as_json(year: int, by: str, table: Table) -> dict:
    money = {c.key for c in table.columns if c.money}
    convert = lambda row: {k: format_cny(v) if k in money else v for k, v in row.items()}  # noqa: E731
    totals = table.totals()
    totals.pop(table.columns[0].key)
    return {"year": year, "by": by, "rows": [convert(r) for r in table.rows], "totals": convert(totals)}
