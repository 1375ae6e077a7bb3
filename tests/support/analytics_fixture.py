"""A known fixture of events for analytics, with the expected numbers computed by hand.

Week 2026-W47 is 16–22.11.2026 (Moscow). Four appeals:
A1 Ямы/Константиновск (pos): routed adm-roads, answered 17.11 on time, rated 5.
A2 Ямы/Почтовское (pos): routed adm-roads, due 18.11, breached 19.11, one rework,
   answered 25.11 (late), rated 2 on 26.11.
A3 Вода/Константиновск (email, official), registered 10.11 (W46): routed adm-zhkh,
   postponed 18.11.
A4 Вода/Константиновск (web), repeat of A3, registered 18.11: routed adm-zhkh,
   due 20.11, breached 21.11, still open.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from services.analytics.adapters import rating_file
from services.analytics.domain.indicators import GrowthRule, Period
from tests.support.envelopes import AppealStory

MSK = ZoneInfo("Europe/Moscow")
FORMULA = rating_file.load(rating_file.SHIPPED_RATING)[0]  # the shipped formula
RULE = GrowthRule()
W47 = Period.iso_week("2026-W47")


def msk(day: int, hour: int = 10, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=MSK).astimezone(UTC)


def _due(story, at, due):
    return story.event("DeadlineSet", at, stage="answer", due_at=due.isoformat())


def fixture_events() -> tuple[list, dict]:
    a1, a2, a3, a4 = AppealStory(), AppealStory(), AppealStory(), AppealStory()
    roads = {"recipient_id": "adm-roads"}
    zhkh = {"recipient_id": "adm-zhkh"}
    due_a2, due_a4 = msk(18, 23), msk(20, 23)
    events = [
        a3.registered(msk(10), kind="official", topic="Вода", block="ЖКХ", channel="email"),
        a3.event("AppealRouted", msk(10, 11), **zhkh),
        a1.registered(msk(16), topic="Ямы", block="Дороги"),
        a1.event("AppealRouted", msk(16, 11), **roads),
        a1.event("AppealAssigned", msk(16, 12), executor_id="u-1", **roads),
        _due(a1, msk(16, 10), msk(30, 23)),
        a2.registered(msk(16, 11), topic="Ямы", block="Дороги", territory="Почтовское"),
        a2.event("AppealRouted", msk(16, 12), **roads),
        a2.event("AppealAssigned", msk(16, 13), executor_id="u-1", **roads),
        _due(a2, msk(16, 11), due_a2),
        a1.event("AnswerPublished", msk(17)),
        a1.event("DeadlineStopped", msk(17), stage="answer", met=True),
        a1.event("AppealRated", msk(17, 15), score=5, satisfied=True),
        a3.event("AppealPostponed", msk(18), until="2027-04-15"),
        a4.registered(msk(18), topic="Вода", block="ЖКХ", channel="web", repeat_of=a3.appeal_id),
        a4.event("AppealRouted", msk(18, 11), **zhkh),
        _due(a4, msk(18), due_a4),
        a2.event("DeadlineBreached", msk(19, 0), stage="answer", due_at=due_a2.isoformat()),
        a2.event("AnswerReturnedForRework", msk(20)),
        a4.event("DeadlineBreached", msk(21, 0), stage="answer", due_at=due_a4.isoformat()),
        a2.event("AnswerPublished", msk(25)),
        a2.event("DeadlineStopped", msk(25), stage="answer", met=False),
        a2.event("AppealRated", msk(26), score=2, satisfied=False),
    ]
    return events, {"A1": a1.appeal_id, "A2": a2.appeal_id, "A3": a3.appeal_id,
                    "A4": a4.appeal_id, "due_a2": due_a2, "due_a4": due_a4}


