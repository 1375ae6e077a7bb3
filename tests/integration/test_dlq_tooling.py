"""`mcu dlq` on the real broker: letters counted by consumer and code, one shown with its
original, and replayed after a fix for the consumer that failed — applied once, however
often it is replayed, and skipped by every other consumer."""

from __future__ import annotations

import asyncio
import json

import pytest
from eventsourcing.application import AggregateNotFoundError
from typer.testing import CliRunner

from cli.main import app as mcu
from kit.stores import store_environment
from tests.support import tally as tally_module
from tests.support.logtools import (
    consume_until,
    consumer,
    drain_relay,
    intake_app,
    produce_raw,
    register,
    relay,
    tally_app,
)
from tests.support.tally import TallyApplication

pytestmark = pytest.mark.kafka


class Bystander(TallyApplication):
    """Another service on the same log: a store (and tables) of its own."""

    name = "bystander"


async def _mcu(settings, *args: str):
    env = {"MCU_KAFKA_BOOTSTRAP": settings.kafka_bootstrap, "MCU_LOG_TOPIC": settings.log_topic}
    return await asyncio.to_thread(CliRunner().invoke, mcu, ["dlq", *args], env=env)


def _seen(tally, appeal) -> list[str]:
    """The events the tally applied for the appeal (none before its first)."""
    try:
        return tally.counts([appeal])[appeal]
    except AggregateNotFoundError:
        return []


async def test_a_letter_is_listed_shown_and_replayed_once_after_the_fix(topics, monkeypatch):
    settings = topics
    intake, tally = intake_app(settings), tally_app(settings)
    other = Bystander(env=store_environment("bystander", settings))
    [poisoned] = register(intake, 1, prefix="P", text=f"{tally_module.POISON_MARK}: упадёт")
    healthy = register(intake, 5, prefix="H")
    r = relay(intake, settings)
    await r.start()
    await drain_relay(r)
    await r.close()
    await produce_raw(settings.kafka_bootstrap, settings.log_topic, [(b"k", b"\xff not json")])

    first = consumer(tally, settings)
    await first.start()
    await consume_until(first, lambda: all(_seen(tally, a) for a in healthy))
    await first.close()

    listed = await _mcu(settings, "list")
    assert listed.exit_code == 0, listed.output
    assert "2 писем" in listed.output
    assert "mcu.tally" in listed.output and "reaction_failed" in listed.output
    assert "malformed_json" in listed.output
    position = next(line.split()[0] for line in listed.output.splitlines()
                    if "reaction_failed" in line and ":" in line.split()[0])
    shown = await _mcu(settings, "show", position)
    assert shown.exit_code == 0 and str(poisoned) in shown.output
    assert json.loads(shown.output[shown.output.index("{", shown.output.index("}") + 1):]
                      )["event_type"] == "AppealRegistered"

    monkeypatch.setattr(tally_module, "POISON_MARK", "исправлено: больше не падает")
    for _ in range(2):  # replayed twice: applied once
        replayed = await _mcu(settings, "replay", "--consumer", "mcu.tally",
                              "--code", "reaction_failed")
        assert replayed.exit_code == 0 and "возвращено в журнал" in replayed.output
    stubborn = await _mcu(settings, "replay", "--consumer", "mcu.tally", "--code",
                          "malformed_json")  # still not JSON: for mcu.tally alone to fail on
    assert stubborn.exit_code == 0
    again = consumer(tally, settings)
    await again.start()
    await consume_until(again, lambda: bool(_seen(tally, poisoned)))
    for _ in range(5):
        await again.consume_once()
    await again.close()
    assert len(_seen(tally, poisoned)) == 1

    bystander = consumer(other, settings, name="mcu.bystander")  # a consumer that never failed
    await bystander.start()
    await consume_until(bystander, lambda: all(_seen(other, a) for a in [*healthy, poisoned]))
    for _ in range(5):
        await bystander.consume_once()
    await bystander.close()
    assert len(_seen(other, poisoned)) == 1
    letters = await _mcu(settings, "list")
    counts = {tuple(line.split()[:2]): int(line.split()[2]) for line in
              letters.output.splitlines() if line.startswith("  mcu.")}
    # the bystander dead-lettered the original bad record only: the replays were not for it
    assert counts[("mcu.bystander", "malformed_json")] == 1
    assert counts[("mcu.tally", "malformed_json")] == 2, letters.output  # original and replay
