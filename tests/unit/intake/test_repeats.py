"""Repeat detection inside one registration batch, and indexes stored before indexes
started with their first appeal."""

from __future__ import annotations

import uuid
from datetime import timedelta

from contracts.vocabulary import Channel
from services.intake.domain.commands import RegisterAppeal
from services.intake.domain.repeats import RepeatIndex
from tests.support.intake import NOW


def command(n: int, days: int = 0, email: str = "m.ivanova@example.ru") -> RegisterAppeal:
    return RegisterAppeal(channel=Channel.WEB, external_id=f"W-{n}", text="Не горит фонарь",
                          topic="Уличное освещение", territory="г. Константиновск",
                          received_at=NOW + timedelta(days=days),
                          applicant={"last_name": "Иванова", "email": email})


def stored_events(intake) -> list[str]:
    return [n.topic.rsplit(".", 1)[-1] for n in intake.notifications_after(0, 1000)]


def test_the_same_problem_twice_in_one_batch_is_a_repeat_of_the_first(intake):
    first, second, other = intake.register_many([command(1), command(2, days=3),
                                                 command(3, email="p.petrov@example.ru")])
    assert (first.repeat_of, second.repeat_of, other.repeat_of) == (None, first.appeal_id, None)
    # a new index is stored with its first appeal (one event), the second joins it
    assert stored_events(intake).count("Started") == 2
    assert stored_events(intake).count("Added") == 1
    assert intake.register_many([command(4, days=5)])[0].repeat_of == second.appeal_id


def test_an_index_stored_empty_at_its_start_still_knows_its_appeals():
    earlier = str(uuid.uuid4())
    index = RepeatIndex(uuid.uuid4())
    index.add(earlier, NOW.isoformat())
    started, added = index.collect_events()
    for name in ("appeal_id", "received_at"):  # what an index stored before carried
        del started.__dict__[name]
    replayed = added.mutate(started.mutate(None))
    assert replayed.appeals == [(earlier, NOW.isoformat())]
    assert replayed.earlier_within(NOW + timedelta(days=1), timedelta(days=30)) == \
        uuid.UUID(earlier)
