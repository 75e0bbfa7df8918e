"""`Inbox.wait_caught_up`: a reader's barrier returns once the lag is 0 and answers 503 rather than hang."""

from __future__ import annotations

import pytest

from tuoyu.errors import NotCaughtUp
from tuoyu.inbox import Inbox


class Lagging(Inbox):
    """An inbox whose lag readings are given (None: the consumer is restarting)."""

    def __init__(self, *readings: int | None):
        super().__init__(None, "unused:9092", ["t.enrollment.events"], "t.billing", handler=lambda conn, e: None)
        self.readings = list(readings)

    async def lag(self) -> int:
        reading = self.readings.pop(0) if len(self.readings) > 1 else self.readings[0]
        if reading is None:
            raise RuntimeError("consumer is not running")
        return reading


async def test_waiting_returns_once_every_event_published_so_far_is_applied():
    inbox = Lagging(None, 3, 1, 0)
    await inbox.wait_caught_up(timeout=5)
    assert inbox.readings == [0]


async def test_a_consumer_that_never_catches_up_gives_a_503_naming_it_and_its_topic():
    with pytest.raises(NotCaughtUp) as raised:
        await Lagging(7).wait_caught_up(timeout=0.2)
    assert raised.value.status == 503
    assert "t.billing" in raised.value.detail and "t.enrollment.events" in raised.value.detail


async def test_a_consumer_that_never_starts_gives_a_503_too():
    with pytest.raises(NotCaughtUp):
        await Lagging(None).wait_caught_up(timeout=0.2)


class JustStarted:
    """A consumer right after its start: subscribed, no metadata fetched yet."""

    def partitions_for_topic(self, topic: str):
        return None


async def test_a_consumer_that_knows_no_partitions_yet_is_not_taken_for_caught_up():
    # An instance started a moment ago was asked to bill and, knowing no partitions, reported a lag of 0.
    inbox = Inbox(None, "unused:9092", ["t.enrollment.events"], "t.billing", handler=lambda conn, e: None)
    inbox._consumer = JustStarted()
    with pytest.raises(RuntimeError, match="does not know"):
        await inbox.lag()
    with pytest.raises(NotCaughtUp):
        await inbox.wait_caught_up(timeout=0.2)
