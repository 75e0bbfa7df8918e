"""Reports as JSON, CSV and XLSX (CLI and HTTP), family tokens and what a family sees, facility keys, the audit
trail and the metrics — on the late-changes world (September and October billed, with corrections)."""

from __future__ import annotations

import csv
import io
import re
import time
from decimal import Decimal

import httpx
from openpyxl import load_workbook

from tests.integration.billing.conftest import billing_get
from tuoyu.events import decoding
from tuoyu.events.payloads import ChildSnapshot, FacilitySnapshot, FamilySnapshot

SEP, OCT = "2022-09", "2022-10"


def _http(world, route: str, key: str | None = None, **params) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key or world.finance_key}"}
    return httpx.get(world["billing"].url + route, params=params, headers=headers, timeout=60)


def test_month_report_as_csv_has_chinese_headers_one_row_per_document_and_a_totals_row(late_world):
    text = late_world.cli("report", "--month", OCT, "--format", "csv").stdout
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["单据类型", "单据编号", "服务月份", "机构"] and "家庭应付" in rows[0]
    kinds = [r[0] for r in rows[1:-1]]
    assert sorted(kinds) == sorted(["发票", "发票", "补充发票", "红字发票（退费）", "拨付单"])
    totals = dict(zip(rows[0], rows[-1]))
    assert totals["单据类型"] == "合计"
    assert (totals["保育费"], totals["家庭应付"], totals["调整"], totals["拨付合计"]) == (
        "3800.00", "4100.00", "-372.00", "156.00")
    over_http = _http(late_world, f"/reports/{OCT}", format="csv")
    assert over_http.headers["content-type"].startswith("text/csv") and over_http.text.endswith("\r\n")
    # The CLI's output is read here in text mode, which turns the CSV's CRLF into LF.
    assert over_http.text.lstrip("\ufeff").replace("\r\n", "\n") == text.lstrip("\ufeff")


def test_month_report_as_xlsx_has_money_as_numbers_with_two_decimals_and_a_totals_row(late_world, tmp_path):
    target = tmp_path / "october.xlsx"
    late_world.cli("report", "--month", OCT, "--format", "xlsx", "--output", str(target))
    sheet = load_workbook(target)["报表"]
    header = [c.value for c in sheet[2]]
    assert header[0] == "单据类型" and "拨付合计" in header
    last = [c for c in sheet[sheet.max_row]]
    assert last[0].value == "合计"
    total = last[header.index("拨付合计")]
    assert Decimal(str(total.value)) == Decimal("156.00") and total.number_format == "0.00"
    fees = [sheet.cell(row=r, column=header.index("保育费") + 1) for r in range(3, sheet.max_row)]
    assert all(isinstance(c.value, (int, float)) and c.number_format == "0.00" for c in fees if c.value is not None)
    over_http = _http(late_world, f"/reports/{OCT}", format="xlsx")
    assert over_http.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert load_workbook(io.BytesIO(over_http.content))["报表"].max_row == sheet.max_row


def test_year_reports_per_facility_and_per_fund(late_world, tmp_path):
    by_facility = billing_get(late_world, "/reports/year/2022", by="facility")
    (row,) = by_facility["rows"]
    # September (6000 − 1000 + 400) and October (2000 + 2400); what F1 earned; where it stands (issued).
    assert (row["facility"], row["name"], row["fees"], row["family_due"]) == ("F1", "沈家门街道托育园", "9800.00", "9500.00")
    assert (row["operating_subsidy"], row["reduction_compensation"], row["grants"]) == ("1176.00", "300.00", "20000.00")
    assert row["issued"] == "21476.00" and by_facility["totals"]["issued"] == "21476.00"
    (fund,) = billing_get(late_world, "/reports/year/2022", by="fund")["rows"]
    assert (fund["fund"], fund["budget"], fund["drawn"], fund["left"]) == (
        "putuo-childcare-fund", "700000.00", "21476.00", "678524.00")
    target = tmp_path / "year.xlsx"
    late_world.cli("report", "--year", "2022", "--by", "fund", "--format", "xlsx", "-o", str(target))
    sheet = load_workbook(target)["报表"]
    assert [c.value for c in sheet[2]][:4] == ["资金", "预算", "已使用", "剩余"]
    assert sheet.cell(row=sheet.max_row, column=1).value == "合计"


def test_a_family_token_opens_the_page_with_its_own_children_only(late_world):
    issued = _issue(late_world, "FAM1")
    page = httpx.get(issued["url"], timeout=30)
    assert page.status_code == 200 and 'lang="zh-CN"' in page.text
    assert "二孩减免30%" in page.text and "二孩入托减免30%费用" in page.text
    assert "K1" in page.text and "K2" in page.text and "K3" not in page.text
    assert "红字发票（退费）" in page.text and "-700.00" in page.text
    other = httpx.get(f"{late_world['billing'].url}/family/{_issue(late_world, 'FAM2')['token']}", timeout=30)
    assert "K3" in other.text and "K1" not in other.text and "二孩" not in other.text
    documents = httpx.get(f"{late_world['billing'].url}/family/documents", timeout=30,
                          headers={"Authorization": f"Bearer {issued['token']}"}).json()
    assert {d["child"] for m in documents["months"] for d in m["documents"]} == {"K1", "K2"}
    assert documents["total_due"] == "4700.00"  # September 2000 + 1400 − 700, October 2000


def test_the_facility_family_and_children_a_family_page_shows_are_what_the_enrollment_service_sent(late_world):
    sent = [decoding.decode(bytes(body)).payload
            for (body,) in late_world.query("enrollment", "SELECT body FROM outbox ORDER BY seq")]
    facility = max((p.facility for p in sent if isinstance(p, FacilitySnapshot) and p.facility.external_id == "F1"),
                   key=lambda f: f.version)
    families = {p.family.external_id for p in sent if isinstance(p, FamilySnapshot) and p.family.facility == "F1"}
    children = {p.child.external_id for p in sent if isinstance(p, ChildSnapshot) and p.child.family == "FAM1"}
    page = httpx.get(_issue(late_world, "FAM1")["url"], timeout=30).text
    assert "FAM1" in families and f"<p>{facility.name} · 家庭 FAM1</p>" in page
    assert f"<title>{facility.name} · 托育账单</title>" in page
    assert set(re.findall(r'data-child="([^"]+)"', page)) == children == {"K1", "K2"}


def test_a_revoked_token_opens_nothing_and_a_family_token_reaches_nothing_else(late_world):
    issued = _issue(late_world, "FAM2")
    assert _http(late_world, "/payouts", key=issued["token"]).status_code == 404
    assert _http(late_world, f"/reports/{SEP}", key=issued["token"]).status_code == 404
    late_world.cli("family-token", "revoke", str(issued["id"]))
    page = httpx.get(issued["url"], timeout=30)
    assert page.status_code == 401 and "已被撤销" in page.text
    assert httpx.get("{}/family".format(late_world["billing"].url), params={"token": "fam_guess"}).status_code == 401


def test_a_facility_key_sees_its_own_payouts_and_issues_tokens_for_its_own_families(late_world):
    api = late_world.api()
    key = api.call(api.enrollment, "POST", "/facilities/F1/keys", json={"label": "billing test"}).json()
    deadline = time.monotonic() + 30
    while _http(late_world, "/payouts", key=key["api_key"]).status_code == 401 and time.monotonic() < deadline:
        time.sleep(0.2)  # the ApiKeyIssued event is on its way to billing
    payouts = _http(late_world, "/payouts", key=key["api_key"]).json()
    assert {p["facility"] for p in payouts} == {"F1"} and len(payouts) == 2
    made = httpx.post(late_world["billing"].url + "/family-tokens", json={"family": "FAM1"}, timeout=30,
                      headers={"Authorization": f"Bearer {key['api_key']}"})
    assert made.status_code == 201 and made.json()["facility"] == "F1"
    elsewhere = httpx.post(late_world["billing"].url + "/family-tokens", json={"facility": "F9", "family": "FAM1"},
                           headers={"Authorization": f"Bearer {key['api_key']}"}, timeout=30)
    assert elsewhere.status_code == 404
    assert _http(late_world, "/audit", key=key["api_key"]).status_code == 404
    api.call(api.enrollment, "DELETE", f"/facilities/F1/keys/{key['key_id']}")
    deadline = time.monotonic() + 30
    while _http(late_world, "/payouts", key=key["api_key"]).status_code == 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _http(late_world, "/payouts", key=key["api_key"]).status_code == 401


def test_finance_actions_are_in_the_audit_trail(late_world):
    actions = [e["action"] for e in billing_get(late_world, "/audit", limit=1000)]
    assert actions.count("cycle_run") == 2 and "family_token_issued" in actions
    run = billing_get(late_world, "/audit", action="cycle_run", limit=1)[0]
    assert run["detail"]["month"] == OCT and run["detail"]["corrected_months"] == [SEP]


def test_metrics_count_documents_amounts_cycle_time_and_consumer_lag(late_world):
    text = httpx.get(late_world["billing"].url + "/metrics", timeout=30).text
    value = lambda name: sum(float(l.rsplit(" ", 1)[1]) for l in text.splitlines() if l.startswith(name))  # noqa
    assert value('tuoyu_documents_issued_total{kind="invoice"}') == 6  # 3 + 2 + the supplementary invoice
    assert value('tuoyu_documents_issued_total{kind="credit_note"}') == 1
    assert value('tuoyu_amount_issued_fen_total{kind="credit_note"}') == 70000
    assert value("tuoyu_cycle_seconds_count") == 2
    assert 'tuoyu_consumer_lag{consumer="' in text


def _issue(world, family: str) -> dict:
    api = world.api()
    admin = httpx.Client(base_url=world["billing"].url, headers={"Authorization": f"Bearer {world.admin_key}"})
    return api.call(admin, "POST", "/family-tokens", json={"facility": "F1", "family": family}).json()
