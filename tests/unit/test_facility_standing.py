"""The shared facility standing (`tuoyu.standing`): the review sequence and the status on a day.

The property tests hold it to what each service did before it was shared: the enrollment service's status of a
record and its revocation decision; and to the POLICY read day by day, as the subsidy engine's reference reads it
(the engine's own copy moved here unchanged, and tests/unit/rules still hold the engine to its cases).
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tuoyu import standing

D = date.fromisoformat


def test_a_second_consecutive_failed_review_revokes_on_its_date():
    assert standing.revocation_date([(D("2022-03-10"), "fail"), (D("2022-09-11"), "fail")]) == D("2022-09-11")


def test_a_pass_between_two_failures_breaks_the_sequence():
    reviews = [(D("2022-01-10"), "fail"), (D("2022-04-10"), "pass"), (D("2022-09-10"), "fail")]
    assert standing.revocation_date(reviews) is None
    assert standing.status(D("2022-01-01"), None, reviews, D("2022-09-10")) == "rectification"


def test_a_recorded_revocation_earlier_than_the_reviews_wins():
    reviews = [(D("2022-03-10"), "fail"), (D("2022-09-11"), "fail")]
    assert standing.revocation_date(reviews, D("2022-09-05")) == D("2022-09-05")


def test_the_status_moves_from_registered_to_filed_to_rectification_and_back():
    reviews = [(D("2022-06-30"), "fail"), (D("2022-12-15"), "pass")]
    on = [D("2022-01-01"), D("2022-03-01"), D("2022-06-30"), D("2022-12-15")]
    assert [standing.status(D("2022-03-01"), None, reviews, day) for day in on] == [
        "registered", "filed", "rectification", "filed"]


def test_without_a_day_the_status_is_what_every_recorded_date_adds_up_to():
    assert standing.status(None, None, []) == "registered"
    assert standing.status(D("2022-03-01"), None, [(D("2022-06-30"), "fail")]) == "rectification"
    assert standing.status(D("2022-03-01"), D("2022-07-01"), []) == "revoked"


# --- the behaviours it replaces --------------------------------------------------------------------------------------

def old_enrollment_status(filed_on, revoked_on, last_review):
    """`enrollment/domain/snapshots.status` before the rule was shared."""
    if revoked_on is not None:
        return "revoked"
    if last_review == "fail":
        return "rectification"
    return "filed" if filed_on is not None else "registered"


def revoked_read_day_by_day(reviews, recorded, day):
    """POLICY `annual_review` read literally: revoked by `day` if so recorded, or if two reviews in a row by then
    failed (the subsidy reference's reading)."""
    past = sorted(review for review in reviews if review[0] <= day)
    two_failed = any(a[1] == b[1] == "fail" for a, b in zip(past, past[1:]))
    return (recorded is not None and recorded <= day) or two_failed


def rectifying_read_day_by_day(reviews, day):
    latest = max((review for review in reviews if review[0] <= day), default=None)
    return latest is not None and latest[1] == "fail"


days = st.dates(date(2020, 1, 1), date(2024, 12, 31))
results = st.sampled_from(["pass", "fail"])
reviews_ = st.lists(st.tuples(days, results), unique_by=lambda review: review[0], max_size=6)


@st.composite
def recorded_histories(draw):
    """A facility as the enrollment service records it: reviews in date order, each one accepted only until a
    second consecutive failure revoked the facility (then `revoked_on` is that review's date)."""
    filed_on = draw(st.none() | days)
    gaps = draw(st.lists(st.integers(1, 400), max_size=6))
    recorded, revoked_on, previous = [], None, None
    day = date(2020, 1, 1)
    for gap in gaps:
        day += timedelta(days=gap)
        result = draw(results)
        # The old decision in `facilities.review`: this review fails and the previous one failed.
        revokes = result == "fail" and previous == "fail"
        # The shared decision that replaces it.
        assert (standing.revocation_date(recorded + [(day, result)]) == day) == revokes
        recorded.append((day, result))
        previous = result
        if revokes:
            revoked_on = day
            break
    return filed_on, revoked_on, recorded


@settings(max_examples=300, deadline=None)
@given(history=recorded_histories())
def test_the_status_of_every_recorded_history_is_the_one_the_enrollment_service_gave(history):
    filed_on, revoked_on, reviews = history
    last = reviews[-1][1] if reviews else None
    assert standing.status(filed_on, revoked_on, reviews) == old_enrollment_status(filed_on, revoked_on, last)


@settings(max_examples=300, deadline=None)
@given(reviews=reviews_, recorded=st.none() | days, day=days)
def test_revocation_and_rectification_are_the_policy_read_day_by_day(reviews, recorded, day):
    assert standing.is_revoked(day, reviews, recorded) == revoked_read_day_by_day(reviews, recorded, day)
    assert standing.in_rectification(day, reviews) == rectifying_read_day_by_day(reviews, day)


@settings(max_examples=300, deadline=None)
@given(reviews=reviews_, recorded=st.none() | days, filed_on=st.none() | days, day=days)
def test_the_status_on_a_day_follows_revocation_then_rectification_then_filing(reviews, recorded, filed_on, day):
    label = standing.status(filed_on, recorded, reviews, day)
    revoked = standing.is_revoked(day, reviews, recorded)
    assert (label == "revoked") == revoked
    if not revoked:
        assert (label == "rectification") == standing.in_rectification(day, reviews)
    if label in ("registered", "filed"):
        assert (label == "filed") == (filed_on is not None and filed_on <= day)
