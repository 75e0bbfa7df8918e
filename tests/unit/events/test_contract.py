"""Every payload field a consumer reads is one its producer sends; the registry names every event produced."""

from __future__ import annotations

import re
from pathlib import Path

import msgspec
import pytest

from tuoyu.events import contract, payloads, registry
from tuoyu.events.records import Record

ENROLLMENT = Path(__file__).resolve().parents[3] / "services" / "enrollment"


def test_every_field_a_consumer_reads_is_in_its_producers_model():
    assert contract.unsent() == []


def test_a_path_follows_nested_records_and_the_records_in_a_list():
    assert contract.field_type(payloads.EnrollmentSnapshot, "enrollment.fees.monthly_fee") is str
    assert contract.field_type(payloads.ClassSnapshot, "class.closed_on") is not None


def test_a_field_the_producer_does_not_send_is_named_with_what_the_record_has():
    with pytest.raises(LookupError, match="Family has no field 'name'"):
        contract.field_type(payloads.FamilySnapshot, "family.name")
    with pytest.raises(LookupError, match="no fields"):
        contract.field_type(payloads.ApiKey, "facility.name")


class Family(Record):
    """The producer's family, had it dropped its external id."""
    facility: str
    version: int
    household: str | None = None


class FamilySnapshot(payloads.Payload):
    family: Family


def test_a_consumer_reading_a_field_the_producer_dropped_is_reported(monkeypatch):
    dropped = registry.EventType("FamilyRegistered", FamilySnapshot, "", registry.EVENTS["FamilyRegistered"].reads)
    monkeypatch.setitem(registry.EVENTS, "FamilyRegistered", dropped)
    assert contract.unsent() == [
        "FamilyRegistered (subsidy): family.external_id: Family has no field 'external_id' (it has facility, version, household)",
        "FamilyRegistered (billing): family.external_id: Family has no field 'external_id' (it has facility, version, household)"]


def test_every_event_type_the_enrollment_service_names_is_registered():
    named = {m for path in ENROLLMENT.rglob("*.py")
             for m in re.findall(r'"([A-Z][a-z]+[A-Z]\w*(?:ed|Set))"', path.read_text(encoding="utf-8"))}
    assert named and named <= registry.EVENTS.keys()


def test_payload_models_are_frozen_and_untracked_by_the_garbage_collector():
    for model in {e.payload for e in registry.EVENTS.values()}:
        config = model.__struct_config__
        assert config.frozen and not config.gc, model
        for field in msgspec.structs.fields(model):
            record = contract._struct_in(field.type)
            assert record is None or (record.__struct_config__.frozen and not record.__struct_config__.gc), record
