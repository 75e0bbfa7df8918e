"""Query parameters several routers share."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from tuoyu.jurisdictions import Code

JurisdictionQuery = Annotated[Code | None, Query(
    description="the jurisdiction governing the facilities (six digits; 000000: those in none); left out, the one "
                "governing every facility with enrollments in the month (422 if they are several)")]
