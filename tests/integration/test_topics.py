"""Topics the services create keep every event: a view rebuilt from its topic must see the first event too."""

from __future__ import annotations

import os
import uuid

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from tuoyu import kafka

BOOTSTRAP = os.environ.get("TUOYU_KAFKA_BOOTSTRAP", f"127.0.0.1:{os.environ.get('TUOYU_KAFKA_PORT', '59092')}")


async def topic_config(topic: str) -> dict[str, str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=BOOTSTRAP)
    await admin.start()
    try:
        [response] = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
        [(_, _, _, _, entries)] = response.resources
        return {entry[0]: entry[1] for entry in entries}
    finally:
        await admin.close()


@pytest.mark.asyncio
async def test_a_new_topic_keeps_its_events_for_ever_rather_than_the_brokers_seven_days(infra):
    topic = f"t{uuid.uuid4().hex[:10]}.enrollment.events"
    await kafka.ensure_topics(BOOTSTRAP, [topic])
    config = await topic_config(topic)
    assert config["retention.ms"] == "-1"
    assert config["retention.bytes"] == "-1"
