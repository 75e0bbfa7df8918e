"""`annual_review` and revocation as the engine reports them per facility."""

from datetime import date

from subsidy.rules.engine import compute_month
from tuoyu.months import Month

from .world import World

SEPTEMBER = Month(2022, 9)


def _status(putuo, **facility):
    world = World()
    world.enroll(world.child(), world.facility(**facility))
    due = compute_month(SEPTEMBER, putuo, world.facts(SEPTEMBER))
    f = due.facilities
    return {"held": bool(f.held[0]), "revoked": bool(f.revoked[0]),
            "rectifying": bool(f.in_rectification_at_month_end[0]), "eligible_days": int(f.eligible_days[0]),
            "revoked_on": f.revoked_on[0], "line": due.lines.row(0)}


def test_a_failed_review_in_the_month_holds_the_payout_but_still_computes_it(putuo):
    status = _status(putuo, reviews=[("2022-09-10", "fail")])
    assert (status["held"], status["revoked"], status["eligible_days"]) == (True, False, 30)
    assert status["line"]["operating_subsidy_fen"] == 24000


def test_a_failed_review_after_the_months_last_day_does_not_hold_it(putuo):
    assert not _status(putuo, reviews=[("2022-10-01", "fail")])["held"]


def test_a_pass_after_a_fail_releases_the_hold(putuo):
    status = _status(putuo, reviews=[("2022-03-10", "fail"), ("2022-09-30", "pass")])
    assert (status["held"], status["rectifying"]) == (False, False)


def test_a_fail_pass_fail_sequence_is_not_two_consecutive_failures(putuo):
    status = _status(putuo, reviews=[("2022-01-10", "fail"), ("2022-04-10", "pass"), ("2022-09-10", "fail")])
    assert (status["held"], status["revoked"]) == (True, False)


def test_a_second_consecutive_fail_revokes_on_its_date_and_cancels_rather_than_holds(putuo):
    status = _status(putuo, reviews=[("2022-03-10", "fail"), ("2022-09-11", "fail")])
    assert (status["held"], status["revoked"], status["rectifying"]) == (False, True, True)
    assert status["revoked_on"] == date(2022, 9, 11)
    assert (status["eligible_days"], status["line"]["enrolled_days"]) == (10, 10)


def test_a_recorded_revocation_earlier_than_the_reviews_wins(putuo):
    status = _status(putuo, revoked="2022-09-05", reviews=[("2022-03-10", "fail"), ("2022-09-11", "fail")])
    assert status["revoked_on"] == date(2022, 9, 5)
    assert status["line"]["enrolled_days"] == 4


def test_a_facility_revoked_on_the_last_day_of_the_previous_month_has_no_days_at_all(putuo):
    status = _status(putuo, revoked="2022-08-31")
    assert (status["line"]["fee_fen"], status["line"]["enrolled_days"], status["eligible_days"]) == (0, 0, 0)
