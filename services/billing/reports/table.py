"""A report as one flat table: Chinese column headers, rows, and a totals row (for CSV and XLSX).

Money stays integer fen in the table; the writers turn it into "1400.00" (CSV) or a number shown with two
decimals (XLSX). The totals row sums every money column of the rows (POLICY `money`: totals are sums of lines).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tuoyu.jurisdictions import UNPLACED
from tuoyu.money import parse_cny

TOTAL_LABEL = "合计"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    money: bool = False


@dataclass
class Table:
    title: str
    columns: list[Column]
    rows: list[dict]
    notes: list[tuple[str, str]] = field(default_factory=list)  # (label, value) shown under the table in XLSX

    def totals(self) -> dict:
        # A subtotal row (a city's, summing its districts' rows) is shown but not summed again.
        out = {c.key: sum(r.get(c.key) or 0 for r in self.rows if not r.get("subtotal"))
               for c in self.columns if c.money}
        out[self.columns[0].key] = TOTAL_LABEL
        return out


DOCUMENT_KIND = {"invoice": "发票", "supplementary_invoice": "补充发票", "credit_note": "红字发票（退费）",
                 "payout": "拨付单", "blocked": "暂缓开具"}
STATUS = {"issued": "已开具", "held": "暂缓（整改）", "awaiting_budget": "待预算", "approved": "已批准",
          "paid": "已支付", "cancelled": "已取消"}

MONTH_COLUMNS = [
    Column("kind", "单据类型"), Column("number", "单据编号"), Column("service_month", "服务月份"),
    Column("facility", "机构"), Column("family", "家庭"), Column("child", "幼儿"), Column("enrollment", "入托编号"),
    Column("corrects", "更正单据"), Column("status", "状态"),
    Column("fee", "保育费", True), Column("reduction", "减免", True), Column("due", "家庭应付", True),
    Column("operating_subsidy", "运营补助", True), Column("reduction_compensation", "减免补偿", True),
    Column("construction_grants", "建设补助", True), Column("adjustments", "调整", True),
    Column("released", "释放", True), Column("total", "拨付合计", True), Column("reason", "暂缓原因"),
]
JURISDICTION_COLUMN = Column("jurisdiction", "辖区")
TOTAL_LABELS = {"fees": "保育费", "family_due": "家庭应付", "credit_notes": "红字发票（退费）", "reductions": "减免",
                "operating_subsidy": "运营补助", "construction_grants": "建设补助", "adjustments": "调整",
                "held": "暂缓", "awaiting_budget": "待预算", "payouts": "拨付（已开具、已批准、已支付）"}


def _fen(value) -> int | None:
    return parse_cny(value) if value is not None else None


def month_table(report: dict) -> Table:
    """The CONTRACT month report as one row per document: family documents first, then payouts, then a row per
    facility and service month blocked (issued nothing: its facts wait to be fixed), with the reason."""
    rows = []
    for doc in report["invoices"] + report["credit_notes"]:
        kind = doc.get("kind") or ("credit_note" if doc in report["credit_notes"] else "invoice")
        if kind == "invoice" and doc["corrects"]:
            kind = "supplementary_invoice"
        rows.append({"kind": DOCUMENT_KIND[kind], "jurisdiction": doc.get("jurisdiction", ""),
                     "number": doc["number"], "service_month": doc["service_month"],
                     "facility": doc["facility"], "family": doc["family"], "child": doc["child"],
                     "enrollment": doc["enrollment"], "corrects": doc["corrects"] or "", "status": "",
                     "fee": _fen(doc["fee"]), "reduction": _fen(doc["reduction"]), "due": _fen(doc["due"])})
    for p in report["payouts"]:
        rows.append({"kind": DOCUMENT_KIND["payout"], "jurisdiction": p.get("jurisdiction", ""),
                     "number": p["number"], "service_month": report["month"],
                     "facility": p["facility"], "family": "", "child": "", "enrollment": "", "corrects": "",
                     "status": STATUS.get(p["status"], p["status"]),
                     **{k: _fen(p[k]) for k in ("operating_subsidy", "reduction_compensation", "construction_grants",
                                                "adjustments", "released", "total")}})
    for b in report.get("blocked", []):
        rows.append({"kind": DOCUMENT_KIND["blocked"], "jurisdiction": "", "number": "", "service_month": b["service_month"],
                     "facility": b["facility"], "family": "", "child": "", "enrollment": "", "corrects": "",
                     "status": "", "reason": b["reason"]})
    notes = [(TOTAL_LABELS.get(k, k), v) for k, v in report["totals"].items()]
    # The jurisdiction's column after the facility's, once any document is a jurisdiction's: a report of unplaced
    # facilities only (every platform before jurisdictions) keeps its columns as they were.
    placed = any(j["code"] != UNPLACED for j in report.get("jurisdictions", []))
    columns = MONTH_COLUMNS if not placed else [*MONTH_COLUMNS[:4], JURISDICTION_COLUMN, *MONTH_COLUMNS[4:]]
    return Table(f"{report['month']} 月度账单（{report['ruleset']} v{report['ruleset_version']}）", columns,
                 rows, notes)
