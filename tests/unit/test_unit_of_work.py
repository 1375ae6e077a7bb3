"""A unit loads a batch's aggregates together and gives the same state the repository would."""

from __future__ import annotations

import uuid

import pytest

from kit.unit_of_work import UnitOfWork
from tests.support.tally import Tally, TallyApplication


def tally_app(tmp_path, trusted_cache: bool) -> TallyApplication:
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
           "SQLITE_DBNAME": str(tmp_path / "tally.sqlite"), "AGGREGATE_CACHE_MAXSIZE": "100"}
    if trusted_cache:
        env["AGGREGATE_CACHE_FASTFORWARD"] = "n"
    return TallyApplication(env=env)


@pytest.mark.parametrize("trusted_cache", [False, True])
def test_a_batch_load_gives_what_the_repository_gives(tmp_path, trusted_cache):
    app = tally_app(tmp_path, trusted_cache)
    stored = []
    for n in range(3):
        tally = Tally(uuid.uuid4())
        for k in range(n + 1):
            tally.count(f"e{k}")
        stored.append(tally)
    app.save(*stored)
    missing = uuid.uuid4()

    unit = UnitOfWork(app)
    unit.expect({t.id for t in stored} | {missing})

    assert unit.get(missing) is None
    for tally in stored:
        loaded = unit.get(tally.id)
        assert (loaded.version, loaded.seen) == (tally.version, tally.seen)
        assert unit.get(tally.id) is loaded  # later messages see earlier changes


def test_changes_made_through_a_unit_are_stored_and_read_back(tmp_path):
    app = tally_app(tmp_path, trusted_cache=False)
    tally = Tally(uuid.uuid4())
    app.save(tally)

    unit = UnitOfWork(app)
    unit.expect({tally.id})
    unit.get(tally.id).count("later")
    app.save(*unit.aggregates())

    again = UnitOfWork(app)
    again.expect({tally.id})
    assert again.get(tally.id).seen == ["later"]
    assert app.repository.get(tally.id).seen == ["later"]
