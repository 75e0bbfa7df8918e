"""What is due for a month: the subsidy service's answer to billing (`GET /due/{month}`), one model, one encoding.

The subsidy service builds a `Due` from its engine's result and sends `encode(due)`; billing reads `decode(body)`.
Nothing else writes or parses the answer, so the two sides cannot drift apart: a field missing or of another type
fails `decode` at once instead of reading as absent (a field billing does not know yet is ignored).

The lines are columns (one JSON array per field, facilities by position) rather than one object per line: a city
bills a million child-months in one cycle, and building and parsing a million small objects was most of its time.
For the same reason `encode` writes with orjson, which takes numpy arrays as they are: the producer may put numpy
columns where the model says `list` (decoding gives lists, which billing turns into numpy). orjson sees the
structs as their fields, so fields keep their Python names on the wire (no renames).

Explanations (POLICY `explanation`) are built here and nowhere else: a line's from the answer's shared values and
its input columns (`line_explanations`), a grant's and a facility's by their own method.
"""

from __future__ import annotations

from datetime import date

import msgspec
import numpy as np
import orjson

from tuoyu.jurisdictions import UNPLACED
from tuoyu.money import format_cny


class RuleSetRef(msgspec.Struct, frozen=True):
    """The rule-set version every amount of the answer was computed under."""

    id: str
    version: str


class Fund(msgspec.Struct, frozen=True):
    """The fund that pays the rule set's money, and its budget for a year the finance bureau has set none for."""

    id: str
    name: str
    default_budget_fen: int


class FacilityStanding(msgspec.Struct, frozen=True, kw_only=True):
    """A facility's standing at the month's end (POLICY `facility_eligibility`, `annual_review`)."""

    facility: str           # external_id
    held: bool              # the month's last day falls in rectification and it is not revoked: computed, not paid
    revoked: bool           # revoked on or before the month's last day
    in_rectification: bool  # its latest review on or before the month's end failed
    eligible_days: int      # days of the month it was eligible
    rate: str | None        # operating-subsidy rate on the month's last day, within the rule set's bounds ("0.12")
    revoked_on: date | None
    # A rate set under other bounds (or before any rule set) is held to the nearest bound (POLICY "Jurisdictions"):
    # `rate_set` is the facility's own, `rate` the one applied.
    rate_set: str | None = None
    clamped: bool = False

    def explanation(self) -> dict:
        """What a payout of this facility says about its standing (and, when its rate was clamped, that too)."""
        clamped = {"rate_set": self.rate_set, "clamped": True} if self.clamped else {}
        return {"held": self.held, "revoked": self.revoked, "in_rectification": self.in_rectification,
                "eligible_days": self.eligible_days, "rate": self.rate,
                "revoked_on": self.revoked_on.isoformat() if self.revoked_on else None, **clamped}


class Grant(msgspec.Struct, frozen=True, kw_only=True):
    """A class's one-time grant, earned by the month's end; billing pays each (facility, class, grant) once ever."""

    facility: str
    class_id: str  # the class's external_id
    grant: str     # the rule set's grant id ("construction")
    rule: str      # the rule that gives it ("construction_grant")
    amount_fen: int

    def explanation(self, ruleset: RuleSetRef) -> dict:
        """What the grant's payout line says: the rule set, the rule and what it was paid for."""
        return {"ruleset": ruleset.id, "ruleset_version": ruleset.version, "rule": self.rule, "grant": self.grant,
                "class": self.class_id, "amount": format_cny(self.amount_fen)}


class Blocked(msgspec.Struct, frozen=True, kw_only=True):
    """A facility whose facts the engine refused for the month (POLICY "Guard rails"): the answer has none of its
    lines or grants, and billing issues it nothing for the month until the facts are fixed."""

    facility: str  # external_id
    reason: str    # what is wrong, naming the enrollment when one is at fault


class Lines(msgspec.Struct, frozen=True, kw_only=True):
    """One entry per enrollment with days in the month, every list as long; amounts in fen."""

    facility: list[int]  # position in `Due.facilities`
    family: list[str]    # external ids
    child: list[str]
    enrollment: list[str]
    fee_fen: list[int]                # the fee for the enrolled days (POLICY `proration`)
    reduction_fen: list[int]          # the family does not pay it; the treasury pays it to the facility
    operating_subsidy_fen: list[int]  # the treasury pays it to the facility, on top
    # The inputs behind the amounts (POLICY `explanation`); what every line shares is in `Due`.
    days: list[int]                   # enrolled days in the month
    subsidised_days: list[int]        # of those, days the facility was eligible and the child under the age limit
    sibling_rank: list[int]
    age_eligible: list[bool]
    monthly_fee_fen: list[int]        # the monthly fee of the enrollment's last fee run in the month


class Due(msgspec.Struct, frozen=True, kw_only=True):
    """Every amount due for a month to the facilities one jurisdiction governs (all of them, or those in [from, to)),
    under the rule set in force there (POLICY "Jurisdictions")."""

    month: str  # "2022-09"
    ruleset: RuleSetRef | None  # None: no rule set is in force there, nothing is subsidised (`unsubsidised` says why)
    fund: Fund | None
    from_facility: str | None  # external_id bounds of the facilities answered for (None: open on that side)
    to_facility: str | None
    days_in_month: int
    rank_basis: str                  # how sibling ranks are counted: "birth_order" or "enrolled_siblings"
    reduction_rates: dict[int, str]  # the sibling-reduction rate of each rank among the lines ("0.3")
    facilities: list[FacilityStanding]  # in external_id order
    lines: Lines
    grants: list[Grant]
    blocked: list[Blocked] = []  # added later: an answer without it (an older subsidy service) blocks nothing
    jurisdiction: str = UNPLACED  # the county-level jurisdiction governing these facilities this month
    unsubsidised: str | None = None  # why nothing is subsidised (no rule set in force), for every fee line to say


def line_explanations(due: Due) -> tuple[dict, dict[str, list], frozenset[str], dict[str, tuple[str, dict]]]:
    """Every line's explanation, in parts: what all lines share, one column per input that varies, which of those
    columns are fen (shown as "2000.00"), and the values looked up from another column (the rate of each rank).

    In parts because a million lines have only a few thousand distinct explanations: billing formats each once.
    """
    lines = due.lines
    constant = {"ruleset": due.ruleset.id if due.ruleset else None,
                "ruleset_version": due.ruleset.version if due.ruleset else None,
                "days_in_month": due.days_in_month, "rank_basis": due.rank_basis,
                **({"unsubsidised": due.unsubsidised} if due.unsubsidised else {})}
    columns = {"days": lines.days, "subsidised_days": lines.subsidised_days, "sibling_rank": lines.sibling_rank,
               "age_eligible": lines.age_eligible, "monthly_fee": lines.monthly_fee_fen,
               **_rate_columns(due)}
    return constant, columns, frozenset({"monthly_fee"}), {"reduction_rate": ("sibling_rank", due.reduction_rates)}


def _rate_columns(due: Due) -> dict[str, np.ndarray]:
    """The operating-subsidy rate each line's facility was paid at and, when a facility's own rate lay outside the
    rule set's bounds (set before the scheme, say), the rate it set and that it was clamped (POLICY "Jurisdictions")."""
    facility = np.asarray(due.lines.facility, dtype=np.int64)
    standing = due.facilities
    columns = {"rate": np.array([f.rate for f in standing] + [None], dtype=object)[facility]}
    if any(f.clamped for f in standing):
        columns["rate_set"] = np.array([f.rate_set for f in standing] + [None], dtype=object)[facility]
        columns["clamped"] = np.array([f.clamped for f in standing] + [False], dtype=bool)[facility]
    return columns


def _fields(value) -> dict:
    if isinstance(value, msgspec.Struct):
        return msgspec.structs.asdict(value)
    raise TypeError(f"{type(value).__name__} is not part of the due answer")


def encode(due: Due) -> bytes:
    """The answer as JSON (numpy columns and scalars are written as they are)."""
    return orjson.dumps(due, default=_fields, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS)


_decoder = msgspec.json.Decoder(Due)


def decode(body: bytes | str) -> Due:
    """The answer from JSON; `msgspec.DecodeError` (a `ValidationError` names the field) if it does not fit."""
    return _decoder.decode(body)


def json_schema() -> dict:
    """The answer's JSON Schema with every definition inlined (for the OpenAPI document, which has its own refs)."""
    schema = msgspec.json.schema(Due)
    definitions = schema.pop("$defs", {})

    def inline(node):
        if isinstance(node, dict):
            if "$ref" in node:
                return inline(definitions[node["$ref"].rsplit("/", 1)[-1]])
            return {key: inline(value) for key, value in node.items()}
        return [inline(value) for value in node] if isinstance(node, list) else node

    return inline(schema)
