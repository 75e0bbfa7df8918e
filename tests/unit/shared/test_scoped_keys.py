"""Scoped officials as pure rules: what the enrollment service answers about a key, the caller billing and subsidy
make of that answer (`tuoyu.key_directory`), which facilities a scope holds today, and what subsidy lets a scoped
commission load and see."""

from __future__ import annotations

import asyncio
from datetime import date

import httpx
import pytest

from enrollment.domain.jurisdictions import in_scope
from enrollment.domain.keys import answer
from subsidy import jurisdiction_store
from subsidy.api.deps import covers_scope, may_load, month_jurisdiction, require_jurisdiction
from tuoyu import auth
from tuoyu.auth import Principal
from tuoyu.errors import InvalidInput, NotFound
from tuoyu.key_directory import KeyDirectory, KeysUnavailable, principal_of
from tuoyu.jurisdictions import UNPLACED
from tuoyu.months import Month

TREE = {"330000": None, "330900": "330000", "330903": "330900", "330902": "330900", "310117": None}
PUTUO = Principal(auth.ADMIN, jurisdiction="330903", covers=frozenset({"330903"}))
CITY = Principal(auth.FINANCE, jurisdiction="330900", covers=frozenset({"330900", "330903", "330902"}))


def test_an_officials_answer_covers_its_jurisdiction_and_every_one_under_it_by_code():
    got = answer({"role": "admin", "facility": None, "jurisdiction": "330900"}, TREE)
    assert got == {"active": True, "role": "admin", "facility": None, "jurisdiction": "330900",
                   "covers": ["330900", "330902", "330903"]}
    assert answer({"role": "facility", "facility": "F1", "jurisdiction": None}, TREE)["covers"] is None
    assert answer(None, TREE) == {"active": False, "role": None, "facility": None, "jurisdiction": None,
                                  "covers": None}


def test_the_directory_makes_a_scoped_principal_and_never_a_platform_wide_official():
    scoped = principal_of(answer({"role": "finance", "facility": None, "jurisdiction": "330900"}, TREE))
    assert scoped == CITY and not scoped.platform_wide and scoped.may_act_in("330902")
    assert not scoped.may_act_in(UNPLACED) and not scoped.may_act_in(None)
    assert principal_of({"active": True, "role": "admin", "facility": None, "jurisdiction": "330903",
                         "covers": None}).covers == frozenset(), "a broken answer scopes the key to nothing"
    assert principal_of({"active": True, "role": "facility", "facility": "F1", "jurisdiction": None,
                         "covers": None}) == Principal(auth.FACILITY, facility="F1")
    assert principal_of(answer(None, TREE)) is None


def test_the_directory_asks_with_the_keyed_hash_and_says_so_when_it_cannot_tell():
    asked = []

    def respond(request: httpx.Request) -> httpx.Response:
        asked.append(request.read())
        if len(asked) == 1:
            return httpx.Response(200, json=answer({"role": "admin", "facility": None, "jurisdiction": "330903"},
                                                   TREE))
        return httpx.Response(500)

    async def ask():
        directory = KeyDirectory("http://enrollment", "key", transport=httpx.MockTransport(respond))
        try:
            first = await directory.principal_of("h" * 64)
            with pytest.raises(KeysUnavailable):
                await directory.principal_of("h" * 64)
            return first
        finally:
            await directory.close()

    assert asyncio.run(ask()) == PUTUO and asked[0] == b'{"key_hash":"' + b"h" * 64 + b'"}'


def test_a_scope_holds_the_facilities_whose_jurisdiction_today_it_covers_and_no_unplaced_one():
    histories = {"P": [(date(2000, 1, 1), "330903")], "D": [(date(2000, 1, 1), "330902")],
                 "MOVED": [(date(2000, 1, 1), "330902"), (date(2022, 1, 1), "330903")],
                 "LATER": [(date(2000, 1, 1), "330903"), (date(2030, 1, 1), "330902")]}
    today = date(2022, 6, 1)
    assert in_scope(PUTUO.covers, histories, today) == {"P", "MOVED", "LATER"}
    assert in_scope(CITY.covers, histories, today) == {"P", "D", "MOVED", "LATER"}
    assert in_scope(PUTUO.covers, histories, date(2030, 1, 1)) == {"P", "MOVED"}


def test_a_scoped_commission_loads_only_rule_sets_within_its_cover():
    may_load(Principal(auth.ADMIN), [])
    may_load(PUTUO, ["330903"])
    for outside in ([], ["330902"], ["330903", "330900"]):
        with pytest.raises(InvalidInput) as refused:
            may_load(PUTUO, outside)
        assert refused.value.errors[0]["field"] == "jurisdictions"


def test_a_scoped_key_sees_the_rule_sets_covering_its_jurisdiction_and_those_under_it_and_no_other_due():
    assert covers_scope(PUTUO, ["330903"], TREE) and covers_scope(PUTUO, ["330900"], TREE)
    assert covers_scope(PUTUO, [], TREE), "a platform-wide rule set covers Putuo too"
    assert not covers_scope(PUTUO, ["330902"], TREE) and not covers_scope(PUTUO, ["310117"], TREE)
    assert covers_scope(CITY, ["330902"], TREE) and covers_scope(CITY, ["330000"], TREE)
    require_jurisdiction(CITY, "330902")
    for code in ("330902", UNPLACED, None):
        with pytest.raises(NotFound):
            require_jurisdiction(PUTUO, code)
    require_jurisdiction(Principal(auth.ADMIN), UNPLACED)


async def test_a_month_asked_without_a_jurisdiction_is_404_to_a_scoped_key_when_it_resolves_outside_its_scope(
        monkeypatch):
    async def of_month(conn, month, asked, within=lambda code: True):
        # every facility with enrollments that month is in Dinghai: none within a Putuo key's scope
        return asked or ("330902" if within("330902") else UNPLACED)
    monkeypatch.setattr(jurisdiction_store, "of_month", of_month)
    september = Month.parse("2022-09")
    assert await month_jurisdiction(None, CITY, september, None) == "330902"
    assert await month_jurisdiction(None, PUTUO, september, "330903") == "330903"
    for asked in (None, "330902", UNPLACED):
        with pytest.raises(NotFound):
            await month_jurisdiction(None, PUTUO, september, asked)
