"""Families and children: what registering and correcting them decide, from what the store read.

The API registers one at a time; the roster import registers the families and children its rows name, with the
same functions and what it holds in memory (the siblings accepted so far, the national IDs seen here).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Sequence

from enrollment.domain import rules
from enrollment.domain.rules import Sibling, refuse
from tuoyu import national_id
from tuoyu.errors import InvalidInput
from tuoyu.hashing import keyed_hash

HOUSEHOLD_PURPOSE = "household:"  # what a household key hashes beside the number: never the number's own hash


@dataclass(frozen=True, slots=True)
class Guardian:
    """A guardian's national ID as the family keeps it: `id_hash`, its keyed hash (compared when the family is
    registered again), and `household`, the key the same guardian's families share at any facility (POLICY
    "Households"), a keyed hash under another purpose, so it can be shown to the subsidy service without letting
    anyone holding the other hash, or not holding the pepper, link or test a number. `number` stays in memory."""
    id_hash: str
    household: str
    number: str = field(repr=False)

    @classmethod
    def of(cls, pepper: str, number: str | None) -> Guardian | None:
        if number is None:
            return None
        number = national_id.normalised(number)
        return cls(keyed_hash(pepper, number), keyed_hash(pepper, HOUSEHOLD_PURPOSE + number), number)


def family_fingerprint(name: str | None, guardian_hash: str | None) -> dict:
    return {"name": name, "guardian_id": guardian_hash}


def register_family(external_id: str, name: str | None, existing: Sequence[dict | None] | None,
                    revoked_on: date | None, guardian: Guardian | None = None, filed: bool = True) -> bool:
    """True: create the family; False: the same family again. `existing`: its fingerprints now and as created;
    `guardian`: the guardian's national ID, checked as a child's is (no birth date to match), if given."""
    if existing is not None:
        rules.same_or_differs("family", external_id, family_fingerprint(name, guardian and guardian.id_hash),
                              *existing)
        return False
    refuse(rules.revoked_problem(revoked_on))
    refuse(rules.national_id_problem(guardian and guardian.number, None, filed, "guardian_id"))
    return True


@dataclass(frozen=True, slots=True)
class Child:
    """A child to register, as plain values; `id_hash` is the keyed hash of its national ID, if given, and
    `national_id` the number itself, to be checked (held only in memory: never stored, never shown)."""
    external_id: str
    family: str
    birth_date: date
    birth_order: int
    id_hash: str | None
    national_id: str | None = field(default=None, repr=False)

    def fingerprint(self) -> dict:
        return fingerprint(self.family, self.birth_date, self.birth_order, self.id_hash)


def fingerprint(family: str, birth_date: date, birth_order: int, id_hash: str | None) -> dict:
    return {"family": family, "birth_date": birth_date.isoformat(), "birth_order": birth_order, "national_id": id_hash}


def register_child(new: Child, *, existing: Sequence[dict | None] | None, revoked_on: date | None, filed: bool,
                   today: date, registered_as: str | None, siblings: list[Sibling]) -> bool:
    """True: create the child; False: the same child again. `filed`: the facility is filed (备案); `registered_as`:
    the child this facility holds under the same national ID, if any; `siblings`: the family's other children."""
    if existing is not None:
        rules.same_or_differs("child", new.external_id, new.fingerprint(), *existing)
        return False
    refuse(rules.revoked_problem(revoked_on))
    refuse(rules.birth_date_problem(new.birth_date, today))
    refuse(rules.national_id_problem(new.national_id, new.birth_date, filed))
    refuse(rules.twin_problem(registered_as))
    refuse(rules.birth_order_problem(siblings + [Sibling(new.external_id, new.birth_date, new.birth_order)]))
    return True


def correction(external_id: str, birth_date: date, birth_order: int, given: dict, *, today: date,
               first_start: date | None, siblings: list[Sibling], national_id_on_file: bool
               ) -> tuple[date, int] | None:
    """The corrected (birth date, birth order), or None when `given` changes nothing. `siblings` leaves the child
    out; `first_start` is its first day of care, if it was ever enrolled.

    A child registered with a national ID keeps its birth date: the ID holds it and was checked against it, and
    only the ID's hash is kept, so a new date could not be checked against the ID again."""
    for field in given:
        if given[field] is None:
            raise InvalidInput(field, "must not be null")
    corrected = given.get("birth_date", birth_date), given.get("birth_order", birth_order)
    if corrected == (birth_date, birth_order):
        return None
    refuse(rules.birth_date_problem(corrected[0], today))
    if national_id_on_file and corrected[0] != birth_date:
        raise InvalidInput("birth_date", rules.ID_HOLDS_BIRTH_DATE)
    if first_start is not None and corrected[0] > first_start:
        raise InvalidInput("birth_date", f"the child is enrolled from {first_start}, before that date")
    refuse(rules.birth_order_problem(siblings + [Sibling(external_id, *corrected)]))
    return corrected
