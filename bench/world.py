"""A deterministic world generator: facilities, classes, families of 1–4 children, enrollments, late events.

`generate(children=N, seed=S)` returns a scenario in CONTRACT's shape (the same dict a scenario YAML file holds),
so a world can be loaded through the public APIs, imported as rosters, or handed to the pure engine. The same
(N, seed) always gives the same world.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import NamedTuple

from tuoyu.jurisdictions import KNOWN, lineage
from tuoyu.months import Month

KINDS = (("childcare_institution", 90), ("inclusive_private_integrated", 6), ("community", 4))
FAMILY_SIZES = ((1, 50), (2, 30), (3, 15), (4, 5))
CHILDREN_PER_FACILITY = 150
CLASS_CAPACITY = 25


class Place(NamedTuple):
    """A county-level jurisdiction's rule set (shipped id or file) and its operating-subsidy bounds in percent: the
    rates filed there must lie within them."""
    ruleset: str
    rates: tuple[int, int]


def _pick(rng: random.Random, weighted) -> object:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def _facility(rng: random.Random, n: int, children: int) -> dict:
    classes = -(-children // (CLASS_CAPACITY - 5))
    filed = rng.random() > 0.03
    meals = rng.random() < 0.8
    return {
        "external_id": f"F{n:05d}", "name": f"托育园{n}", "kind": _pick(rng, KINDS),
        "ownership": rng.choice(["public", "private_nonprofit", "private_forprofit"]), "inclusive": rng.random() < 0.7,
        **({"filed_on": date(2022, 1, 1) + timedelta(days=rng.randrange(200))} if filed else {}),
        "fire_safety_certified": rng.random() > 0.02, "serves_meals": meals, "food_licence": meals and rng.random() > 0.03,
        "subsidy_rate": f"0.{rng.randint(8, 15):02d}", "bank_account": f"62220{n:014d}",
        "classes": [{"external_id": f"C{c}", "opened_on": date(2022, 3, 1) if rng.random() < 0.9 else date(2022, 9, 5),
                     "capacity": CLASS_CAPACITY} for c in range(1, classes + 1)],
        "reviews": [{"date": date(2022, 6, 30), "result": "pass"}],
    }


def generate(children: int, seed: int = 7, month: tuple[int, int] = (2022, 9), months: int = 2,
             places: dict[str, Place] | None = None) -> dict:
    """A world of about `children` children enrolled from `month`, with the next month's late events, billed for
    `months` months. `places` maps county-level jurisdictions (codes of `tuoyu.jurisdictions.KNOWN`) to what governs
    each: facilities are spread over them in turn, at rates their rule set allows. Without it, every facility is
    unplaced under Putuo's rule set, as before jurisdictions."""
    rng = random.Random(seed)
    first = date(*month, 1)
    facilities, families, enrollments, late = [], [], [], []
    made = 0
    while made < children:
        size = min(CHILDREN_PER_FACILITY, children - made)
        facility = _facility(rng, len(facilities) + 1, size)
        facilities.append(facility)
        seats = {c["external_id"]: 0 for c in facility["classes"]}
        placed = 0
        while placed < size:
            kids = min(_pick(rng, FAMILY_SIZES), size - placed)
            family_id = f"FAM{made + placed:07d}"
            youngest = first - timedelta(days=rng.randrange(120, 900))
            family = {"external_id": family_id, "children": []}
            for order in range(kids, 0, -1):  # youngest first; elder children were born earlier
                birth = youngest - timedelta(days=(kids - order) * rng.randrange(380, 500))
                child_id = f"K{made + placed:07d}"
                family["children"].append({"external_id": child_id, "birth_date": birth, "birth_order": order})
                klass = min(seats, key=seats.get)
                seats[klass] += 1
                opened = next(c["opened_on"] for c in facility["classes"] if c["external_id"] == klass)
                start = max(first if rng.random() < 0.9 else first + timedelta(days=rng.randrange(1, 25)), opened)
                enrollment = {"external_id": f"E{made + placed:07d}", "child": child_id,
                              "facility": facility["external_id"], "class": klass, "care": "full_day",
                              "monthly_fee": f"{rng.randrange(15, 41) * 100}.00", "start": start}
                if rng.random() < 0.05:
                    enrollment["end"] = start + timedelta(days=rng.randrange(0, 20))
                enrollments.append(enrollment)
                late.extend(_late_events(rng, enrollment, first))
                placed += 1
            families.append(family)
        made += size
    month = Month.of(first)
    timeline = [{"bill": str(month)}, *late]
    for _ in range(months - 1):
        month = month.next()
        timeline.append({"bill": str(month)})
    world = {"facilities": facilities, "families": families, "enrollments": enrollments, "timeline": timeline}
    if not places:
        return {"ruleset": "zhoushan-putuo-2022", **world}
    codes = sorted(places)
    rates = random.Random(seed + 1)  # its own: the default world's draws stay as they were
    for n, facility in enumerate(facilities):
        place = places[codes[n % len(codes)]]
        facility["jurisdiction"] = codes[n % len(codes)]
        facility["subsidy_rate"] = f"0.{rates.randint(*place.rates):02d}"
    return {"jurisdictions": _with_parents(codes), "rulesets": sorted({p.ruleset for p in places.values()}), **world}


def _with_parents(codes: list[str]) -> list[dict]:
    """The jurisdictions and their parents, parents first, as a scenario's `jurisdictions:` lists them."""
    ordered: list[str] = []
    for code in codes:
        for step in reversed(lineage(code, {c: parent for c, (_, parent) in KNOWN.items()})):
            if step not in ordered:
                ordered.append(step)
    return [{"code": c, "name": KNOWN[c][0], **({"parent": KNOWN[c][1]} if KNOWN[c][1] else {})} for c in ordered]


def _late_events(rng: random.Random, enrollment: dict, first: date) -> list[dict]:
    """Withdrawals and fee corrections that arrive after `first`'s month was billed."""
    if "end" in enrollment:
        return []
    roll = rng.random()
    ref = {"enrollment": enrollment["external_id"], "facility": enrollment["facility"]}
    if roll < 0.03:
        end = max(enrollment["start"], first + timedelta(days=rng.randrange(5, 25)))
        return [{"withdraw": {**ref, "end": end}}]
    if roll < 0.06:
        fee = f"{int(enrollment['monthly_fee'][:-3]) + rng.choice([-200, 200, 300])}.00"
        start = max(enrollment["start"], first + timedelta(days=rng.randrange(0, 20)))
        return [{"fee_change": {**ref, "monthly_fee": fee, "from": start}}]
    return []
