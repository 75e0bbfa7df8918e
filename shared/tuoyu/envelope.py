"""The event envelope of CONTRACT "Events": id, type, schema version, business date, record time, key."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from typing import Any, Callable, Generic, TypeVar

import msgspec
from pydantic import BaseModel, ConfigDict, Field

Payload = TypeVar("Payload")


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str
    schema_version: int = 1
    occurred_on: date
    recorded_at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))
    # The partition key: events of one facility keep their order.
    key: str
    payload: dict[str, Any]

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> "Envelope":
        return cls.model_validate_json(raw)


class Received(msgspec.Struct, Generic[Payload], frozen=True, gc=False):
    """An event as a bulk consumer reads it back: its id, type, and only the payload fields the consumer declares.

    Decoded by msgspec into the consumer's own payload type (`received_decoder`): types are checked, fields it does
    not read are skipped, and no dict is built, which makes decoding several times cheaper than `Envelope`'s. The id
    stays text (PostgreSQL's uuid type checks it) and nothing here is tracked by the garbage collector: a replay
    holds tens of thousands of events at once.
    """

    id: str
    type: str
    payload: Payload


def received_decoder(payload: type[Payload]) -> Callable[[bytes], Received[Payload]]:
    """A function from an event's bytes to a `Received[payload]`; raises `msgspec.ValidationError` on a bad one."""
    return msgspec.json.Decoder(Received[payload]).decode
