"""A small builder of one month's facts, so that tests read like the situation they describe."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from subsidy.rules.facts import (
    ChildRecord, ClassFacts, EnrollmentRecord, Facility, MonthFacts,
)
from tuoyu.money import parse_cny, parse_rate
from tuoyu.months import Month


def day(text: str | date | None) -> date | None:
    return date.fromisoformat(text) if isinstance(text, str) else text


class World:
    """Facilities, classes, children and enrollments added one by one; `facts(month)` gives the columns."""

    def __init__(self):
        self.facilities: list[Facility] = []
        self.classes: list[ClassFacts] = []
        self.children: list[ChildRecord] = []
        self.enrollments: list[tuple] = []

    def facility(self, external_id=None, kind="childcare_institution", rate="0.12", filed="2020-01-01",
                 fire_safety="2020-01-01", meals=False, food_licence=None, revoked=None, rates=None, reviews=()):
        """An eligible facility by default: filed and certified since 2020, rate 12%, no meals."""
        rate_list = rates if rates is not None else ([("2000-01-01", rate)] if rate is not None else [])
        self.facilities.append(Facility(
            external_id=external_id or f"F{len(self.facilities) + 1:03d}",
            kind=kind,
            serves_meals=meals,
            filed_on=day(filed),
            fire_safety_certified_on=day(fire_safety),
            food_licence_on=day(food_licence),
            revoked_on=day(revoked),
            rates=tuple((day(since), parse_rate(r)) for since, r in rate_list),
            reviews=tuple((day(d), outcome) for d, outcome in reviews),
        ))
        return len(self.facilities) - 1

    def klass(self, facility, opened, closed=None, external_id=None, confirmed="opened"):
        """A class confirmed by the health commission on its opening day, unless `confirmed` says (None: not)."""
        external_id = external_id or f"C{len(self.classes) + 1:03d}"
        confirmed_on = day(opened) if confirmed == "opened" else day(confirmed)
        self.classes.append(ClassFacts(facility, external_id, day(opened), day(closed), confirmed_on))
        return len(self.classes) - 1

    def child(self, family=1, born="2021-03-01", order=1):
        self.children.append(ChildRecord(family, day(born), order))
        return len(self.children) - 1

    def enroll(self, child, facility, start="2000-01-01", end=None, fee="2000.00", fees=None):
        """`fees` as [(from, to, "2000.00"), ...] for fee changes; otherwise one fee over the whole month."""
        self.enrollments.append((child, facility, day(start), day(end), fee, fees))
        return len(self.enrollments) - 1

    def facts(self, month: Month | str) -> MonthFacts:
        month = Month.parse(month) if isinstance(month, str) else month
        records = []
        for child, facility, start, end, fee, fees in self.enrollments:
            if fees is None:
                lo, hi = max(start, month.first_day), min(end or date.max, month.last_day)
                runs = ((lo, hi, parse_cny(fee)),) if lo <= hi else ()
            else:
                runs = tuple((day(s), day(t), parse_cny(f)) for s, t, f in fees)
            records.append(EnrollmentRecord(child, facility, start, end, runs))
        return MonthFacts.from_records(self.facilities, self.classes, self.children, records)


def rate(text: str) -> Fraction:
    return parse_rate(text)
