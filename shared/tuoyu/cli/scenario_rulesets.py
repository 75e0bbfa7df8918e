"""A scenario's rule sets (CONTRACT "Scenario files"): which documents it loads, where the old single `ruleset`
places facilities, and which fund a budget names.

- `rulesets: [ID | FILE.yaml, ...]`: a shipped id is loaded by id (`POST /rulesets/shipped/{id}`), a file, named
  relative to the scenario file, by its text (`POST /rulesets`); each covers the jurisdictions its document names.
  Every facility of such a world names its `jurisdiction`.
- `ruleset: ID` (every scenario written before jurisdictions): facilities without a `jurisdiction` go in the first
  jurisdiction the document covers, as the subsidy service's answer to loading it lists them; a world without
  `jurisdictions:` gets that jurisdiction and its parents from `tuoyu.jurisdictions.KNOWN` (those the platform
  lacks). A document covering none (platform-wide) places nothing: its facilities stay unplaced, as before.
- A budget names its `fund:`, or takes the one fund of the world's rule sets.

What the loaded documents say is known only once the subsidy service has answered, so the plan's actions read it
from a `RuleSets` filled as the load goes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from tuoyu.cli.client import Api, ApiError
from tuoyu.jurisdictions import KNOWN, county_level, lineage

Step = tuple[str, Callable[[], None]]
_TREE = {code: parent for code, (_, parent) in KNOWN.items()}


@dataclass(frozen=True)
class Source:
    """One rule set a scenario names: a shipped id, or the YAML text of a file beside the scenario."""

    label: str
    shipped: str | None = None
    text: str | None = None


def sources(scenario: dict, base: Path) -> list[Source]:
    """The rule sets of `ruleset` or `rulesets`, in order; a file is read now, so a wrong path stops the load early."""
    if scenario.get("ruleset") and scenario.get("rulesets"):
        raise ApiError("give `ruleset: ID` (one rule set) or a `rulesets` list, not both")
    names = [scenario["ruleset"]] if scenario.get("ruleset") else scenario.get("rulesets") or []
    found = []
    for i, name in enumerate(str(n) for n in names):
        if not name.endswith((".yaml", ".yml")):
            found.append(Source(name, shipped=name))
            continue
        path = base / name
        try:
            found.append(Source(name, text=path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            raise ApiError(f"rulesets[{i}]: cannot read {name}, named relative to the scenario file ({path}: "
                           f"{getattr(exc, 'strerror', None) or exc})") from None
    return found


def placement(ruleset: str, covered: list[str]) -> str | None:
    """Where the old `ruleset: X` puts a facility without a jurisdiction: the first code X covers (None: none)."""
    if not covered:
        return None
    if not county_level(covered[0]):
        raise ApiError(f"rule set {ruleset} first covers {covered[0]}, a city or province where no facility is "
                       "filed: name each facility's `jurisdiction`")
    return covered[0]


def known_lineage(code: str, on_platform: set[str]) -> list[dict]:
    """The `POST /jurisdictions` bodies that put `code` on a platform that lacks it: it and its parents from KNOWN,
    parents first, leaving out those the platform has."""
    if code in on_platform:
        return []
    if code not in KNOWN:
        raise ApiError(f"jurisdiction {code} is not one of the seeds' places (tuoyu.jurisdictions.KNOWN): list it and "
                       "its parents under the world's `jurisdictions`")
    return [{"code": c, "name": KNOWN[c][0], **({"parent": KNOWN[c][1]} if KNOWN[c][1] else {})}
            for c in reversed(lineage(code, _TREE)) if c not in on_platform]


def budget_fund(budget: dict, funds: list[str]) -> str:
    """The fund a scenario budget sets: its `fund:`, else the one fund of the world's rule sets."""
    if budget.get("fund"):
        return str(budget["fund"])
    distinct = sorted(set(funds))
    if len(distinct) == 1:
        return distinct[0]
    if not distinct:
        raise ApiError(f"budget {budget.get('year')}: the world loads no rule set, whose fund it would be: name it "
                       "with `fund:`")
    raise ApiError(f"budget {budget.get('year')}: the world's rule sets have the funds {', '.join(distinct)}: name "
                   "one with `fund:`")


@dataclass
class RuleSets:
    """A scenario's rule sets and what loading them told: each document's fund, and where facilities go."""

    scenario: dict
    base: Path
    funds: list[str] = field(default_factory=list)  # each loaded document's fund, in order
    covered: list[str] = field(default_factory=list)  # what the last loaded document covers
    placed: str | None = None  # the jurisdiction of facilities that name none (old single `ruleset` only)

    def steps(self, api: Api) -> list[Step]:
        """Load each rule set, then (old single `ruleset`) place the facilities that name no jurisdiction."""
        plan: list[Step] = [(f"rule set {s.label}", lambda s=s: self._load(api, s))
                            for s in sources(self.scenario, self.base)]
        unnamed = [f["external_id"] for f in self.scenario.get("facilities", []) if not f.get("jurisdiction")]
        if unnamed and self.scenario.get("rulesets"):
            raise ApiError(f"facility {unnamed[0]}: name its `jurisdiction` (only a single `ruleset` places "
                           "facilities by itself)")
        if unnamed and self.scenario.get("ruleset"):
            plan.append((f"jurisdiction of {', '.join(unnamed)}", lambda: self._place(api)))
        if self.scenario.get("budgets"):  # a budget without its fund stops the load before any record is sent
            plan.append(("funds of the budgets", self._check_funds))
        return plan

    def _load(self, api: Api, source: Source) -> None:
        if source.shipped:
            answer = api.call(api.subsidy, "POST", f"/rulesets/shipped/{source.shipped}").json()
        else:
            answer = api.call(api.subsidy, "POST", "/rulesets", content=source.text.encode(),
                              headers={"Content-Type": "application/yaml"}).json()
        self.funds.append(answer["fund"]["id"])
        self.covered = [str(code) for code in answer.get("jurisdictions") or []]

    def _place(self, api: Api) -> None:
        self.placed = placement(str(self.scenario["ruleset"]), self.covered)
        if self.placed is None or self.scenario.get("jurisdictions"):
            return  # unplaced, or the world lists its jurisdictions itself
        on_platform = {j["code"] for j in api.call(api.operator, "GET", "/jurisdictions").json()}
        for body in known_lineage(self.placed, on_platform):
            api.call(api.operator, "POST", "/jurisdictions", json=body)

    def _check_funds(self) -> None:
        for budget in self.scenario["budgets"]:
            self.fund(budget)

    def fund(self, budget: dict) -> str:
        """The fund `budget` sets (once the rule sets are loaded)."""
        return budget_fund(budget, self.funds)
