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


def _totals(month: str, docs, payouts, lines) -> dict[str, str]:
    invoices = [d for d in docs if d["kind"] == "invoice"]
    credits = [d for d in docs if d["kind"] == "credit_note"]
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
    return {k: format_cny(v) for k, v in totals.items()}


def _of(rows, code: str) -> list:
    return [r for r in rows if r["jurisdiction"] == code]


async def month_report(conn: asyncpg.Connection, month: str, codes: list[str] | None = None) -> dict:
    """What the cycles of `month` issued in the jurisdictions `codes` (None: every one), in one document, with each
    jurisdiction's rule set and totals; the top-level rule set is the first jurisdiction's (the one's)."""
    cycles = await conn.fetch(
        "SELECT c.*, j.name FROM cycles c LEFT JOIN jurisdictions j ON j.code = c.jurisdiction "
        "WHERE c.month = $1 AND ($2::text[] IS NULL OR c.jurisdiction = ANY($2)) ORDER BY c.jurisdiction",
        month, codes)
    if not cycles:
        raise NotFound(f"month {month} has not been billed: run `tuoyu bill --month {month}` first")
    billed = [c["jurisdiction"] for c in cycles]
    docs = await conn.fetch("SELECT * FROM family_documents WHERE cycle_month = $1 AND jurisdiction = ANY($2) "
                            "ORDER BY number", month, billed)
    payouts = await conn.fetch("SELECT * FROM payouts WHERE cycle_month = $1 AND jurisdiction = ANY($2) "
                               "ORDER BY facility, jurisdiction", month, billed)
    lines = await conn.fetch(
        "SELECT l.*, p.jurisdiction FROM payout_lines l JOIN payouts p ON p.number = l.payout "
        "WHERE p.cycle_month = $1 AND p.jurisdiction = ANY($2) ORDER BY l.payout, l.line_no", month, billed)
    blocked = await conn.fetch("SELECT service_month, facility, reason, jurisdiction FROM blocked_facilities "
                               "WHERE cycle_month = $1 AND jurisdiction = ANY($2) "
                               "ORDER BY service_month, facility, jurisdiction", month, billed)
    by_payout: dict[str, list] = {}
    for line in lines:
        by_payout.setdefault(line["payout"], []).append(line)
    document = lambda d: {**_family_document(d), "jurisdiction": d["jurisdiction"]}  # noqa: E731
    return {"month": month, "ruleset": cycles[0]["ruleset_id"], "ruleset_version": cycles[0]["ruleset_version"],
            "invoices": [document(d) for d in docs if d["kind"] == "invoice"],
            "credit_notes": [document(d) for d in docs if d["kind"] == "credit_note"],
            "payouts": [{**_payout(p, by_payout.get(p["number"], []), month), "jurisdiction": p["jurisdiction"]}
                        for p in payouts],
            "totals": _totals(month, docs, payouts, lines),
            "jurisdictions": [{"code": c["jurisdiction"], "name": c["name"], "ruleset": c["ruleset_id"],
                               "ruleset_version": c["ruleset_version"],
                               "totals": _totals(month, *(_of(rows, c["jurisdiction"])
                                                          for rows in (docs, payouts, lines))),
                               "blocked": [_blocked(b) for b in _of(blocked, c["jurisdiction"])]} for c in cycles],
            # Facilities whose facts the subsidy engine refused (POLICY "Guard rails"): issued nothing for that
            # service month by this cycle; the cycle after the facts are fixed issues what waited.
            "blocked": [_blocked(b) for b in blocked]}


def _blocked(row) -> dict:
    return {"service_month": row["service_month"], "facility": row["facility"], "reason": row["reason"]}
