"""The family page's words: each reduction with the rule that gave it, from the explanation and the rule set."""

from __future__ import annotations

from billing.web import wording
from tuoyu.money import grouped_yuan

PUTUO = {"fund_name": "普陀区婴幼儿照护服务补助资金",
         "source_quote": "每设一个托班给予一次性建设经费补助2万元;为保障托育机构持续发展,给予每孩收费标准的8%-15%作为运行补助资金;"
                         "普惠民办托幼一体机构收托补助参照托育机构标准执行;为促进人口均衡增长,二孩入托减免30%费用,三孩及以上免费入托"}


def test_a_second_child_reduction_in_plain_words():
    assert wording.reduction_words({"sibling_rank": 2, "reduction_rate": "0.3", "rank_basis": "birth_order"}) == "二孩减免30%"


def test_a_third_child_is_free():
    assert wording.reduction_words({"sibling_rank": 3, "reduction_rate": "1", "rank_basis": "birth_order"}) == "三孩免费入托"


def test_the_enrolled_siblings_basis_says_so():
    words = wording.reduction_words({"sibling_rank": 2, "reduction_rate": "0.5", "rank_basis": "enrolled_siblings"})
    assert words == "在托第二个孩子减免50%"


def test_the_source_quotes_the_rule_sets_own_clauses_on_reductions():
    assert wording.source_words(PUTUO) == "普陀区婴幼儿照护服务补助资金：二孩入托减免30%费用；三孩及以上免费入托"


def test_the_fee_says_how_it_was_prorated():
    assert wording.fee_words({"days": 15, "days_in_month": 30, "monthly_fee": "2000.00"}) == \
        "保育费（按天折算：月费 2000.00 元 × 15/30 天）"
    assert wording.fee_words({"days": 30, "days_in_month": 30, "monthly_fee": "2000.00"}) == "保育费（整月，月费 2000.00 元）"


def test_conditions_explain_a_missing_reduction():
    assert wording.conditions({"age_eligible": False}) == ["孩子本月已满3周岁，按政策不再享受减免"]
    assert wording.conditions({"late_change": True, "previously_billed_fee": "2000.00"}) == ["更正：原账单保育费 2000.00 元"]


def test_amounts_read_as_yuan_with_separators():
    assert (grouped_yuan(140000), grouped_yuan(-70000), grouped_yuan(5)) == ("1,400.00", "-700.00", "0.05")
