"""The server's SVG charts: every figure drawn is readable off its mark, text is escaped, nothing is fetched."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

from hypothesis import given, strategies as st

from tuoyu.charts import PLOT_HEIGHT, TOP, WIDTH, Reference, Series, bar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def _marks(svg: str, tag: str) -> list[dict]:
    return [m.attrib for m in ET.fromstring(svg).iter(SVG + tag) if "data-value" in m.attrib]


def test_each_bar_carries_its_category_series_and_value_as_the_table_shows_it():
    svg = bar_chart("每千人托位数", ["普陀区", "定海区"],
                    [Series("托位/千人", [Decimal("4.56"), None]), Series("普惠占比", [Decimal("61.00"), Decimal("0")])],
                    [Reference("国家目标（2025）", Decimal("4.5"))], unit="")
    bars = _marks(svg, "rect")
    assert [(b["data-category"], b["data-series"], b["data-value"]) for b in bars] == [
        ("普陀区", "托位/千人", "4.56"), ("普陀区", "普惠占比", "61.00"),
        ("定海区", "托位/千人", "—"), ("定海区", "普惠占比", "0.00")]
    line = [m for m in ET.fromstring(svg).iter(SVG + "line") if "data-reference" in m.attrib]
    assert line[0].attrib["data-reference"] == "国家目标（2025）" and line[0].attrib["data-value"] == "4.50"
    assert "<title>每千人托位数</title>" in svg


def test_a_name_with_markup_is_text_not_markup():
    svg = bar_chart("<b>x</b>", ['<script>alert(1)</script>"'], [Series("a&b", [1])])
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "a&amp;b" in svg
    ET.fromstring(svg)  # still well-formed XML


def test_a_chart_refers_to_no_address_outside_the_page():
    svg = str(line_chart("预算与支出", ["2022年9月", "2022年10月"], [Series("预算", [Decimal("700000.00")] * 2),
                                                                   Series("已支出", [Decimal("1.00"), None])]))
    assert not re.search(r"(href|src)=|url\(|https?://(?!www\.w3\.org/2000/svg)", svg)


@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=12))
def test_bars_are_as_long_as_their_values_in_proportion_and_never_leave_the_chart(values):
    svg = bar_chart("t", [f"c{i}" for i in range(len(values))], [Series("s", values)])
    bars = _marks(svg, "rect")
    widths = [float(b["width"]) for b in bars]
    assert all(0 <= w <= WIDTH for w in widths)
    biggest = max(values)
    for value, width in zip(values, widths):
        if biggest:
            assert abs(width / max(widths) - value / biggest) < 0.01
        else:
            assert width == 0


@given(st.lists(st.one_of(st.none(), st.integers(min_value=0, max_value=10**8)), min_size=1, max_size=24))
def test_each_months_point_is_drawn_once_and_missing_figures_are_not_drawn(values):
    months = [f"m{i}" for i in range(len(values))]
    points = _marks(str(line_chart("t", months, [Series("s", values)])), "circle")
    assert [p["data-category"] for p in points] == [m for m, v in zip(months, values) if v is not None]
    heights = [float(p["cy"]) for p in points]
    assert all(TOP <= y <= TOP + PLOT_HEIGHT for y in heights)
