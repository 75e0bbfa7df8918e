"""Public disclosure (信息公示): filed facilities for anyone, no key — and nothing about any child or family.

Each facility is listed in its jurisdiction on the day, and each jurisdiction with the rule set in force there, asked
of the subsidy service once per jurisdiction on the page (POLICY "Jurisdictions")."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from enrollment.api import schemas
from enrollment.api.deps import Today
from enrollment.domain import views
from enrollment.store import views as lists
from tuoyu.jurisdictions import Code

router = APIRouter(prefix="/public", tags=["public disclosure"])
_templates = Environment(loader=FileSystemLoader(Path(__file__).parent.parent / "templates"),
                         autoescape=select_autoescape(["html"]))

On = Annotated[date | None, Query(description="the day the figures are for (default: today)")]
Within = Annotated[Code | None, Query(alias="jurisdiction", description="only the facilities in this jurisdiction "
                                      "(six digits) or under it: a city's lists its districts' (default: every one)")]

KINDS = {"childcare_institution": "托育机构", "inclusive_private_integrated": "普惠民办托幼一体机构",
         "kindergarten_toddler_class": "幼儿园托班", "employer": "用人单位办托", "community": "社区托育点"}
OWNERSHIP = {"public": "公办", "private_nonprofit": "民办非营利", "private_forprofit": "民办营利"}
STATUS = {"filed": "已备案", "rectification": "整改中", "revoked": "已撤销备案", "registered": "未备案"}
CARE = {"full_day": "全日托", "half_day": "半日托", "hourly": "计时托", "temporary": "临时托"}
RESULT = {"pass": "合格", "fail": "不合格"}


async def _disclosure(request: Request, day: date, within: str | None) -> dict:
    async with request.app.state.pool.acquire() as conn:
        listed = await lists.disclosure(conn, day, within)
    rulesets = await request.app.state.rate_bounds.rulesets(day, [j["code"] for j in listed["jurisdictions"]])
    return {"as_of": day.isoformat(), "jurisdiction": within, "facilities": listed["facilities"],
            "jurisdictions": views.with_rulesets(listed["jurisdictions"], rulesets, day)}


@router.get("/facilities", response_model=schemas.Disclosure,
            summary="Filed facilities: kind, inclusive flag, capacity and places taken, fee standards, filing date, "
                    "review results; each one's jurisdiction and the rule set in force there (no key)")
async def facilities(request: Request, today: Today, on: On = None, within: Within = None) -> dict:
    return await _disclosure(request, on or today, within)


@router.get("/facilities.html", response_class=HTMLResponse,
            summary="The same, as a page in Chinese (zh-CN), by jurisdiction, each headed by its rule set")
async def facilities_page(request: Request, today: Today, on: On = None, within: Within = None) -> HTMLResponse:
    data = await _disclosure(request, on or today, within)
    html = _templates.get_template("public_facilities.html").render(
        **data, by_id={f["external_id"]: f for f in data["facilities"]},
        kinds=KINDS, ownership=OWNERSHIP, status=STATUS, care=CARE, result=RESULT)
    return HTMLResponse(html)
