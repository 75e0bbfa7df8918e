"""The BACKWARD check: a new schema must read everything written with the old one, as a schema registry judges it."""

from __future__ import annotations

from tuoyu.events import compat, versions


def obj(properties: dict, required: list[str]) -> dict:
    return {"$ref": "#/$defs/P", "$defs": {"P": {"type": "object", "properties": properties, "required": required}}}


TEXT, DATE, NUMBER = {"type": "string"}, {"type": "string", "format": "date"}, {"type": "integer"}
OLD = obj({"external_id": TEXT, "start": DATE}, ["external_id", "start"])


def test_the_same_schema_is_compatible():
    assert compat.problems(OLD, OLD) == []


def test_a_new_optional_field_is_compatible():
    assert compat.problems(OLD, obj({"external_id": TEXT, "start": DATE, "care": TEXT},
                                    ["external_id", "start"])) == []


def test_a_new_required_field_is_not():
    assert compat.problems(OLD, obj({"external_id": TEXT, "start": DATE, "care": TEXT},
                                    ["external_id", "start", "care"])) == [
        "$.care: new and required (a new field needs a default)"]


def test_a_removed_field_is_not():
    assert compat.problems(OLD, obj({"external_id": TEXT}, ["external_id"])) == ["$.start: removed"]


def test_a_retyped_field_is_not():
    assert compat.problems(OLD, obj({"external_id": NUMBER, "start": DATE}, ["external_id", "start"])) == [
        "$.external_id: was string, now integer"]


def test_a_field_that_may_now_be_null_is_compatible_and_the_reverse_is_not():
    nullable = obj({"external_id": TEXT, "start": {"anyOf": [DATE, {"type": "null"}]}}, ["external_id", "start"])
    assert compat.problems(OLD, nullable) == []
    assert compat.problems(nullable, OLD) == ["$.start: was null, now string (date)"]


def test_an_optional_field_made_required_is_not():
    optional = obj({"external_id": TEXT, "start": DATE}, ["external_id"])
    assert compat.problems(optional, OLD) == ["$.start: was optional, now required"]


def test_changes_inside_a_nested_record_in_a_list_are_found():
    def with_fees(fee: dict, required: list[str]) -> dict:
        return {"$ref": "#/$defs/E", "$defs": {
            "E": {"type": "object", "properties": {"fees": {"type": "array", "items": {"$ref": "#/$defs/Fee"}}},
                  "required": ["fees"]},
            "Fee": {"type": "object", "properties": fee, "required": required}}}
    old = with_fees({"from": DATE, "monthly_fee": TEXT}, ["from", "monthly_fee"])
    assert compat.problems(old, with_fees({"from": DATE}, ["from"])) == ["$.fees[].monthly_fee: removed"]


def test_every_current_model_is_backward_compatible_with_its_committed_schema():
    assert {key: what for key, what in versions.differences().items() if what.startswith("incompatible")} == {}


def test_every_event_types_schema_is_committed_as_it_stands():
    assert versions.differences() == {}, "run `python -m tuoyu.events.versions` to record a compatible change"
