"""The health commission's planning figures on a day, per jurisdiction, against the seeds' targets: pure.

For each jurisdiction on day D (POLICY "Jurisdictions"):
- places: the capacity of the classes open on D at facilities filed on D and not revoked (one in rectification is
  still filed, its places open): the public disclosure's `capacity`; inclusive places: those at inclusive (普惠)
  facilities; enrolled: children enrolled on D at those facilities (the disclosure's `places_taken`);
- residents: the latest figure the commission entered for the district dated on or before D.
A city's or province's row is the SUM of its county-level jurisdictions' counts, residents too: when a district has
no figure, the row's residents and places per 1,000 are null and `population_missing` names those districts (a
partial sum would flatter the city). Facilities in no jurisdiction are in no row.

Figures are exact fractions rounded half up to two decimals (`tuoyu.money.round_half_up`, the platform's one
rounding rule), as decimal strings like money; null where the divisor is zero: places per 1,000 residents,
the inclusive share of places (%), utilisation (enrolled ÷ places, %). Nothing here reads a clock or a database.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Iterable, Mapping

from enrollment.domain.jurisdictions import known_problem
from enrollment.domain.rules import refuse
from tuoyu import standing
from tuoyu.cells import csv_text
from tuoyu.jurisdictions import Entry, Tree, county_level, jurisdiction_on, lineage, under
from tuoyu.money import round_half_up

SEED_001 = "seed 001 (舟政办提函〔2022〕11号, 舟山市)"
SEED_002 = "seed 002 (余姚市关于促进3岁以下婴幼儿照护服务发展的实施意见)"


@dataclass(frozen=True)
class Target:
    key: str
    figure: str  # the figure it is a floor for: places_per_1000 or inclusive_share
    value: Decimal
    label: str  # a few words naming it and its source, for a chart's reference line
    words: str  # what it says, in the source's words
    source: str


TARGETS = (
    Target("national_2025", "places_per_1000", Decimal("4.5"), "全国2025年目标",
           "到2025年每千人口拥有3岁以下婴幼儿托位数4.5个",
           "national: 国民经济和社会发展第十四个五年规划纲要 (the issue's national target; in no seed)"),
    Target("old_areas", "places_per_1000", Decimal("6"), "老城区标准（种子002）",
           "老城区和已建成居住区，按每千人口不少于6个托位标准建设", SEED_002),
    Target("new_areas", "places_per_1000", Decimal("9"), "新建居住区标准（种子002）",
           "在新建居住区内，按每千人口不少于9个托位的标准", SEED_002),
    Target("inclusive_2025", "inclusive_share", Decimal("60"), "2025年普惠占比目标（种子001）",
           "到2025年，全市普惠托位占比达60%以上", SEED_001),
)
NO_UTILISATION_TARGET = "no seed sets a target for utilisation (children enrolled ÷ places): it is shown without one"


@dataclass(frozen=True)
class Counted:
    """A filed facility as the figures see it on the day."""
    jurisdiction: str | None  # its jurisdiction on the day
    open: bool  # filed on the day and not revoked: its places count
    inclusive: bool
    places: int
    enrolled: int


@dataclass(frozen=True)
class Counts:
    facilities: int = 0
    places: int = 0
    inclusive_places: int = 0
    enrolled: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


def counted(rows: Iterable[Mapping], reviews: Iterable[Mapping], histories: Mapping[str, list[Entry]], day: date
            ) -> list[Counted]:
    """The disclosure's facility rows (`store.views.filed_facilities`: id, external_id, inclusive, filed_on,
    revoked_on, capacity, places_taken) and reviews (facility_id, reviewed_on, result), as counted on `day`."""
    by_facility: dict[int, list[tuple[date, str]]] = {}
    for r in reviews:
        by_facility.setdefault(r["facility_id"], []).append((r["reviewed_on"], r["result"]))
    return [Counted(jurisdiction_on(histories.get(r["external_id"], []), day),
                    standing.status(r["filed_on"], r["revoked_on"], by_facility.get(r["id"], []), day)
                    in ("filed", "rectification"), r["inclusive"], r["capacity"], r["places_taken"]) for r in rows]


def shown(tree: Tree, covers: frozenset[str] | None, within: str | None) -> frozenset[str] | None:
    """The jurisdictions a caller covering `covers` (None: platform-wide) sees, narrowed to `within` and those under
    it when given; a `within` it does not cover reads as unknown to it (422), as elsewhere."""
    if within is None:
        return covers
    refuse(known_problem(within, {} if within in tree and (covers is None or within in covers) else None))
    return under(within, tree) if covers is None else under(within, tree) & covers


def residents_on(entries: Iterable[tuple[str, date, int]], day: date) -> dict[str, tuple[date, int]]:
    """Each jurisdiction's latest figure (as_of, residents) dated on or before `day`."""
    latest: dict[str, tuple[date, int]] = {}
    for code, as_of, residents in entries:
        if as_of <= day and (code not in latest or latest[code][0] < as_of):
            latest[code] = (as_of, residents)
    return latest


def figures(day: date, jurisdictions: list[dict], facilities: Iterable[Counted],
            populations: Iterable[tuple[str, date, int]], shown: set[str] | frozenset[str] | None = None) -> dict:
    """The figures of every jurisdiction in `shown` (None: every one), by code, with the targets they are held to.

    `jurisdictions` are {code, name, parent}; `populations` every entry (code, as_of, residents)."""
    tree: Tree = {j["code"]: j["parent"] for j in jurisdictions}
    own: dict[str, Counts] = {}
    for f in facilities:
        if f.open and f.jurisdiction is not None:
            own[f.jurisdiction] = own.get(f.jurisdiction, Counts()) + Counts(
                1, f.places, f.places if f.inclusive else 0, f.enrolled)
    people = residents_on(populations, day)
    # Each jurisdiction's county-level ones (itself, for a county): one walk up from each county, not a walk down
    # from each jurisdiction, so a country's 3,000 counties stay linear.
    counties: dict[str, list[str]] = {}
    for county in sorted(c for c in tree if county_level(c)):
        for above in lineage(county, tree):
            counties.setdefault(above, []).append(county)
    rows = [_row(j, counties.get(j["code"], []), own, people) for j in sorted(jurisdictions, key=lambda j: j["code"])
            if shown is None or j["code"] in shown]
    return {"on": day.isoformat(), "jurisdictions": rows,
            "targets": [{"key": t.key, "figure": t.figure, "value": str(t.value), "label": t.label,
                         "words": t.words, "source": t.source} for t in TARGETS],
            "utilisation_target": None, "utilisation_note": NO_UTILISATION_TARGET}


def level(code: str) -> str:
    """county (区/县/县级市), city or province, by the code's shape (`tuoyu.jurisdictions.county_level`)."""
    return "county" if county_level(code) else "province" if code.endswith("0000") else "city"


def _row(j: dict, districts: list[str], own: Mapping[str, Counts], people: Mapping[str, tuple[date, int]]) -> dict:
    code = j["code"]
    counts = sum((own.get(c, Counts()) for c in districts), Counts())
    missing = [c for c in districts if c not in people]
    residents = sum(people[c][1] for c in districts) if districts and not missing else None
    per_1000 = _hundredths(counts.places * 1000, residents)
    share = _hundredths(counts.inclusive_places * 100, counts.places)
    held = {"places_per_1000": per_1000, "inclusive_share": share}
    return {"code": code, "name": j["name"], "parent": j["parent"], "level": level(code),
            "districts": [] if county_level(code) else districts, "facilities": counts.facilities,
            "places": counts.places, "inclusive_places": counts.inclusive_places, "enrolled": counts.enrolled,
            "residents": residents,
            "residents_as_of": people[code][0].isoformat() if county_level(code) and code in people else None,
            "population_missing": missing,
            "places_per_1000": per_1000, "inclusive_share": share,
            "utilisation": _hundredths(counts.enrolled * 100, counts.places),
            "meets": {t.key: None if held[t.figure] is None else Decimal(held[t.figure]) >= t.value
                      for t in TARGETS}}


def _hundredths(numerator: int, denominator: int | None) -> str | None:
    """numerator ÷ denominator to two decimals, half up, as text ("7.50"); None when there is nothing to divide by."""
    if not denominator:
        return None
    return str(Decimal(round_half_up(Fraction(numerator * 100, denominator))).scaleb(-2))


COLUMNS = (("code", "代码"), ("name", "名称"), ("level", "层级"), ("facilities", "机构数"), ("places", "托位数"),
           ("inclusive_places", "普惠托位数"), ("enrolled", "在托人数"), ("residents", "常住人口"),
           ("residents_as_of", "人口日期"), ("population_missing", "缺少人口的区县"),
           ("places_per_1000", "每千人口托位数"), ("inclusive_share", "普惠托位占比(%)"),
           ("utilisation", "托位使用率(%)"))


def to_csv(report: dict) -> bytes:
    """The figures as CSV (UTF-8 with BOM, as the billing reports), a row per jurisdiction, then whether each target
    is met (是/否; empty: no figure). Text cells never start a formula (`tuoyu.cells`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([header for _, header in COLUMNS] + [f"达到{t.value}({t.key})" for t in TARGETS])
    for row in report["jurisdictions"]:
        cells = [" ".join(row[key]) if key == "population_missing" else row[key] for key, _ in COLUMNS]
        met = ["" if row["meets"][t.key] is None else "是" if row["meets"][t.key] else "否" for t in TARGETS]
        writer.writerow([csv_text("" if cell is None else cell) for cell in cells] + met)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
