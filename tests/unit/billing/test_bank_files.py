"""The bank's files (CONTRACT "Paying facilities"): the export, and a confirmation checked whole."""

from __future__ import annotations

from datetime import date

from billing.payouts.bank import OnFile, Payee, check_confirmation, export_csv, parse_confirmation

HEADER = "reference,amount,paid_on,status\n"
APPROVED = {"PAY-2022-000001": OnFile("approved", 2108000), "PAY-2022-000002": OnFile("approved", 2027000),
            "PAY-2022-000003": OnFile("paid", 500, date(2022, 10, 1)), "PAY-2022-000004": OnFile("held", 100)}


def findings(text: str) -> list[tuple[int, str]]:
    lines, found = parse_confirmation(text)
    return [(f.line, f.reason) for f in sorted(found + check_confirmation(lines, APPROVED), key=lambda f: f.line)]


def test_export_lists_facility_name_account_without_spaces_amount_and_reference():
    text = export_csv([Payee("PAY-2022-000002", "F2", "东港", "6222 0202 0099", 2027000),
                       Payee("PAY-2022-000001", "F1", "沈家门", "6222020200112233445", 2108000)])
    assert text.splitlines() == ["facility,name,account,amount,reference",
                                 "F1,沈家门,6222020200112233445,21080.00,PAY-2022-000001",
                                 "F2,东港,622202020099,20270.00,PAY-2022-000002"]


def test_a_matching_confirmation_has_no_findings():
    assert findings(HEADER + "PAY-2022-000001,21080.00,2022-10-08,paid\nPAY-2022-000002,20270.00,2022-10-08,paid\n") == []


def test_every_bad_line_is_named_with_its_line_number():
    text = HEADER + ("PAY-2022-000001,21080.00,2022-10-08,paid\n"
                     "PAY-2022-000002,20207.00,2022-10-08,paid\n"
                     "PAY-2022-999999,1.00,2022-10-08,paid\n"
                     "PAY-2022-000003,5.00,2022-10-08,paid\n"
                     "PAY-2022-000001,21080.00,2022-10-09,paid\n"
                     "PAY-2022-000004,1.00,2022-10-08,paid\n"
                     "PAY-2022-000002,20270.00,08/10/2022,paid\n"
                     "PAY-2022-000002,20270,2022-10-08,maybe\n")
    assert findings(text) == [
        (3, "amount 20207.00 differs from the payout's 20270.00"),
        (4, "unknown reference 'PAY-2022-999999': no such payout"),
        (5, "PAY-2022-000003 was already paid on 2022-10-01: paid twice"),
        (6, "PAY-2022-000001 is paid twice in this file (also line 2)"),
        (7, "PAY-2022-000004 is held, not approved: the bank cannot have paid it"),
        (8, "paid_on: '08/10/2022' is not a date such as 2022-10-05"),
        (9, "status: 'maybe' is not 'paid' or 'failed'")]


def test_a_missing_header_refuses_the_file_at_line_one():
    assert findings("PAY-2022-000001,21080.00,2022-10-08,paid\n") == [
        (1, "the first line must be the header reference,amount,paid_on,status")]


def test_a_line_the_bank_failed_changes_nothing_and_is_not_an_error():
    lines, found = parse_confirmation(HEADER + "PAY-2022-000001,21080.00,2022-10-08,failed\n")
    assert found == [] and check_confirmation(lines, APPROVED) == [] and lines[0].paid is False


def test_a_bom_and_blank_lines_are_tolerated():
    assert findings("\ufeff" + HEADER + "\nPAY-2022-000001,21080.00,2022-10-08,成功\n\n") == []


def test_an_export_never_carries_a_formula_a_facility_typed_as_its_name():
    text = export_csv([Payee("PAY-2022-000001", "F1", '=HYPERLINK("http://x.example","pay")', "6222", 100)])
    assert text.splitlines()[1] == "F1,\"'=HYPERLINK(\"\"http://x.example\"\",\"\"pay\"\")\",6222,1.00,PAY-2022-000001"


def test_a_failed_line_keeps_the_banks_reason():
    lines, found = parse_confirmation("reference,amount,paid_on,status,reason\n"
                                      "PAY-2022-000001,21080.00,2022-10-10,failed,账户已销户\n")
    assert found == [] and (lines[0].paid, lines[0].paid_on, lines[0].reason) == (False, date(2022, 10, 10), "账户已销户")


def test_a_failed_line_for_a_payout_already_paid_or_not_approved_is_refused():
    assert findings(HEADER + "PAY-2022-000003,5.00,2022-10-10,failed\nPAY-2022-000004,1.00,2022-10-10,failed\n") == [
        (2, "PAY-2022-000003 was paid on 2022-10-01: the bank cannot report it failed now"),
        (3, "PAY-2022-000004 is held, not approved: the bank cannot have failed it")]


def test_a_payout_failed_and_paid_in_one_file_is_refused():
    assert findings(HEADER + "PAY-2022-000001,21080.00,2022-10-10,failed\nPAY-2022-000001,21080.00,2022-10-10,paid\n"
                    ) == [(3, "PAY-2022-000001 is reported failed on line 2 and paid here")]


def test_a_file_with_only_a_header_confirms_nothing_and_is_refused():
    assert findings(HEADER) == [(1, "the file confirms no payout: it holds no line after the header")]
    assert findings("\ufeff" + HEADER + "\n\n") == [(1, "the file confirms no payout: it holds no line after the header")]


def test_a_bank_account_other_than_the_one_in_effect_waits_for_confirmation():
    from billing.payouts.payees import account_decision
    assert account_decision("6222 0001", "6222 0001") is None
    assert account_decision("6222 0001", "9999 8888") == "9999 8888"
    assert account_decision(None, "9999 8888") == "9999 8888", "an account added after registration is proposed too"
    assert account_decision("6222 0001", None) is None


def test_a_file_of_many_bad_lines_names_the_first_hundred_and_counts_the_rest():
    from billing.payouts.bank import shown
    text = HEADER + "".join(f"PAY-2022-{n:06d},1.00,2022-10-08,paid\n" for n in range(100, 350))
    lines, found = parse_confirmation(text)
    named = shown(found + check_confirmation(lines, APPROVED))
    assert len(named) == 101
    assert named[-1].reason == "and 150 more problem(s) from this line on"
