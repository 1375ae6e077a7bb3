"""The log topics are created on purpose: partitions as configured, retention unlimited."""

from __future__ import annotations

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from kit.settings import Settings
from kit.topics import TopicMismatch, ensure_log_topics

pytestmark = pytest.mark.kafka


async def _config(bootstrap: str, topic: str) -> dict[str, str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        [response] = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, topic)])
        [resource] = response.resources
        return {entry[0]: entry[1] for entry in resource[4]}
    finally:
        await admin.close()


async def test_log_and_dlq_get_the_configured_partitions_and_unlimited_retention(
        kafka_bootstrap, log_topic):
    settings = Settings(kafka_bootstrap=kafka_bootstrap, log_topic=log_topic, log_partitions=4)
    assert await ensure_log_topics(settings) == {log_topic: 4, f"{log_topic}.dlq": 4}
    for topic in (log_topic, f"{log_topic}.dlq"):
        config = await _config(kafka_bootstrap, topic)
        assert (config["retention.ms"], config["retention.bytes"]) == ("-1", "-1")
    assert await ensure_log_topics(settings) == {log_topic: 4, f"{log_topic}.dlq": 4}


async def test_a_partition_count_that_differs_from_the_existing_log_is_refused(
        kafka_bootstrap, log_topic):
    await ensure_log_topics(Settings(kafka_bootstrap=kafka_bootstrap, log_topic=log_topic,
                                     log_partitions=2))
    with pytest.raises(TopicMismatch):
        await ensure_log_topics(Settings(kafka_bootstrap=kafka_bootstrap, log_topic=log_topic,
                                         log_partitions=6))
