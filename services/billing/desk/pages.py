"""The finance desk's reading pages: the month's cycles, the budgets, reconciliation, bank-account changes.

Each reads what the API's routes read, through the same functions, within the signed-in official's scope
(`desk.principal.scope()`, as `billing.api.scope.codes` gives the API); a refusal is the API's error, shown as a page.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from billing.api import budgets
from billing.api.scope import codes
from billing.cycle import store
from billing.desk import figures
from billing.desk.months import chosen_month
from billing.payouts import actions, payees
from billing.reports.month import month_report
from tuoyu import charts
from tuoyu.desk.web import Official, render
from tuoyu.money import yuan
from tuoyu.months import MonthQuery

router = APIRouter(prefix="/desk", tags=["finance desk"])


@router.get("", response_class=HTMLResponse, summary="Each jurisdiction's cycle of a month (the latest billed)")
async def home(request: Request, desk: Official, month: MonthQuery = None) -> HTMLResponse:
    reached = await codes(request, desk.principal, None)
    async with request.app.state.pool.acquire() as conn:
        month, months = await chosen_month(conn, month, reached)
        report = await month_report(conn, month, reached) if month else None
    return render(request, desk, "finance_home.html", month=month, months=months,
                  cycles=figures.cycle_rows(report) if report else [],
                  status_words=figures.STATUS_WORDS, total_words=figures.TOTAL_WORDS)


def _chart(standing: dict, months: list[dict]) -> str:
    """The year's cumulative drawing against the budget, month by month, in yuan (as the table beside it)."""
    series = [charts.Series("累计支出", [yuan(m["cumulative"]) for m in months])]
    if standing["amount"] is not None:
        series.append(charts.Series("年度预算", [yuan(standing["amount"])] * len(months)))
    return charts.line_chart(f"{standing['fund']} {standing['year']}年预算与累计支出",
                             [f"{int(m['month'][5:])}月" for m in months], series, unit="元")


@router.get("/budgets", response_class=HTMLResponse, summary="Each fund's budget against what is drawn, by month")
async def budget_page(request: Request, desk: Official) -> HTMLResponse:
    funds = []
    pairs = await budgets.visible(request, desk.principal)
    async with request.app.state.pool.acquire() as conn:
        for fund, year in pairs:
            standing = await budgets.standing(conn, fund, year)
            months = figures.year_by_month(year, await store.drawn_by_month(conn, fund, year))
            funds.append({**standing, "months": months, "chart": _chart(standing, months)})
    return render(request, desk, "finance_budgets.html", funds=funds)


@router.get("/reconcile", response_class=HTMLResponse, summary="Issued vs approved vs paid, every difference")
async def reconcile(request: Request, desk: Official, month: MonthQuery = None) -> HTMLResponse:
    reached = await codes(request, desk.principal, None)
    async with request.app.state.pool.acquire() as conn:
        month, _ = await chosen_month(conn, month, reached)
    found = await actions.reconciliation(request.app.state.pool, month, reached) if month else None
    return render(request, desk, "finance_reconcile.html", month=month, reconciliation=found)


@router.get("/bank-accounts", response_class=HTMLResponse, summary="Bank-account changes waiting for confirmation")
async def bank_accounts(request: Request, desk: Official) -> HTMLResponse:
    if request.app.state.inbox is not None:
        await request.app.state.inbox.wait_caught_up()  # the latest change each facility made, as the API shows it
    async with request.app.state.pool.acquire() as conn:
        waiting = await payees.waiting(conn, request.app.state.settings.today())
    return render(request, desk, "finance_bank_accounts.html",
                  accounts=[a for a in waiting if desk.principal.may_act_in(a["jurisdiction"])])
