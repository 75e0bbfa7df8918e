"""The rule sets shipped in `subsidy/rulesets/*.yaml`, and the choice of the rule set in force for a jurisdiction on
a day (POLICY "Jurisdictions"). Pure: the caller passes what is loaded and the jurisdictions' tree.
"""

from __future__ import annotations

from datetime import date
from importlib import resources
from typing import Iterable

from tuoyu.jurisdictions import UNPLACED, Tree, lineage

from .ruleset import RuleSet, load_ruleset

_PACKAGE = "subsidy.rulesets"


def shipped_names() -> list[str]:
    """File stems of the shipped rule sets, sorted: ['shanghai-songjiang-2021', 'zhoushan-putuo-2022']."""
    return sorted(p.name.removesuffix(".yaml") for p in resources.files(_PACKAGE).iterdir() if p.name.endswith(".yaml"))


def shipped_text(name: str) -> str:
    """The YAML text of a shipped rule set (what the admin API would be sent)."""
    if name not in shipped_names():
        raise KeyError(f"no shipped rule set {name!r}; shipped: {', '.join(shipped_names())}")
    return resources.files(_PACKAGE).joinpath(f"{name}.yaml").read_text(encoding="utf-8")


def load_shipped(name: str) -> RuleSet:
    return load_ruleset(shipped_text(name))


def shipped_rulesets() -> list[RuleSet]:
    return [load_shipped(name) for name in shipped_names()]


def in_force(versions: Iterable[RuleSet], ruleset_id: str, day: date) -> RuleSet | None:
    """The version of `ruleset_id` with the latest `valid_from` on or before `day` (a month's first day)."""
    candidates = [r for r in versions if r.id == ruleset_id and r.valid_from <= day]
    return max(candidates, key=lambda r: r.valid_from, default=None)


NONE_IN_FORCE = RuleSet.model_validate({
    "id": "none-in-force", "version": "0", "valid_from": "2000-01-01",
    "source": {"seed": "none", "quote": "no rule set covers the jurisdiction"},
    "fund": {"id": "none", "name": "none", "default_budget": "0.00"},
    "operating_subsidy": {"min_rate": "0", "max_rate": "0"}, "covered_kinds": [],
    "sibling_reduction": {"basis": "birth_order", "table": {}}, "age_limit": {"years": 3}})
"""What a month is computed under where no rule set is in force: it covers no facility kind, so every line has its
prorated fee and nothing is subsidised, reduced or granted (POLICY "Jurisdictions"). Never loaded or shown."""


def _latest(versions: Iterable[RuleSet]) -> RuleSet | None:
    return max(versions, key=lambda r: (r.valid_from, r.id, r.version), default=None)


def in_force_for(jurisdiction: str, day: date, tree: Tree, loaded: Iterable[RuleSet]) -> RuleSet | None:
    """The rule set in force in `jurisdiction` on `day` (a month's first day), or None: nothing is subsidised there.

    The most specific cover wins: walking up from the jurisdiction, the first level some loaded version names and
    is valid at by `day` gives, of those versions, the latest `valid_from` (a tie: the larger id); above every
    level, the documents naming no jurisdiction (the whole platform). So loading one district's rule set never
    changes another's. UNPLACED (a facility registered without a jurisdiction) keeps the rule of the platform
    before jurisdictions: the latest `valid_from` of every loaded rule set, whatever it covers.
    """
    valid = [r for r in loaded if r.valid_from <= day]
    if jurisdiction == UNPLACED:
        latest = max(valid, key=lambda r: r.valid_from, default=None)
        return None if latest is None else in_force(valid, latest.id, day)
    for level in lineage(jurisdiction, tree):
        chosen = _latest(r for r in valid if level in r.jurisdictions)
        if chosen is not None:
            return chosen
    return _latest(r for r in valid if not r.jurisdictions)
