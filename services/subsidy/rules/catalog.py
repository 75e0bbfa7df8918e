"""The rule sets shipped in `subsidy/rulesets/*.yaml`, and the choice of the version in force on a day."""

from __future__ import annotations

from datetime import date
from importlib import resources
from typing import Iterable

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
