"""What the worked-examples scenario must come to, and a report with its volatile parts removed."""

from __future__ import annotations

import copy

from tests.scenarios import path

WORKED_EXAMPLES = path("worked-examples.yaml")


def comparable(report: dict) -> dict:
    """The report without what legitimately differs between two runs (nothing, today, but document numbers)."""
    report = copy.deepcopy(report)
    for kind in ("invoices", "credit_notes", "payouts"):
        report[kind] = sorted(report[kind], key=lambda d: (d["facility"], d.get("enrollment", ""), d["service_month"]
                                                             if "service_month" in d else ""))
    return report
