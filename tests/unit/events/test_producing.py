"""The producer builds every payload through the shared models, and consumers read back exactly what it sent."""

from __future__ import annotations

from datetime import date, datetime, timezone

import msgspec
import pytest

from enrollment.domain import snapshots
from tuoyu.envelope import Envelope
from tuoyu.events import decoding, payloads, records
from tuoyu.events.registry import InvalidPayload, UnknownEvent

SEPTEMBER = date(2022, 9, 1)


def an_enrollment() -> dict:
    return snapshots.enrollment_of("F1", "E1", "K1", "C1", "full_day", SEPTEMBER, None, [(SEPTEMBER, 200000)], 1)


def test_a_snapshot_is_the_records_wire_form_with_iso_dates_and_decimal_money():
    assert an_enrollment() == {
        "facility": "F1", "external_id": "E1", "child": "K1", "class": "C1", "care": "full_day",
        "start": "2022-09-01", "end": None, "fees": ({"from": "2022-09-01", "monthly_fee": "2000.00"},), "version": 1}


def test_a_facility_snapshot_carries_its_rates_reviews_and_status():
    facility = snapshots.facility_of("F1", "沈家门街道托育园", "community", "public", False, True, "6222 0000", SEPTEMBER,
                                     None, None, None, [(SEPTEMBER, "0.500000")], [(date(2023, 6, 1), "fail")], 4)
    assert facility["rates"] == ({"from": "2022-09-01", "rate": "0.5"},)
    assert facility["reviews"] == ({"date": "2023-06-01", "result": "fail"},)
    assert (facility["status"], facility["name"], facility["bank_account"]) == ("rectification", "沈家门街道托育园",
                                                                                "6222 0000")


def test_an_event_is_checked_against_its_types_model():
    with pytest.raises(InvalidPayload, match="carries"):
        snapshots.event("ChildEnrolled", SEPTEMBER, "F1", enrolment=an_enrollment())  # misspelt
    with pytest.raises(InvalidPayload, match="carries"):
        snapshots.event("EnrollmentEnded", SEPTEMBER, "F1", enrollment=an_enrollment())  # no reason
    with pytest.raises(InvalidPayload, match=r"\$\.enrollment\.version"):
        snapshots.event("ChildEnrolled", SEPTEMBER, "F1", enrollment={**an_enrollment(), "version": "1"})
    with pytest.raises(InvalidPayload, match="child"):
        snapshots.event("ChildEnrolled", SEPTEMBER, "F1", enrollment={k: v for k, v in an_enrollment().items()
                                                                       if k != "child"})
    with pytest.raises(UnknownEvent):
        snapshots.event("ChildAdopted", SEPTEMBER, "F1", enrollment=an_enrollment())


def test_a_consumer_decodes_the_producers_event_into_the_same_model():
    sent = snapshots.event("ChildEnrolled", SEPTEMBER, "F1", enrollment=an_enrollment())
    received = decoding.decode(sent.to_bytes())
    assert (received.id, received.type, received.schema_version) == (str(sent.id), "ChildEnrolled", 1)
    assert received.payload == sent.payload == payloads.EnrollmentSnapshot(records.Enrollment(
        facility="F1", external_id="E1", child="K1", class_="C1", care="full_day", start=SEPTEMBER, end=None,
        fees=(records.Fee(effective_from=SEPTEMBER, monthly_fee="2000.00"),), version=1))


def test_an_event_written_by_the_former_pydantic_envelope_still_decodes():
    old = (b'{"id":"0b5e1c9a-7d3f-4c62-9a51-3f0d2e8b6c47","type":"ChildEnrolled","schema_version":1,'
           b'"occurred_on":"2022-09-01","recorded_at":"2026-11-29T10:11:45.442932Z","key":"F1","payload":'
           b'{"enrollment":{"facility":"F1","external_id":"E1","child":"K1","class":"C1","care":"full_day",'
           b'"start":"2022-09-01","end":null,"fees":[{"from":"2022-09-01","monthly_fee":"2000.00"}],"version":1}}}')
    envelope = Envelope.from_bytes(old)
    assert envelope.recorded_at == datetime(2026, 11, 29, 10, 11, 45, 442932, tzinfo=timezone.utc)
    assert envelope.to_bytes() == old
    assert decoding.decode(old).payload.enrollment.fees[0].monthly_fee == "2000.00"


def test_an_event_type_this_consumer_does_not_know_decodes_with_no_payload():
    unknown = Envelope(type="ChildAdopted", occurred_on=SEPTEMBER, key="F1", payload={"child": {}})
    assert decoding.decode(unknown.to_bytes()).payload is None


def test_a_schema_version_this_consumer_does_not_know_decodes_with_no_payload():
    later = Envelope(type="ChildEnrolled", schema_version=2, occurred_on=SEPTEMBER, key="F1",
                     payload={"enrollment": an_enrollment()})
    assert decoding.decode(later.to_bytes()).payload is None


def test_a_payload_its_model_refuses_fails_to_decode_with_where():
    broken = Envelope(type="ChildEnrolled", occurred_on=SEPTEMBER, key="F1",
                      payload={"enrollment": {**an_enrollment(), "start": "1 September"}})
    with pytest.raises(msgspec.ValidationError, match=r"\$\.enrollment\.start"):
        decoding.decode(broken.to_bytes())
