"""The family page (zh-CN, server-rendered, readable on a phone) and the family's documents as JSON.

A family opens `/family?token=…` (or `/family/{token}`): its bills by month, each child's fee, each reduction
with the rule that gave it in plain words, the amount due, the credit notes, and the history. The token names
one family at one facility; it sees nothing else.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from billing.api.deps import lookup
from billing.web import wording
from tuoyu import auth
from tuoyu.auth import Principal, presented_key
from tuoyu.errors import Unauthorized
from tuoyu.money import format_cny, grouped_yuan
from tuoyu.months import Month

router = APIRouter(tags=["family"])
templates = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                        autoescape=select_autoescape(["html"]))
templates.filters["yuan"] = grouped_yuan

KIND_WORDS = {"invoice": "账单", "supplementary": "补充账单", "credit_note": "红字发票（退费）"}


async def _family(request: Request, token: str | None) -> Principal:
    key = token or presented_key(request)
    principal = await lookup(request, key) if key else None
    if principal is None or principal.role != auth.FAMILY:
        raise Unauthorized("this family link is not valid (unknown or revoked); ask your childcare facility for a new one")
    return principal


def _document(row, ruleset_info: dict) -> dict:
    explanation = json.loads(row["explanation"])
    kind = "supplementary" if row["kind"] == "invoice" and row["corrects"] else row["kind"]
    lines = [{"label": wording.fee_words(explanation), "amount": row["fee_fen"]}]
    if row["reduction_fen"]:
        label = wording.reduction_words(explanation) + ("（冲回）" if row["reduction_fen"] < 0 else "")
        lines.append({"label": label, "amount": -row["reduction_fen"],
                      "rule": wording.source_words(ruleset_info)})
    return {"number": row["number"], "kind": kind, "kind_words": KIND_WORDS[kind], "child": row["child"],
            "enrollment": row["enrollment"], "service_month": row["service_month"], "corrects": row["corrects"],
            "fee": row["fee_fen"], "reduction": row["reduction_fen"], "due": row["due_fen"],
            "issued_on": row["issued_at"].date().isoformat(), "lines": lines,
            "notes": wording.conditions(explanation), "ruleset": explanation.get("ruleset")}


async def family_view(request: Request, family: Principal) -> dict:
    pool = request.app.state.pool
    rows = await pool.fetch(
        "SELECT d.*, c.ruleset_info FROM family_documents d JOIN cycles c ON c.month = d.cycle_month "
        "AND c.jurisdiction = d.jurisdiction "
        "WHERE d.facility = $1 AND d.family = $2 ORDER BY d.service_month DESC, d.child, d.issued_at, d.number",
        family.facility, family.family)
    facility = await pool.fetchval("SELECT name FROM facilities WHERE external_id = $1", family.facility)
    months: OrderedDict[str, dict] = OrderedDict()
    for row in rows:
        info = json.loads(row["ruleset_info"]) if row["ruleset_info"] else {}
        doc = _document(row, info)
        month = months.setdefault(row["service_month"], {"month": row["service_month"], "children": OrderedDict(),
                                                         "due": 0})
        month["children"].setdefault(row["child"], []).append(doc)
        month["due"] += row["due_fen"]
    history = sorted((d for m in months.values() for docs in m["children"].values() for d in docs),
                     key=lambda d: (d["issued_on"], d["number"]), reverse=True)
    return {"facility": family.facility, "facility_name": facility or family.facility, "family": family.family,
            "months": list(months.values()), "history": history,
            "total_due": sum(m["due"] for m in months.values())}


templates.filters["month"] = lambda month: Month.parse(month).in_chinese()


@router.get("/family", response_class=HTMLResponse, summary="The family's page (token in the link)")
async def page(request: Request, token: str | None = None) -> HTMLResponse:
    try:
        family = await _family(request, token)
    except Unauthorized:
        return HTMLResponse(templates.get_template("invalid.html").render(), status_code=401)
    view = await family_view(request, family)
    return HTMLResponse(templates.get_template("family.html").render(**view))


@router.get("/family/documents", summary="The family's invoices and credit notes as JSON (family token)")
async def documents(request: Request, token: str | None = None) -> dict:
    view = await family_view(request, await _family(request, token))
    money = lambda fen: format_cny(fen)  # noqa: E731
    return {"facility": view["facility"], "family": view["family"], "total_due": money(view["total_due"]),
            "months": [{"month": m["month"], "due": money(m["due"]),
                        "documents": [{**{k: d[k] for k in ("number", "kind", "child", "enrollment", "service_month",
                                                              "corrects", "issued_on", "notes")},
                                       "fee": money(d["fee"]), "reduction": money(d["reduction"]),
                                       "due": money(d["due"]),
                                       "lines": [{**l, "amount": money(l["amount"])} for l in d["lines"]]}
                                      for docs in m["children"].values() for d in docs]}
                       for m in view["months"]]}


@router.get("/family/{token}", response_class=HTMLResponse, summary="The family's page (token in the path)")
async def page_by_path(token: str, request: Request) -> HTMLResponse:
    return await page(request, token)
