"""A rule set: the dated YAML document that holds every number a city can choose (POLICY "Rule sets are data").

Amounts are written as quoted decimal strings of CNY ("20000.00") and held as int fen; rates and factors as
quoted decimal strings ("0.30") held as `Fraction`. `load_ruleset` reports every problem at once, each with the
dotted path of the value at fault, so that an officer can fix a document in one pass.
"""

from __future__ import annotations

import re
from datetime import date
from fractions import Fraction
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer, PlainValidator, ValidationError

from tuoyu.bounds import check_rate, non_negative_fen
from tuoyu.money import MoneyFormatError, format_cny, format_rate, parse_rate, round_half_up

from .facts import FacilityKind


class RuleSetInvalid(ValueError):
    """A rule-set document with problems; `.errors` lists every one as {"path", "reason"}."""

    def __init__(self, errors: list[dict[str, str]]):
        self.errors = errors
        super().__init__("; ".join(f"{e['path'] or '(document)'}: {e['reason']}" for e in errors))


def _decimal_text(value: Any, example: str) -> str:
    # YAML turns an unquoted 0.30 into a float, which has already lost exactness: refuse it.
    if not isinstance(value, str):
        raise ValueError(f"write it as a quoted decimal string such as \"{example}\", not {type(value).__name__}")
    return value


def _cny(value: Any) -> int:
    return non_negative_fen(_decimal_text(value, "20000.00"))  # grants, standards and budgets


def _number(value: Any) -> Fraction:
    try:
        return parse_rate(_decimal_text(value, "0.30"))
    except MoneyFormatError as exc:
        raise ValueError(str(exc)) from None


def _share(value: Any) -> Fraction:
    rate = _number(value)
    check_rate(rate)
    return rate


Fen = Annotated[int, PlainValidator(_cny), PlainSerializer(format_cny, return_type=str)]
Rate = Annotated[Fraction, PlainValidator(_share), PlainSerializer(format_rate, return_type=str)]
Factor = Annotated[Fraction, PlainValidator(_number), PlainSerializer(format_rate, return_type=str)]


def _identifier(pattern: str, example: str):
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.match(value):
            raise ValueError(f"{value!r} is not an identifier such as {example!r}")
        return value

    return AfterValidator(check)


RuleId = Annotated[str, _identifier(r"^[a-z][a-z0-9_]*$", "construction_grant")]
SetId = Annotated[str, _identifier(r"^[a-z0-9][a-z0-9-]*$", "zhoushan-putuo-2022")]


def _jurisdiction(value: Any) -> str:
    # YAML reads an unquoted 330903 as a number, and 010101 as another: ask for the quoted text.
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{6}", value):
        raise ValueError(f"{value!r} is not a jurisdiction's six-digit code (GB/T 2260) in quotes, such as \"330903\"")
    return value


JurisdictionCode = Annotated[str, PlainValidator(_jurisdiction)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    seed: str
    quote: str


class Fund(_Strict):
    id: str
    name: str
    default_budget: Fen


class Grant(_Strict):
    """A one-time grant per class: a fixed `amount`, or `standard` × `factor` rounded half-up to the fen."""

    id: str
    rule: RuleId
    amount: Fen | None = None
    standard: Fen | None = None
    factor: Factor | None = None

    @property
    def amount_fen(self) -> int:
        if self.amount is not None:
            return self.amount
        return round_half_up(Fraction(self.standard) * self.factor)


class OperatingSubsidy(_Strict):
    min_rate: Rate
    max_rate: Rate

    def clamp(self, rate: Fraction) -> Fraction:
        """The rate the engine applies: a facility rate set under other bounds is held inside these."""
        return min(max(rate, self.min_rate), self.max_rate)


class SiblingReduction(_Strict):
    basis: Literal["birth_order", "enrolled_siblings"]
    table: dict[Annotated[int, Field(ge=2)], Rate]

    def rate_for(self, rank: int) -> Fraction:
        """The entry with the largest key <= rank; ranks below the smallest key get 0."""
        keys = [k for k in self.table if k <= rank]
        return self.table[max(keys)] if keys else Fraction(0)


class AgeLimit(_Strict):
    years: Annotated[int, Field(ge=1, le=18)]


class RuleSet(_Strict):
    id: SetId
    version: str
    valid_from: date
    jurisdictions: list[JurisdictionCode] = []
    """The jurisdictions it covers, each with every one under it (POLICY "Jurisdictions"); none: the whole
    platform, the least specific cover."""
    source: Source
    decisions: list[str] = []
    fund: Fund
    construction_grants: list[Grant] = []
    operating_subsidy: OperatingSubsidy
    covered_kinds: list[FacilityKind]
    sibling_reduction: SiblingReduction
    age_limit: AgeLimit

    def covers(self, kind: str) -> bool:
        return kind in self.covered_kinds


def _path(loc: tuple) -> str:
    # Pydantic marks a dict key's own error with "[key]"; the key is already in the path.
    return ".".join(str(part) for part in loc if part != "[key]")


def _semantic_errors(doc: dict) -> list[dict[str, str]]:
    """Checks across fields, run on the raw document so they add to (not hide behind) the type errors."""
    errors = []

    def parsed(parse, value):
        try:
            return parse(value)
        except (ValueError, TypeError):
            return None

    op = doc.get("operating_subsidy")
    if isinstance(op, dict):
        low, high = parsed(_share, op.get("min_rate")), parsed(_share, op.get("max_rate"))
        if low is not None and high is not None and low > high:
            reason = f"min_rate {op['min_rate']} is above max_rate {op['max_rate']}"
            errors.append({"path": "operating_subsidy", "reason": reason})
    grants = doc.get("construction_grants")
    if isinstance(grants, list):
        seen: set = set()
        for i, grant in enumerate(grants):
            if not isinstance(grant, dict):
                continue
            fixed, computed = "amount" in grant, "standard" in grant or "factor" in grant
            if fixed == computed or (computed and not ("standard" in grant and "factor" in grant)):
                reason = "give either amount, or standard and factor"
                errors.append({"path": f"construction_grants.{i}", "reason": reason})
            if grant.get("id") in seen:
                reason = f"grant id {grant['id']!r} is used twice"
                errors.append({"path": f"construction_grants.{i}.id", "reason": reason})
            seen.add(grant.get("id"))
    codes = doc.get("jurisdictions")
    if isinstance(codes, list):
        for i, code in enumerate(codes):
            if code in codes[:i]:
                errors.append({"path": f"jurisdictions.{i}", "reason": f"{code!r} is listed twice"})
    kinds = doc.get("covered_kinds")
    if isinstance(kinds, list):
        if not kinds:
            errors.append({"path": "covered_kinds", "reason": "list at least one covered facility kind"})
        for i, kind in enumerate(kinds):
            if kind in kinds[:i]:
                errors.append({"path": f"covered_kinds.{i}", "reason": f"{kind!r} is listed twice"})
    return errors


class _Loader(yaml.SafeLoader):
    """Safe YAML that leaves dates as text, so a bad date is reported with its path instead of crashing."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def load_ruleset(text: str) -> RuleSet:
    """Parse and check a YAML rule-set document; raise `RuleSetInvalid` listing every error with its path."""
    try:
        doc = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise RuleSetInvalid([{"path": "", "reason": f"not valid YAML: {exc}"}]) from None
    if not isinstance(doc, dict):
        raise RuleSetInvalid([{"path": "", "reason": "a rule set is a YAML mapping with id, version, valid_from, ..."}])
    errors: list[dict[str, str]] = []
    ruleset = None
    try:
        ruleset = RuleSet.model_validate(doc)
    except ValidationError as exc:
        errors += [{"path": _path(e["loc"]), "reason": e["msg"].removeprefix("Value error, ")} for e in exc.errors()]
    errors += _semantic_errors(doc)
    if errors:
        raise RuleSetInvalid(errors)
    return ruleset


def dump_ruleset(ruleset: RuleSet) -> str:
    """The rule set as a YAML document that `load_ruleset` reads back to an equal rule set."""
    data = ruleset.model_dump(mode="json", exclude_none=True)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
