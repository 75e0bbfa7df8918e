"""Roster import: a CSV (UTF-8 or GBK) or XLSX file of families, children and enrollments, in one transaction.

The upload is spooled to a temporary file as it arrives (multipart `file`, or the raw body), read row by row, and
applied in batches inside one transaction. A dry run does the same and rolls back, so it reports exactly what a
real import would. Answers: 200 with the report when rows were (or, in a dry run, would all be) applied or were
there already; 422 problem+json, nothing written, when the file itself is unreadable, when a dry run finds a bad
row, or when no row of a real import could be applied.
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import date
from typing import IO, Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from enrollment.api import schemas
from enrollment.api.deps import OwnFacility, Today, pepper, unit_of_work
from enrollment.domain.rules import refuse, revoked_problem
from enrollment.importing import reader
from enrollment.importing.apply import RosterImport
from enrollment.store.facilities import facility_id, filed_and_revoked
from prometheus_client import Counter

from tuoyu.errors import PROBLEM, InvalidInput

router = APIRouter(prefix="/facilities/{facility}", tags=["roster import"])
ROSTER_ROWS = Counter("tuoyu_roster_rows", "Roster rows read by imports and dry runs", ["mode"])

BODY = {"requestBody": {"required": True, "content": {
    "text/csv": {"schema": {"type": "string", "format": "binary"}},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string",
                                                                                     "format": "binary"}},
    "multipart/form-data": {"schema": {"type": "object", "properties": {"file": {"type": "string",
                                                                                 "format": "binary"}}}}}}}


async def _spool(request: Request, limit: int) -> IO[bytes]:
    """The uploaded file in a temporary file (on disk past 1 MB), never whole in memory."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form(max_files=1)
        upload = next((v for v in form.values() if isinstance(v, UploadFile)), None)
        if upload is None:
            raise InvalidInput("file", "the multipart upload has no file part")
        return upload.file
    spooled = tempfile.SpooledTemporaryFile(max_size=1 << 20)
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            spooled.close()
            raise InvalidInput("file", f"larger than {limit >> 20} MB; split the roster")
        spooled.write(chunk)
    if size == 0:
        spooled.close()
        raise InvalidInput("file", "the request has no file: send it as the body or as multipart `file`")
    return spooled


@router.post("/roster", response_model=schemas.RosterReport, openapi_extra=BODY,
             summary="Import a roster (CSV UTF-8/GBK or XLSX): dry run reports every bad row, a real import applies "
                     "the good ones in one transaction",
             responses={422: {"description": "the file is unreadable, a dry run found bad rows, or no row could be "
                                             "applied (problem+json; `errors` are (row, column, reason))"}},
             description="Columns: family, child, birth_date, birth_order, national_id (optional), class, "
                         "enrollment, care (optional, full_day), monthly_fee, start, end (optional); see "
                         "docs/roster-import.md. Importing the same file again changes nothing.")
async def import_roster(facility: OwnFacility, request: Request, today: Today,
                        dry_run: Annotated[bool, Query(description="check everything, write nothing")] = False,
                        encoding: Annotated[str | None, Query(description="utf-8 | gbk | gb18030; detected when "
                                                                          "absent (CSV only)")] = None):
    settings = request.app.state.settings
    upload = await _spool(request, settings.roster_max_bytes)
    try:
        normalised = await asyncio.to_thread(reader.normalise, upload, encoding)
    finally:
        upload.close()
    try:
        if normalised.rows == 0:
            raise InvalidInput("file", "no rows under the header")
        report, written = await _apply(request, facility, normalised, dry_run, today)
    finally:
        normalised.close()
    body = {"dry_run": dry_run, "format": normalised.format, "encoding": normalised.encoding,
            "rows": report.rows, "created": report.created, "unchanged": report.unchanged,
            "bad_rows": len({e["row"] for e in report.errors}), "errors": report.errors}
    ROSTER_ROWS.labels("dry_run" if dry_run else "import").inc(report.rows)
    if report.errors and not written:
        detail = (f"{body['bad_rows']} of {report.rows} rows are bad; nothing was written"
                  + ("" if dry_run else " (no row could be applied)"))
        return JSONResponse({"type": "about:blank", "title": "Invalid input", "status": 422, "detail": detail, **body},
                            status_code=422, media_type=PROBLEM)
    return body


async def _apply(request: Request, facility: str, normalised: reader.Normalised, dry_run: bool, today: date):
    """Check and apply every row in one unit of work; roll back for a dry run or when nothing could be applied."""
    async with unit_of_work(request) as uow:
        fid = await facility_id(uow.conn, facility, lock=True)
        filed, revoked = await filed_and_revoked(uow.conn, fid)
        refuse(revoked_problem(revoked))
        importer = RosterImport(uow, fid, facility, pepper(request), today, normalised.repeated, filed)
        await importer.start(normalised.national_ids)
        await importer.run(normalised.cells())
        report = importer.report
        report.errors.sort(key=lambda e: e["row"])
        applied = sum(report.created.values()) > 0 or report.unchanged > 0
        if dry_run or (report.errors and not applied):
            uow.discard()
    return report, not uow.discarded
