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


async def test_a_consumer_started_before_the_log_exists_joins_it_as_soon_as_it_does(
        kafka_bootstrap, log_topic, tmp_path):
    """A fresh deployment: the audit service may start before any service has created the
    log. Its start fails at once (the service retries it) instead of subscribing to a
    topic aiokafka would only see at its next metadata refresh, minutes later (found on a
    fresh `make run`: the audit service signed nothing for five minutes)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from contracts import encode
    from kit.log_consumer import LogTopicMissing
    from services.audit.adapters.store import AuditStore
    from services.audit.entrypoints.ingest import AuditIngest
    from tests.support.envelopes import AppealStory
    from tests.support.logtools import produce_raw
    from tests.unit.sla.conftest import MON

    settings = Settings(kafka_bootstrap=kafka_bootstrap, log_topic=log_topic, log_partitions=2)
    ingest = AuditIngest(AuditStore(tmp_path / "audit.sqlite"),
                         Ed25519PrivateKey.generate(), log_topic, settings.dlq_topic,
                         kafka_bootstrap, group=f"audit-{log_topic}")
    with pytest.raises(LogTopicMissing):
        await ingest.start()
    await ensure_log_topics(settings)
    story = AppealStory()
    await produce_raw(kafka_bootstrap, log_topic,
                      [(str(story.appeal_id).encode(), encode(story.registered(MON)))])
    await ingest.start()  # as the service's retry does
    try:
        for _ in range(100):
            if sum(t.size for t in ingest.trees.values()) == 1:
                break
            await ingest.consume_once()
        assert sum(t.size for t in ingest.trees.values()) == 1
    finally:
        await ingest.close()
