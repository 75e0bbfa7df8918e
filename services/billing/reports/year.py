"""Reports for a calendar year: per facility and per fund, by the year of each amount's service month.

Per facility: what families were billed (net of corrections), what the facility earned by kind, and where that
money stands (issued, approved, paid, waiting for budget, held, cancelled). Per jurisdiction: the same for what
each jurisdiction's cycles issued, and a row per city (or province) summing its districts' (a subtotal, left out
of the totals row). Per fund: the budget, what is drawn, what is left, and the same standing. A held payout
released later counts under its release. Each report reads only the jurisdictions asked for (None: every one).
"""

from __future__ import annotations

import asyncpg

from billing.cycle import store
from billing.reports.table import Column, Table
from tuoyu.jurisdictions import Tree, lineage
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

JURISDICTION_COLUMNS = [Column("jurisdiction", "辖区代码"), Column("name", "辖区"), *FACILITY_COLUMNS[2:]]
_IN = "($2::text[] IS NULL OR {column} = ANY($2))"

_EARNED_SQL = (
    "SELECT {group}, sum(l.amount_fen) FILTER (WHERE l.kind = 'operating_subsidy')::bigint AS operating_subsidy, "
    "sum(l.amount_fen) FILTER (WHERE l.kind = 'reduction_compensation')::bigint AS reduction_compensation, "
    "sum(l.amount_fen) FILTER (WHERE l.kind NOT IN ('operating_subsidy', 'reduction_compensation', 'release'))"
    "::bigint AS grants FROM payout_lines l JOIN payouts p ON p.number = l.payout "
    "WHERE left(l.service_month, 4) = $1 AND l.kind <> 'release' AND p.status <> 'cancelled' AND "
    + _IN.format(column="p.jurisdiction") + " GROUP BY 1")
# Where the money stands: a released held payout's money stands where its release line stands.
_STANDING_SQL = (
    "SELECT {group}, p.status, sum(l.amount_fen)::bigint AS amount FROM payout_lines l "
    "JOIN payouts p ON p.number = l.payout WHERE left(l.service_month, 4) = $1 "
    "AND NOT (p.status = 'held' AND p.released_by IS NOT NULL) AND " + _IN.format(column="p.jurisdiction")
    + " GROUP BY 1, 2")
_FAMILIES_SQL = (
    "SELECT {group}, sum(fee_fen)::bigint AS fees, sum(reduction_fen)::bigint AS reductions, "
    "sum(due_fen)::bigint AS family_due FROM family_documents WHERE left(service_month, 4) = $1 AND "
    + _IN.format(column="jurisdiction") + " GROUP BY 1")


async def _earned_and_standing(conn: asyncpg.Connection, year: int, group: str, codes: list[str] | None
                               ) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for r in await conn.fetch(_EARNED_SQL.format(group=group), str(year), codes):
        out.setdefault(r[0], {}).update({k: r[k] or 0 for k, _ in EARNED})
    for r in await conn.fetch(_STANDING_SQL.format(group=group), str(year), codes):
        out.setdefault(r[0], {})[r["status"]] = r["amount"]
    return out


async def _money_rows(conn: asyncpg.Connection, year: int, key: str, codes: list[str] | None,
                      names: dict[str, str | None]) -> list[dict]:
    """One row per facility or per jurisdiction (`key`): families' bills, what was earned, where it stands."""
    money = await _earned_and_standing(conn, year, f"p.{key}", codes)
    families = {r[0]: r for r in await conn.fetch(_FAMILIES_SQL.format(group=key), str(year), codes)}
    rows = []
    for name in sorted(set(money) | set(families)):
        fam = families.get(name)
        rows.append({key: name, "name": names.get(name) or "",
                     **{k: (fam[k] if fam else 0) for k in ("fees", "reductions", "family_due")},
                     **{k: money.get(name, {}).get(k, 0) for k, _ in EARNED},
                     **{s: money.get(name, {}).get(s, 0) for s in STANDING}})
    return rows


async def facility_rows(conn: asyncpg.Connection, year: int, codes: list[str] | None = None) -> list[dict]:
    names = {r["external_id"]: r["name"] for r in await conn.fetch("SELECT external_id, name FROM facilities")}
    return await _money_rows(conn, year, "facility", codes, names)


def with_subtotals(rows: list[dict], tree: Tree, names: dict[str, str | None]) -> list[dict]:
    """The districts' rows, then a subtotal row for every city or province above them, summing its districts'."""
    money = [c.key for c in JURISDICTION_COLUMNS if c.money]
    above: dict[str, dict] = {}
    for row in rows:
        for code in lineage(row["jurisdiction"], tree)[1:]:
            total = above.setdefault(code, {"jurisdiction": code, "name": names.get(code) or "", "subtotal": True,
                                            **{k: 0 for k in money}})
            for k in money:
                total[k] += row[k]
    return [*rows, *(above[code] for code in sorted(above))]


async def jurisdiction_rows(conn: asyncpg.Connection, year: int, codes: list[str] | None = None) -> list[dict]:
    known = await conn.fetch("SELECT code, name, parent FROM jurisdictions")
    names = {r["code"]: r["name"] for r in known}
    rows = await _money_rows(conn, year, "jurisdiction", codes, names)
    return with_subtotals(rows, {r["code"]: r["parent"] for r in known}, names)


async def fund_rows(conn: asyncpg.Connection, year: int, codes: list[str] | None = None) -> list[dict]:
    money = await _earned_and_standing(conn, year, "coalesce(p.fund, '')", codes)
    funds = set(money)
    if codes is None:
        funds |= {r["fund"] for r in await conn.fetch("SELECT fund FROM budgets WHERE year = $1", year)}
    else:  # a fund is the jurisdictions' whose cycles drew on it
        funds |= {r["fund"] for r in await conn.fetch(
            "SELECT DISTINCT fund FROM cycles WHERE fund IS NOT NULL AND jurisdiction = ANY($1)", codes)}
    rows = []
    for fund in sorted(f for f in funds if f):
        budget = await store.budget_of(conn, fund, year, await store.default_budget(conn, fund)) or 0
        drawn = await store.drawn(conn, fund, year)
        rows.append({"fund": fund, "budget": budget, "drawn": drawn, "left": budget - drawn,
                     **{k: money.get(fund, {}).get(k, 0) for k, _ in EARNED},
                     **{s: money.get(fund, {}).get(s, 0) for s in STANDING}})
    return rows


async def year_table(conn: asyncpg.Connection, year: int, by: str, codes: list[str] | None = None) -> Table:
    if by == "facility":
        return Table(f"{year} 年度报表（按机构）", FACILITY_COLUMNS, await facility_rows(conn, year, codes))
    if by == "jurisdiction":
        return Table(f"{year} 年度报表（按辖区）", JURISDICTION_COLUMNS, await jurisdiction_rows(conn, year, codes))
    return Table(f"{year} 年度报表（按资金）", FUND_COLUMNS, await fund_rows(conn, year, codes))


def as_json(year: int, by: str, table: Table) -> dict:
    money = {c.key for c in table.columns if c.money}
    convert = lambda row: {k: format_cny(v) if k in money else v for k, v in row.items()}  # noqa: E731
    totals = table.totals()
    totals.pop(table.columns[0].key)
    return {"year": year, "by": by, "rows": [convert(r) for r in table.rows], "totals": convert(totals)}
