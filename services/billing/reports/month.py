"""The month report of CONTRACT "The monthly cycle and its report": what that month's cycle issued."""

from __future__ import annotations

import json

import asyncpg

from tuoyu.errors import NotFound
from tuoyu.money import format_cny

_FAMILY_LINES = (("fee", "fee_fen", "proration", 1), ("reduction", "reduction_fen", "sibling_reduction", -1))
_MONTH_KINDS = ("operating_subsidy", "reduction_compensation")


def _is_grant(line) -> bool:
    return line["kind"] not in (*_MONTH_KINDS, "release")


def _is_adjustment(line, month: str) -> bool:
    """A line for an earlier service month: a correction, or a grant of a class confirmed late (CONTRACT: `adjustments`
    sums them; the other totals are the cycle month's own)."""
    return line["kind"] != "release" and line["service_month"] != month


def _family_document(row) -> dict:
    explanation = json.loads(row["explanation"])
    lines = [{"kind": kind, "amount": format_cny(sign * row[column]), "rule": explanation.get(f"{kind}_rule", rule),
              "explanation": explanation} for kind, column, rule, sign in _FAMILY_LINES if row[column] or kind == "fee"]
    return {"number": row["number"], "kind": row["kind"], "service_month": row["service_month"], "family": row["family"],
            "child": row["child"], "facility": row["facility"], "enrollment": row["enrollment"],
            "corrects": row["corrects"], "fee": format_cny(row["fee_fen"]), "reduction": format_cny(row["reduction_fen"]),
            "due": format_cny(row["due_fen"]), "lines": lines}


def _payout(row, lines, month: str) -> dict:
    def total(predicate) -> int:
        return sum(l["amount_fen"] for l in lines if predicate(l))

    current = lambda kind: total(lambda l: l["kind"] == kind and l["service_month"] == month)  # noqa: E731
    return {
        "number": row["number"], "facility": row["facility"], "status": row["status"],
        "operating_subsidy": format_cny(current("operating_subsidy")),
        "reduction_compensation": format_cny(current("reduction_compensation")),
        "construction_grants": format_cny(total(lambda l: _is_grant(l) and l["service_month"] == month)),
        "adjustments": format_cny(total(lambda l: _is_adjustment(l, month))),
        "released": format_cny(total(lambda l: l["kind"] == "release")),
        "total": format_cny(row["total_fen"]),
        "released_by": row["released_by"],
        "lines": [{"kind": l["kind"], "service_month": l["service_month"],
                   ("class" if _is_grant(l) else
                    "releases" if l["kind"] == "release" else "enrollment"): l["subject"],
                   "amount": format_cny(l["amount_fen"]), "rule": l["rule"], "corrects": l["corrects"],
                   "explanation": json.loads(l["explanation"])} for l in lines],
    }


async def month_report(conn: asyncpg.Connection, month: str) -> dict:
    cycle = await conn.fetchrow("SELECT * FROM cycles WHERE month = $1", month)
    if cycle is None:
        raise NotFound(f"month {month} has not been billed: run `tuoyu bill --month {month}` first")
    docs = await conn.fetch("SELECT * FROM family_documents WHERE cycle_month = $1 ORDER BY number", month)
    payouts = await conn.fetch("SELECT * FROM payouts WHERE cycle_month = $1 ORDER BY facility", month)
    lines = await conn.fetch(
        "SELECT l.* FROM payout_lines l JOIN payouts p ON p.number = l.payout WHERE p.cycle_month = $1 "
        "ORDER BY l.payout, l.line_no", month)
    blocked = await conn.fetch("SELECT service_month, facility, reason FROM blocked_facilities "
                               "WHERE cycle_month = $1 ORDER BY service_month, facility", month)
    by_payout: dict[str, list] = {}
    for line in lines:
        by_payout.setdefault(line["payout"], []).append(line)
    invoices = [d for d in docs if d["kind"] == "invoice"]
    credits = [d for d in docs if d["kind"] == "credit_note"]
    payout_json = [_payout(p, by_payout.get(p["number"], []), month) for p in payouts]
    fen = lambda rows, col: sum(r[col] for r in rows)  # noqa: E731
    status_total = lambda *statuses: sum(p["total_fen"] for p in payouts if p["status"] in statuses)  # noqa: E731
    line_total = lambda pred: sum(l["amount_fen"] for l in lines if pred(l))  # noqa: E731
    totals = {
        "fees": fen(invoices, "fee_fen"), "family_due": fen(invoices, "due_fen"),
        "credit_notes": fen(credits, "due_fen"), "reductions": fen(docs, "reduction_fen"),
        "operating_subsidy": line_total(lambda l: l["kind"] == "operating_subsidy" and l["service_month"] == month),
        "construction_grants": line_total(lambda l: _is_grant(l) and l["service_month"] == month),
        "adjustments": line_total(lambda l: _is_adjustment(l, month)),
        "held": status_total("held"), "awaiting_budget": status_total("awaiting_budget"),
        "payouts": status_total("issued", "approved", "paid"),
    }
    return {"month": month, "ruleset": cycle["ruleset_id"], "ruleset_version": cycle["ruleset_version"],
            "invoices": [_family_document(d) for d in invoices],
            "credit_notes": [_family_document(d) for d in credits],
            "payouts": payout_json, "totals": {k: format_cny(v) for k, v in totals.items()},
            # Facilities whose facts the subsidy engine refused (POLICY "Guard rails"): issued nothing for that
            # service month by this cycle; the cycle after the facts are fixed issues what waited.
            "blocked": [dict(b) for b in blocked]}
