"""The rule set in force for a jurisdiction on a day (POLICY "Jurisdictions", DESIGN13 decision 2): the most
specific cover, then the latest `valid_from`; the whole platform's documents last; none, and nothing is subsidised.
Facilities in no jurisdiction keep the rule of the single-district platform."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from subsidy.rules.catalog import in_force_for
from subsidy.rules.ruleset import RuleSet, RuleSetInvalid, dump_ruleset, load_ruleset
from tuoyu.jurisdictions import UNPLACED, lineage, under

TREE = {"330000": None, "330900": "330000", "330903": "330900", "330902": "330900", "330200": "330000",
        "330282": "330200", "310000": None, "310117": "310000"}
SEPTEMBER = date(2022, 9, 1)


def variant(base: RuleSet, id: str, valid_from: str, jurisdictions: list[str], version: str = "1") -> RuleSet:
    return base.model_copy(update={"id": id, "version": version, "valid_from": date.fromisoformat(valid_from),
                                   "jurisdictions": jurisdictions})


def test_the_shipped_rule_sets_name_their_districts(putuo, songjiang):
    assert (putuo.jurisdictions, songjiang.jurisdictions) == (["330903"], ["310117"])


def test_a_document_without_jurisdictions_covers_the_whole_platform(putuo):
    text = dump_ruleset(putuo).replace("- '330903'\n", "").replace("jurisdictions:\n", "")
    assert "330903" not in text and load_ruleset(text).jurisdictions == []


def test_a_bad_jurisdiction_is_reported_with_its_path(putuo):
    text = dump_ruleset(putuo).replace("- '330903'", "- 330903\n- '33090'\n- '330902'\n- '330902'")
    with pytest.raises(RuleSetInvalid) as caught:
        load_ruleset(text)
    reasons = {e["path"]: e["reason"] for e in caught.value.errors}
    assert set(reasons) == {"jurisdictions.0", "jurisdictions.1", "jurisdictions.3"}
    assert "six-digit code" in reasons["jurisdictions.0"] and '"330903"' in reasons["jurisdictions.0"]
    assert "listed twice" in reasons["jurisdictions.3"]


def test_loading_songjiangs_rule_set_leaves_putuo_under_its_own(putuo, songjiang):
    later_songjiang = variant(songjiang, "shanghai-songjiang-2022", "2022-06-01", ["310117"])
    loaded = [putuo, songjiang, later_songjiang]
    assert in_force_for("330903", SEPTEMBER, TREE, loaded) == putuo
    assert in_force_for("310117", SEPTEMBER, TREE, loaded) == later_songjiang
    assert in_force_for("310117", date(2022, 5, 1), TREE, loaded) == songjiang


def test_a_citys_rule_set_covers_its_districts_but_a_districts_own_comes_first(putuo):
    city = variant(putuo, "zhoushan-city-2022", "2022-03-01", ["330900"])
    loaded = [putuo, city]
    assert in_force_for("330902", SEPTEMBER, TREE, loaded) == city
    assert in_force_for("330903", SEPTEMBER, TREE, loaded) == putuo
    assert in_force_for("330902", date(2022, 2, 1), TREE, loaded) is None  # the city's starts in March


def test_a_districts_version_valid_only_from_a_later_month_leaves_the_city_in_force_until_then(putuo):
    city = variant(putuo, "zhoushan-city-2022", "2022-01-01", ["330900"])
    dinghai = variant(putuo, "dinghai-2023", "2023-01-01", ["330902"])
    assert in_force_for("330902", date(2022, 12, 1), TREE, [city, dinghai]) == city
    assert in_force_for("330902", date(2023, 1, 1), TREE, [city, dinghai]) == dinghai


def test_the_latest_version_of_the_most_specific_cover_is_in_force_and_a_tie_goes_to_the_larger_id(putuo):
    second = variant(putuo, putuo.id, "2023-01-01", ["330903"], version="2")
    assert in_force_for("330903", date(2022, 12, 1), TREE, [putuo, second]) == putuo
    assert in_force_for("330903", date(2023, 1, 1), TREE, [second, putuo]) == second
    twin = variant(putuo, "zz-putuo", "2022-01-01", ["330903"])
    assert in_force_for("330903", SEPTEMBER, TREE, [twin, putuo]) == twin


def test_a_platform_wide_rule_set_applies_only_where_no_jurisdiction_is_covered(putuo, songjiang):
    platform = variant(songjiang, "platform-2020", "2020-01-01", [])
    loaded = [putuo, platform]
    assert in_force_for("330903", SEPTEMBER, TREE, loaded) == putuo
    assert in_force_for("330282", SEPTEMBER, TREE, loaded) == platform
    assert in_force_for("330903", date(2021, 12, 1), TREE, loaded) == platform  # before Putuo's began


def test_no_rule_set_covering_a_jurisdiction_means_none_is_in_force(putuo, songjiang):
    assert in_force_for("330282", SEPTEMBER, TREE, [putuo, songjiang]) is None
    assert in_force_for("330903", date(2021, 12, 16), TREE, [putuo, songjiang]) is None
    assert in_force_for("999999", SEPTEMBER, {}, [putuo]) is None  # a code the tree does not know: itself only


def test_a_facility_in_no_jurisdiction_keeps_the_latest_valid_from_of_every_rule_set(putuo, songjiang):
    assert in_force_for(UNPLACED, SEPTEMBER, TREE, [putuo, songjiang]) == putuo
    assert in_force_for(UNPLACED, date(2021, 6, 1), TREE, [putuo, songjiang]) == songjiang
    assert in_force_for(UNPLACED, date(2020, 6, 1), TREE, [putuo, songjiang]) is None


CODES = sorted(TREE)
documents = st.lists(st.tuples(
    st.sampled_from(["a", "b", "c", "d"]),
    st.dates(date(2020, 1, 1), date(2024, 12, 1)),
    st.lists(st.sampled_from(CODES), max_size=2, unique=True)), max_size=6)


def _loaded(base: RuleSet, specs) -> list[RuleSet]:
    return [variant(base, name, day.isoformat(), codes, version=str(i)) for i, (name, day, codes) in enumerate(specs)]


@settings(max_examples=200, deadline=None)
@given(specs=documents, code=st.sampled_from([c for c in CODES if not c.endswith("00")]),
       day=st.dates(date(2020, 1, 1), date(2025, 1, 1)))
def test_the_choice_is_valid_on_the_day_covers_the_jurisdiction_and_none_more_specific_is(putuo, specs, code, day):
    loaded = _loaded(putuo, specs)
    chosen = in_force_for(code, day, TREE, loaded)
    valid = [r for r in loaded if r.valid_from <= day]
    covering = [r for r in valid if not r.jurisdictions or any(code in under(c, TREE) for c in r.jurisdictions)]
    if chosen is None:
        assert covering == []
        return
    assert chosen in covering
    depth = {level: i for i, level in enumerate(lineage(code, TREE))}
    specificity = lambda r: min((depth[c] for c in r.jurisdictions if c in depth), default=len(depth))  # noqa: E731
    assert all(specificity(chosen) <= specificity(r) for r in covering)
    assert all(r.valid_from <= chosen.valid_from for r in covering if specificity(r) == specificity(chosen))
    assert in_force_for(code, day, TREE, list(reversed(loaded))) == chosen  # whatever the loading order


@settings(max_examples=200, deadline=None)
@given(specs=documents, other=documents, code=st.sampled_from(["330903", "330902", "310117"]),
       day=st.dates(date(2020, 1, 1), date(2025, 1, 1)))
def test_loading_rule_sets_of_other_jurisdictions_never_changes_a_jurisdictions_choice(putuo, specs, other, code, day):
    loaded = _loaded(putuo, specs)
    elsewhere = [(f"x{name}", when, [c for c in codes if c not in lineage(code, TREE)] or ["330282"])
                 for name, when, codes in other]
    before = in_force_for(code, day, TREE, loaded)
    assert in_force_for(code, day, TREE, loaded + _loaded(putuo, elsewhere)) == before
