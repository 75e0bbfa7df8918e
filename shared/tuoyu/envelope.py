"""The event envelope of CONTRACT "Events": id, type, schema version, business date, record time, key."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


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
