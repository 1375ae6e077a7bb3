"""The demo's synthetic appeals are varied, deterministic and valid commands."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from itertools import islice

from demo.corpus import TOPICS
from demo.generator import appeals
from services.intake.domain.commands import RegisterAppeal


def test_the_stream_covers_kinds_channels_topics_and_territories():
    sample = list(islice(appeals(seed=7), 2000))
    assert {a.kind for a in sample} == {"message", "official", "social"}
    assert {a.channel for a in sample} >= {"pos", "incident", "email", "open311", "letter"}
    assert len({a.topic for a in sample if a.topic}) >= len(TOPICS) - 2
    assert len(Counter(a.territory for a in sample)) == 7
    assert len({a.external_id for a in sample}) == 2000
    assert all("{" not in a.text for a in sample)


def test_the_same_seed_gives_the_same_appeals():
    assert list(islice(appeals(3), 50)) == list(islice(appeals(3), 50))


def test_every_synthetic_appeal_is_a_valid_registration():
    now = datetime(2026, 11, 16, tzinfo=UTC)
    for appeal in islice(appeals(5), 300):
        command = RegisterAppeal.model_validate(appeal.as_command(now))
        assert command.federal_law_59 == (appeal.kind == "official")
