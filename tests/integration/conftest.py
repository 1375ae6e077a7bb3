import pytest

from kit.topics import ensure_log_topics


@pytest.fixture
async def topics(store_settings):
    """A fresh log topic and its DLQ, created as the services create them."""
    await ensure_log_topics(store_settings)
    return store_settings
