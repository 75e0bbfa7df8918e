"""Public disclosure (信息公示): filed facilities for anyone, no key — and nothing about any child or family."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from enrollment.api import schemas
from enrollment.api.deps import Today
from enrollment.store import views as lists

router = APIRouter(prefix="/public", tags=["public disclosure"])
_templates = Environment(loader=FileSystemLoader(Path(__file__).parent.parent / "templates"),
                         autoescape=select_autoescape(["html"]))

On = Annotated[date | None, Query(description="the day the figures are for (default: today)")]

KINDS = {"childcare_institution": "托育机构", "inclusive_private_integrated": "普惠民办托幼一体机构",
         "kindergarten_toddler_class": "幼儿园托班", "employer": "用人单位办托", "community": "社区托育点"}
OWNERSHIP = {"public": "公办", "private_nonprofit": "民办非营利", "private_forprofit": "民办营利"}
STATUS = {"filed": "已备案", "rectification": "整改中", "revoked": "已撤销备案", "registered": "未备案"}
CARE = {"full_day": "全日托", "half_day": "半日托", "hourly": "计时托", "temporary": "临时托"}
RESULT = {"pass": "合格", "fail": "不合格"}


async def _disclosure(request: Request, day: date) -> dict:
    async with request.app.state.pool.acquire() as conn:
        return {"as_of": day.isoformat(), "facilities": await lists.disclosure(conn, day)}


@router.get("/facilities", response_model=schemas.Disclosure,
            summary="Filed facilities: kind, inclusive flag, capacity and places taken, fee standards, filing date, "
                    "review results (no key)")
async def facilities(request: Request, today: Today, on: On = None) -> dict:
    return await _disclosure(request, on or today)


@router.get("/facilities.html", response_class=HTMLResponse, summary="The same, as a page in Chinese (zh-CN)")
async def facilities_page(request: Request, today: Today, on: On = None) -> HTMLResponse:
    data = await _disclosure(request, on or today)
    html = _templates.get_template("public_facilities.html").render(
        **data, kinds=KINDS, ownership=OWNERSHIP, status=STATUS, care=CARE, result=RESULT)
    return HTMLResponse(html)
