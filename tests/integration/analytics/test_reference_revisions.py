"""Analytics records each version of its reference files as kit/revisions.py numbers them."""

from __future__ import annotations

import pytest

from kit.revisions import digest
from services.analytics.adapters import revisions
from tests.support import chdb

pytestmark = pytest.mark.chdb


def test_a_file_is_recorded_once_per_version():
    ch = chdb.fresh()
    first = {"weights": {"timeliness": 0.4}, "min_appeals": 3}
    assert revisions.record(ch, "rating", first) == (revisions.Revision("rating", 1, digest(first)), True)
    assert revisions.record(ch, "rating", dict(first))[1] is False  # same data: nothing new
    second = {**first, "min_appeals": 5}
    revision, changed = revisions.record(ch, "rating", second)
    assert changed and revision.number == 2
    assert [r["number"] for r in revisions.history(ch, "rating")] == [1, 2]
    assert revisions.record(ch, "other", first)[0].number == 1  # numbered per name
