"""Topic set-up: services create the topics they use, so a fresh broker needs nothing by hand.

Replicas follow the cluster: one broker (`make up`, `make test`) gives each topic one, a three-broker cluster
(TUOYU_KAFKA_BROKERS=3) three, so that with min.insync.replicas=2 and acks=all a write survives one broker's death.
Topics keep every event for ever: a consumer's view is rebuilt by replaying its topic from the start, which the
broker's default retention (seven days) would silently cut short.
"""

from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from tenacity import retry, stop_after_delay, wait_exponential

PARTITIONS = 6
MAX_REPLICAS = 3
TOPIC_CONFIG = {"retention.ms": "-1", "retention.bytes": "-1"}


def replication_factor(brokers: int) -> int:
    """Three replicas where the cluster has them: more would only slow writes, fewer could not survive a death."""
    return max(1, min(MAX_REPLICAS, brokers))


@retry(wait=wait_exponential(max=2), stop=stop_after_delay(90), reraise=True)
async def ensure_topics(bootstrap: str, names: list[str], partitions: int = PARTITIONS) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        replicas = replication_factor(len((await admin.describe_cluster())["brokers"]))
        missing = [NewTopic(n, num_partitions=partitions, replication_factor=replicas, topic_configs=TOPIC_CONFIG)
                   for n in names if n not in existing]
        if missing:
            try:
                await admin.create_topics(missing)
            except TopicAlreadyExistsError:
                pass
    finally:
        await admin.close()
