"""Whether every payload field a consumer reads (`registry.EventType.reads`) is one its producer's model sends.

A path is wire names joined by dots (`enrollment.fees.monthly_fee`), followed through nested records and through
the records inside a list; its type is the producer's field type, which the consumer decodes with (the same model).
"""

from __future__ import annotations

import types
import typing

import msgspec

from tuoyu.events import registry


def field_type(model: type, path: str) -> object:
    """The type of the field at `path` in `model`; `LookupError` naming the first step that is not there."""
    current: object = model
    for step in path.split("."):
        struct = _struct_in(current)
        if struct is None:
            raise LookupError(f"{path}: {step!r} is below a {current!r}, which has no fields")
        fields = {f.encode_name: f.type for f in msgspec.structs.fields(struct)}
        if step not in fields:
            raise LookupError(f"{path}: {struct.__name__} has no field {step!r} (it has {', '.join(fields)})")
        current = fields[step]
    return current


def _struct_in(annotation: object) -> type | None:
    """The record an annotation holds: itself, or the one inside `X | None`, `tuple[X, ...]` or `list[X]`."""
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return annotation
    if typing.get_origin(annotation) in (tuple, list, types.UnionType, typing.Union):
        inner = [s for arg in typing.get_args(annotation) if (s := _struct_in(arg)) is not None]
        return inner[0] if len(inner) == 1 else None
    return None


def unsent() -> list[str]:
    """Every field a consumer reads that its producer's model does not send, as 'Type (consumer): problem'."""
    found = []
    for event in registry.EVENTS.values():
        for consumer, paths in event.reads.items():
            for path in paths:
                try:
                    field_type(event.payload, path)
                except LookupError as missing:
                    found.append(f"{event.name} ({consumer}): {missing}")
    return found
