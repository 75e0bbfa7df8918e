"""Facility operations: registration, filing (备案), certifications, rate changes and annual reviews.

Each handler runs inside the caller's unit of work: it locks and reads the facility through the store, asks the
domain, writes what was decided and returns the facility's snapshot and the events to put in the outbox.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import asyncpg

from enrollment.domain import facilities, snapshots
from enrollment.domain.models import Certifications, FacilityChange, Filing, NewFacility, RateChange, Review
from enrollment.handlers import jurisdictions
from enrollment.store import enrollments as enrollments_store, facilities as store
from tuoyu.envelope import Envelope

Events = list[Envelope]
Conn = asyncpg.Connection


async def register(conn: Conn, new: NewFacility, today: date, *, self_registered: bool = False
                   ) -> tuple[dict, bool, Events]:
    """Create the facility, or return the existing one when its content is the same (409 otherwise)."""
    fid = await store.insert(conn, new, new.content(), self_registered)
    existing = None
    if fid is None:
        fid = await store.facility_id(conn, new.external_id)
        existing = (await store.created_as(conn, fid), await store.snapshot(conn, fid))
    elif new.jurisdiction is not None:
        await jurisdictions.register_in(conn, fid, new.jurisdiction)
    if not facilities.registration(new, existing, self_registered=self_registered):
        return existing[1], False, []
    snapshot = await store.snapshot(conn, fid)
    return snapshot, True, [snapshots.event("FacilityRegistered", today, new.external_id, facility=snapshot)]


async def change(conn: Conn, external_id: str, change_: FacilityChange, by_admin: bool, today: date
                 ) -> tuple[dict, Events]:
    fid = await store.facility_id(conn, external_id, lock=True)
    before = await store.snapshot(conn, fid)
    columns = facilities.changes(change_, by_admin, before)
    if not columns:
        return before, []
    await store.update(conn, fid, columns)
    snapshot = await store.snapshot(conn, fid)
    return snapshot, [snapshots.event("FacilityChanged", today, external_id, facility=snapshot)]


async def file(conn: Conn, external_id: str, filing: Filing, bounds: tuple | None, today: date) -> tuple[dict, Events]:
    """File the facility with the health commission and set its first subsidy rate from the filing date."""
    if bounds is not None:  # None: no rule set is in force there yet (POLICY "Jurisdictions")
        facilities.check_rate(filing.subsidy_rate, bounds)
    fid = await store.facility_id(conn, external_id, lock=True)
    if not facilities.filing(external_id, filing, *await store.filing(conn, fid, filing.filed_on), today):
        return await store.snapshot(conn, fid), []
    await store.file(conn, fid, filing.filed_on, Decimal(filing.subsidy_rate))
    snapshot = await store.snapshot(conn, fid)
    return snapshot, [snapshots.event("FacilityFiled", filing.filed_on, external_id, facility=snapshot)]


async def certify(conn: Conn, external_id: str, certs: Certifications, today: date) -> tuple[dict, Events]:
    fid = await store.facility_id(conn, external_id, lock=True)
    before = await store.snapshot(conn, fid)
    occurred = facilities.certification(before, certs, today)
    if occurred is None:
        return before, []
    await store.certify(conn, fid, certs)
    snapshot = await store.snapshot(conn, fid)
    return snapshot, [snapshots.event("CertificationRecorded", occurred, external_id, facility=snapshot)]


async def change_rate(conn: Conn, external_id: str, change_: RateChange, bounds: tuple | None, today: date
                      ) -> tuple[dict, Events]:
    if bounds is not None:
        facilities.check_rate(change_.rate, bounds, "rate")
    fid = await store.facility_id(conn, external_id, lock=True)
    if not facilities.rate_change(change_, await store.rate_from(conn, fid, change_.effective_from), today):
        return await store.snapshot(conn, fid), []
    await store.add_rate(conn, fid, change_.effective_from, Decimal(change_.rate))
    snapshot = await store.snapshot(conn, fid)
    return snapshot, [snapshots.event("SubsidyRateSet", change_.effective_from, external_id, facility=snapshot)]


async def review(conn: Conn, external_id: str, review_: Review) -> tuple[dict, Events]:
    """Record an annual review; a second consecutive fail revokes the facility and ends its enrollments."""
    fid = await store.facility_id(conn, external_id, lock=True)
    revokes = facilities.review(review_, *await store.reviews(conn, fid, review_.date))
    if revokes is None:
        return await store.snapshot(conn, fid), []
    await store.add_review(conn, fid, review_.date, review_.result.value)
    ended: Events = []
    if revokes:
        for eid in await store.revoke(conn, fid, review_.date, facilities.last_day_of_care(review_.date)):
            ended.append(snapshots.event("EnrollmentEnded", review_.date, external_id,
                                         enrollment=await enrollments_store.snapshot(conn, eid),
                                         reason="facility_revoked"))
    await store.bump(conn, fid)
    snapshot = await store.snapshot(conn, fid)
    type_ = "FacilityRevoked" if snapshot["revoked_on"] else "ReviewRecorded"
    return snapshot, [snapshots.event(type_, review_.date, external_id, facility=snapshot)] + ended
