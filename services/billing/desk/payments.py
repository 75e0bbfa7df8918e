"""The finance desk's payment pages: the month's payouts approved, the bank file, the bank's confirmation, and a
facility's new bank account confirmed.

Every form is checked against the session's CSRF token first (`tuoyu.desk.web.form`) and then calls what the API's
route calls (`billing.api.payouts`, `billing.api.payees`), with the official as the caller: the same scope, the same
locks and waits, the same audit trail. A refusal is the API's error as a page (a bank file's bad lines, each named).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from billing.api import payouts as api
from billing.api.payees import Confirmation, confirm_account
from billing.api.scope import codes
from billing.cycle.documents import ISSUED
from billing.desk import figures
from billing.desk.months import chosen_month, month_of
from billing.payouts import payees
from tuoyu.bounds import LABEL_LENGTH
from tuoyu.desk.web import Official, as_model, back_to, field_of, form, render
from tuoyu.errors import InvalidInput
from tuoyu.months import MonthPath, MonthQuery

router = APIRouter(prefix="/desk", tags=["finance desk"])


def _notice(approved: int | None, paid: int | None, failed: int | None) -> str | None:
    said = [f"已批准 {approved} 笔拨付" if approved is not None else "",
            f"银行回单已导入：{paid} 笔已支付" if paid is not None else "",
            f"{failed} 笔银行退回，待下次代付" if failed else ""]
    return "；".join(s for s in said if s) or None


@router.get("/payouts", response_class=HTMLResponse, summary="The month's payouts, those waiting for approval first")
async def payouts_page(request: Request, desk: Official, month: MonthQuery = None, approved: int | None = None,
                       paid: int | None = None, failed: int | None = None) -> HTMLResponse:
    reached = await codes(request, desk.principal, None)
    async with request.app.state.pool.acquire() as conn:
        month, months = await chosen_month(conn, month, reached)
        rows = await api.find(conn, month, None, None, reached) if month else []
        waiting = [r for r in rows if r["status"] == ISSUED]
        unpayable = await payees.without_account(conn, [r["facility"] for r in waiting])
    return render(request, desk, "finance_payouts.html", month=month, months=months, payouts=rows, waiting=waiting,
                  waiting_total=sum(r["total_fen"] for r in waiting), unpayable=unpayable,
                  status_words=figures.STATUS_WORDS, label_length=LABEL_LENGTH,
                  notice=_notice(approved, paid, failed))


@router.post("/payouts/{month}/approve", status_code=303, summary="Approve the month's batch, the approver named")
async def approve(month: MonthPath, request: Request, desk: Official) -> Response:
    approver = field_of(await form(request, desk), "approver")  # the desk records a name on every approval
    approval = as_model(api.Approval, {"approver": approver})  # held to the API's bound
    done = await api.approve_month(request, desk.principal, month, approval.approver)
    return back_to(f"/desk/payouts?month={month}&approved={len(done['approved'])}")


@router.get("/bank-files/{month}", summary="The bank file (CSV) of the month's approved payouts, as the API's")
async def bank_file(month: MonthPath, request: Request, desk: Official) -> Response:
    return await api.bank_file(month, request, desk.principal)


@router.post("/bank-confirmations", status_code=303,
             summary="Import the bank's confirmation (multipart `file`): applied whole, or refused with each bad line")
async def bank_confirmation(request: Request, desk: Official) -> Response:
    upload = (await form(request, desk)).get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise InvalidInput("file", "请选择银行回单文件（CSV）")
    done = await api.import_confirmation(request, desk.principal, await upload.read(), upload.filename, "file")
    month = await month_of(request.app.state.pool, done["paid"] + done["failed_at_bank"])
    return back_to(f"/desk/payouts?month={month}&paid={len(done['paid'])}&failed={len(done['failed_at_bank'])}"
                   if month else "/desk/payouts")


@router.post("/facilities/{facility}/bank-account/confirm", status_code=303,
             summary="Confirm a facility's new bank account, typed as checked with the facility")
async def confirm_bank_account(facility: str, request: Request, desk: Official) -> Response:
    confirmation = as_model(Confirmation, {"account": field_of(await form(request, desk), "account")})
    await confirm_account(request, desk.principal, facility, confirmation.account, None)
    return back_to("/desk/bank-accounts")
