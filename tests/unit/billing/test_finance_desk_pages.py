"""The finance desk's templates render a platform with nothing billed yet, and name who cannot be paid yet."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from billing.desk import SITE, figures

DESK = SimpleNamespace(csrf="token", who="财政局 · 330903")


def _render(template: str, **context) -> str:
    return SITE.environment.get_template(template).render(desk=DESK, site=SITE, path="/desk", **context)


@pytest.mark.parametrize("template, context", [
    ("finance_home.html", {"month": None, "months": [], "cycles": [], "status_words": figures.STATUS_WORDS,
                           "total_words": figures.TOTAL_WORDS}),
    ("finance_payouts.html", {"month": None, "months": [], "payouts": [], "waiting": [], "waiting_total": 0,
                              "unpayable": set(), "status_words": figures.STATUS_WORDS, "label_length": 100,
                              "notice": None}),
    ("finance_reconcile.html", {"month": None, "reconciliation": None}),
])
def test_a_page_before_any_month_is_billed_says_so(template, context):
    html = _render(template, **context)
    assert "本工作台范围内尚无结算" in html and 'lang="zh-CN"' in html


def test_empty_budgets_and_bank_accounts_say_there_is_nothing():
    assert "尚无预算或支出" in _render("finance_budgets.html", funds=[])
    assert "data-none" in _render("finance_bank_accounts.html", accounts=[])


def test_the_payouts_page_names_the_facilities_that_have_no_account_to_pay():
    html = _render("finance_payouts.html", month="2022-09", months=["2022-09"], payouts=[],
                   waiting=[{"facility": "F3"}], waiting_total=100, unpayable={"F3", "F1"},
                   status_words=figures.STATUS_WORDS, label_length=100, notice=None)
    assert "F1、F3 尚无生效的银行账户" in html and 'name="csrf" value="token"' in html
