"""A scenario's families, children and enrollments as one roster file per facility (`scenario load --bulk`).

The rows go through the same public roster-import API a facility uses, so a large world loads at bulk speed
and still takes the path of real data.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from tuoyu.roster_file import COLUMNS


def _text(value) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def roster_csvs(scenario: dict) -> dict[str, bytes]:
    """{facility external_id: CSV bytes} with a row per enrollment, in the import's column order."""
    child_of = {k["external_id"]: (fam["external_id"], k) for fam in scenario.get("families", [])
                for k in fam.get("children", [])}
    files: dict[str, io.StringIO] = {}
    writers: dict[str, csv.writer] = {}
    for e in scenario.get("enrollments", []):
        facility = e["facility"]
        if facility not in files:
            files[facility] = io.StringIO()
            writers[facility] = csv.writer(files[facility])
            writers[facility].writerow(COLUMNS)
        family, child = child_of[e["child"]]
        row = {"family": family, "child": e["child"], "birth_date": child["birth_date"],
               "birth_order": child["birth_order"], "national_id": child.get("national_id"), "class": e["class"],
               "enrollment": e["external_id"], "care": e.get("care", "full_day"), "monthly_fee": e["monthly_fee"],
               "start": e["start"], "end": e.get("end")}
        writers[facility].writerow([_text(row[c]) for c in COLUMNS])
    return {facility: f.getvalue().encode() for facility, f in files.items()}
