"""Plain Chinese words for a family's bill: the fee, each reduction with the rule that gave it, the source.

Pure, and driven by the explanation each document carries (POLICY `explanation`) and by what the rule set
says of itself (fund name, quoted source); nothing here knows a city.
"""

from __future__ import annotations

import re
from decimal import Decimal


_DIGITS = "零一二三四五六七八九十"
_CLAUSES = re.compile(r"[；;，,。]")


def chinese_number(n: int) -> str:
    if 0 <= n <= 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + _DIGITS[n - 10]
    return str(n)


def percent(rate: str | None) -> str:
    value = Decimal(rate or "0") * 100
    return f"{value.normalize():f}%"


def rank_words(rank: int | None, basis: str | None) -> str:
    if not rank:
        return ""
    if basis == "enrolled_siblings":
        return f"在托第{chinese_number(rank)}个孩子"
    return f"{chinese_number(rank)}孩"


def reduction_words(explanation: dict) -> str:
    """'二孩减免30%', '三孩免费入托', with the rank basis the rule set uses."""
    rate = explanation.get("reduction_rate")
    who = rank_words(explanation.get("sibling_rank"), explanation.get("rank_basis"))
    if rate is not None and Decimal(rate) >= 1:
        return f"{who}免费入托"
    return f"{who}减免{percent(rate)}"


def source_words(ruleset_info: dict | None) -> str:
    """The rule set's own words for the reduction: the clauses of its quoted source that reduce or waive fees."""
    if not ruleset_info:
        return ""
    clauses = [c.strip() for c in _CLAUSES.split(ruleset_info.get("source_quote", "")) if c.strip()]
    relevant = [c for c in clauses if "减免" in c or "免费" in c]
    fund = ruleset_info.get("fund_name", "")
    return f"{fund}：{'；'.join(relevant)}" if relevant else fund


def fee_words(explanation: dict) -> str:
    days, in_month = explanation.get("days"), explanation.get("days_in_month")
    monthly = explanation.get("monthly_fee")
    if days is None or in_month is None:
        return "保育费"
    if days == in_month:
        return f"保育费（整月，月费 {monthly} 元）" if monthly else "保育费（整月）"
    basis = f"月费 {monthly} 元 × " if monthly else ""
    return f"保育费（按天折算：{basis}{days}/{in_month} 天）"


def conditions(explanation: dict) -> list[str]:
    """Why a reduction is smaller than the table says, in words."""
    notes = []
    if explanation.get("age_eligible") is False:
        notes.append("孩子本月已满3周岁，按政策不再享受减免")
    days, subsidised = explanation.get("days"), explanation.get("subsidised_days")
    if explanation.get("age_eligible") is not False and days and subsidised is not None and subsidised < days:
        notes.append(f"机构本月仅 {subsidised} 天符合补助条件，减免按这些天计算")
    if explanation.get("late_change"):
        before = explanation.get("previously_billed_fee")
        notes.append(f"更正：原账单保育费 {before} 元" if before else "更正")
    return notes
