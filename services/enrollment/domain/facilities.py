"""Facility operations: registration, filing (备案), certifications, rate changes and annual reviews.

Each function runs inside the caller's transaction and returns the events to put in the outbox.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import asyncpg

from enrollment.domain import rules, snapshots
from enrollment.domain.models import Certifications, FacilityChange, Filing, NewFacility, RateChange, Review
from tuoyu import standing
from tuoyu.envelope import Envelope
from tuoyu.errors import Conflict, InvalidInput, NotFound
from tuoyu.money import format_rate, parse_rate

Events = list[Envelope]


async def facility_id(conn: asyncpg.Connection, external_id: str, *, lock: bool = False) -> int:
    """The facility's row id; `lock` excludes every other writer of the facility."""
    sql = "SELECT id FROM facilities WHERE external_id = $1" + (" FOR UPDATE" if lock else "")
    found = await conn.fetchval(sql, external_id)
    if found is None:
        raise NotFound(f"facility {external_id!r} does not exist")
    return found


async def register(conn: asyncpg.Connection, new: NewFacility, today: date, *, self_registered: bool = False
                   ) -> tuple[dict, bool, Events]:
    """Create the facility, or return the existing one when its content is the same (409 otherwise).

    A facility registering itself (no key) never gets an existing record back: that would hand its key to anyone.
    """
    wanted = new.model_dump(mode="json")
    row = await conn.fetchrow(
        "INSERT INTO facilities (external_id, name, kind, ownership, inclusive, serves_meals, bank_account, "
        "created_as, self_registered) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) "
        "ON CONFLICT (external_id) DO NOTHING RETURNING id",
        new.external_id, new.name, new.kind.value, new.ownership.value, new.inclusive, new.serves_meals,
        new.bank_account, json.dumps(wanted), self_registered)
    if row is None:
        if self_registered:
            raise Conflict(f"facility {new.external_id!r} is already registered; further keys come from the "
                           "health commission")
        fid = await facility_id(conn, new.external_id)
        existing = await snapshots.facility(conn, fid)
        created_as = await conn.fetchval("SELECT created_as FROM facilities WHERE id = $1", fid)
        diff = rules.differing(wanted, json.loads(created_as) if created_as else None, existing)
        if diff:
            raise Conflict(f"facility {new.external_id!r} already exists with other content ({', '.join(diff)})")
        return existing, False, []
    snapshot = await snapshots.facility(conn, row["id"])
    return snapshot, True, [snapshots.event("FacilityRegistered", today, new.external_id, facility=snapshot)]


ADMIN_ONLY_CHANGES = ("kind", "ownership", "inclusive", "serves_meals")


async def change(conn: asyncpg.Connection, external_id: str, change_: FacilityChange, by_admin: bool, today: date
                 ) -> tuple[dict, Events]:
    """Change what a facility registered: its own key may change its name and bank account, the rest is the
    health commission's (kind, ownership, inclusive and meals decide subsidies)."""
    wanted = change_.model_dump(exclude_unset=True, mode="json")
    if not by_admin:
        for field in ADMIN_ONLY_CHANGES:
            if field in wanted:
                raise InvalidInput(field, "only the health commission (admin key) may change this")
    for field in ("name", "kind", "ownership", "inclusive", "serves_meals"):
        if field in wanted and wanted[field] is None:
            raise InvalidInput(field, "must not be null")
    fid = await facility_id(conn, external_id, lock=True)
    before = await snapshots.facility(conn, fid)
    wanted = {k: v for k, v in wanted.items() if before[k] != v}
    if not wanted:
        return before, []
    sets = ", ".join(f"{column} = ${i}" for i, column in enumerate(wanted, start=2))
    await conn.execute(f"UPDATE facilities SET {sets}, version = version + 1 WHERE id = $1", fid, *wanted.values())
    snapshot = await snapshots.facility(conn, fid)
    return snapshot, [snapshots.event("FacilityChanged", today, external_id, facility=snapshot)]


async def _bump(conn: asyncpg.Connection, fid: int) -> None:
    await conn.execute("UPDATE facilities SET version = version + 1 WHERE id = $1", fid)


def check_rate(rate: str, bounds: tuple, field: str = "subsidy_rate") -> None:
    low, high = bounds
    if not low <= parse_rate(rate) <= high:
        raise InvalidInput(field, f"must be between {format_rate(low)} and {format_rate(high)} (the rule set's bounds)")


async def file(conn: asyncpg.Connection, external_id: str, filing: Filing, bounds: tuple) -> tuple[dict, Events]:
    """File the facility with the health commission and set its first subsidy rate from the filing date."""
    check_rate(filing.subsidy_rate, bounds)
    fid = await facility_id(conn, external_id, lock=True)
    current = await conn.fetchrow("SELECT filed_on, revoked_on FROM facilities WHERE id = $1", fid)
    rate_now = await conn.fetchval(
        "SELECT rate FROM facility_rates WHERE facility_id = $1 AND effective_from = $2", fid, filing.filed_on)
    if current["filed_on"] == filing.filed_on and rate_now is not None and rate_now == Decimal(filing.subsidy_rate):
        return await snapshots.facility(conn, fid), []
    if current["filed_on"] is not None and current["filed_on"] != filing.filed_on:
        raise Conflict(f"facility {external_id!r} was filed on {current['filed_on']}")
    if current["revoked_on"] is not None:
        raise InvalidInput("filed_on", "the facility is revoked")
    await conn.execute("UPDATE facilities SET filed_on = $2 WHERE id = $1", fid, filing.filed_on)
    await conn.execute(
        "INSERT INTO facility_rates (facility_id, effective_from, rate) VALUES ($1,$2,$3) "
        "ON CONFLICT (facility_id, effective_from) DO UPDATE SET rate = excluded.rate",
        fid, filing.filed_on, Decimal(filing.subsidy_rate))
    await _bump(conn, fid)
    snapshot = await snapshots.facility(conn, fid)
    return snapshot, [snapshots.event("FacilityFiled", filing.filed_on, external_id, facility=snapshot)]


async def certify(conn: asyncpg.Connection, external_id: str, certs: Certifications) -> tuple[dict, Events]:
    fid = await facility_id(conn, external_id, lock=True)
    before = await snapshots.facility(conn, fid)
    await conn.execute(
        "UPDATE facilities SET fire_safety_certified_on = $2, food_licence_on = $3 WHERE id = $1",
        fid, certs.fire_safety_certified_on, certs.food_licence_on)
    after = await snapshots.facility(conn, fid)
    if {k: v for k, v in after.items() if k != "version"} == {k: v for k, v in before.items() if k != "version"}:
        return before, []
    await _bump(conn, fid)
    after["version"] += 1
    occurred = certs.fire_safety_certified_on or certs.food_licence_on or date.today()
    return after, [snapshots.event("CertificationRecorded", occurred, external_id, facility=after)]


async def change_rate(conn: asyncpg.Connection, external_id: str, change: RateChange, bounds: tuple
                      ) -> tuple[dict, Events]:
    check_rate(change.rate, bounds, "rate")
    fid = await facility_id(conn, external_id, lock=True)
    existing = await conn.fetchval(
        "SELECT rate FROM facility_rates WHERE facility_id = $1 AND effective_from = $2", fid, change.effective_from)
    if existing is not None and existing == Decimal(change.rate):
        return await snapshots.facility(conn, fid), []
    if existing is not None:
        raise Conflict(f"a rate from {change.effective_from} is already set to {existing.normalize()}")
    await conn.execute("INSERT INTO facility_rates (facility_id, effective_from, rate) VALUES ($1,$2,$3)",
                       fid, change.effective_from, Decimal(change.rate))
    await _bump(conn, fid)
    snapshot = await snapshots.facility(conn, fid)
    return snapshot, [snapshots.event("SubsidyRateSet", change.effective_from, external_id, facility=snapshot)]


async def review(conn: asyncpg.Connection, external_id: str, review_: Review) -> tuple[dict, Events]:
    """Record an annual review; a second consecutive fail revokes the facility and ends its enrollments."""
    fid = await facility_id(conn, external_id, lock=True)
    existing = await conn.fetchval(
        "SELECT result FROM facility_reviews WHERE facility_id = $1 AND reviewed_on = $2", fid, review_.date)
    if existing == review_.result.value:
        return await snapshots.facility(conn, fid), []
    if existing is not None:
        raise Conflict(f"a review on {review_.date} is already recorded as {existing}")
    revoked_on = await conn.fetchval("SELECT revoked_on FROM facilities WHERE id = $1", fid)
    if revoked_on is not None:
        raise InvalidInput("date", f"the facility was revoked on {revoked_on}")
    reviews = [(r["reviewed_on"], r["result"]) for r in await conn.fetch(
        "SELECT reviewed_on, result FROM facility_reviews WHERE facility_id = $1 ORDER BY reviewed_on", fid)]
    if reviews and reviews[-1][0] > review_.date:
        # "Consecutive" is by date: a review slipped in before the last one would change what that one meant.
        raise InvalidInput("date", f"must be after the last recorded review ({reviews[-1][0]})")
    await conn.execute("INSERT INTO facility_reviews (facility_id, reviewed_on, result) VALUES ($1,$2,$3)",
                       fid, review_.date, review_.result.value)
    events: Events = []
    if standing.revocation_date(reviews + [(review_.date, review_.result.value)]) == review_.date:
        events += await _end_enrollments(conn, fid, external_id, review_.date)
        await conn.execute("UPDATE facilities SET revoked_on = $2 WHERE id = $1", fid, review_.date)
    await _bump(conn, fid)
    snapshot = await snapshots.facility(conn, fid)
    type_ = "FacilityRevoked" if snapshot["revoked_on"] else "ReviewRecorded"
    return snapshot, [snapshots.event(type_, review_.date, external_id, facility=snapshot)] + events


async def _end_enrollments(conn: asyncpg.Connection, fid: int, facility_key: str, revoked_on: date) -> Events:
    last_day = revoked_on - timedelta(days=1)
    rows = await conn.fetch(
        "UPDATE enrollments SET end_on = GREATEST(start_on - 1, $2::date), version = version + 1 "
        "WHERE facility_id = $1 AND (end_on IS NULL OR end_on > $2::date) RETURNING id", fid, last_day)
    return [snapshots.event("EnrollmentEnded", revoked_on, facility_key,
                            enrollment=await snapshots.enrollment(conn, r["id"]), reason="facility_revoked")
            for r in rows]
