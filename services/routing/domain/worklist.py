"""Work queues as the console shows them (Zammad's overviews): which queue an appeal that
waits for someone is in, the filters, search, sort and pages over a person's items. Pure.

Who waits for whom stays the application's index (`_waited_by`); here an item already
known to wait for this person is sorted into the queue of the role that is waited for.
Three queues watch rather than wait: a block curator's open appeals of their blocks,
every open appeal of the municipality for its MCU head and deadline controller, and the
appeals whose deadline SLA escalated to the MCU head.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from services.routing.domain.due import Due

# queue id -> its Russian title, in the order the console shows them
QUEUES: dict[str, str] = {
    "distribute": "Новые и нераспределённые",
    "returned_by_executors": "Возвращены исполнителями",
    "returned_by_subordinates": "Возвращены поселениями и учреждениями",
    "subordinate": "Переданы нам на исполнение",
    "mine": "Мои на исполнении",
    "approval": "Ждут согласования и направления",
    "disputes": "Разногласия",
    "rating": "Ждут оценки заявителя",
    "my_blocks": "Открытые в моих блоках",
    "all_open": "Все открытые обращения муниципалитета",
    "escalations": "Эскалированы руководителю МЦУ",
}
SORTS = ("waiting", "newest", "oldest", "due")
FILTERS = ("status", "kind", "channel", "topic", "thematic_block", "territory",
           "recipient_id", "executor_id")
MAX_QUERY = 200


@dataclass(frozen=True)
class QueueItem:
    appeal_id: UUID
    status: str
    recipient_id: str | None
    subordinate_id: str | None
    executor_id: str | None
    topic: str
    territory: str
    channel: str = ""
    municipality: str = ""
    kind: str = ""
    thematic_block: str = ""
    returned_by: str = ""
    repeat: bool = False
    external_id: str = ""
    received_at: str = ""
    subject: str = ""
    text: str = ""  # as intake masked it: what a search by text looks in
    due: Due | None = None  # the running deadline, as SLA's events told routing

    def queue(self, holder: str) -> str:
        """The queue of the role `holder` (the index's key) in which the item waits."""
        if holder == "coordinator":
            if self.status == "returned":
                return ("returned_by_subordinates" if self.returned_by == "subordinate_recipient"
                        else "returned_by_executors")
            return "distribute"
        return {"subordinate": "subordinate", "executor": "mine", "approver": "approval",
                "head": "disputes", "applicant": "rating", "block": "my_blocks",
                "watch": "all_open", "escalated": "escalations"}[holder]

    def matches(self, text: str) -> bool:
        """A search: an id or its start, the channel's number, or words of the text."""
        needle = text.strip().lower()
        if not needle:
            return True
        return (str(self.appeal_id).startswith(needle) or needle == self.external_id.lower()
                or needle in self.subject.lower() or needle in self.text.lower())


@dataclass(frozen=True)
class Page:
    total: int  # after the filters
    counts: dict[str, int]  # queue -> items in it (before the filters)
    items: list[QueueItem]


def page(found: Iterable[tuple[int, str, QueueItem]], *, now: datetime,
         queue: str | None = None, filters: dict[str, str] | None = None,
         repeat: bool | None = None, deadline: str | None = None, query: str = "",
         sort: str = "waiting", offset: int = 0, limit: int = 50) -> Page:
    """`found`: (the order it began to wait, the holder's role, the item). Counts per queue
    are over everything the person waits on; the page over what the filters keep.
    `deadline` keeps the items whose running deadline is in that state at `now`."""
    filters = {k: v for k, v in (filters or {}).items() if v}
    counts: Counter[str] = Counter()
    kept: list[tuple[int, QueueItem]] = []
    seen: set[UUID] = set()  # an appeal waiting on me and watched by me is listed once
    for order, holder, item in found:
        where = item.queue(holder)
        counts[where] += 1
        if queue is not None and where != queue or queue is None and item.appeal_id in seen:
            continue
        seen.add(item.appeal_id)
        if any(getattr(item, name) != value for name, value in filters.items()):
            continue
        if repeat is not None and item.repeat != repeat:
            continue
        if deadline and (item.due is None or item.due.state(now) != deadline):
            continue
        if not item.matches(query):
            continue
        kept.append((order, item))
    kept.sort(key=_sort_key(sort))
    return Page(len(kept), {q: counts[q] for q in QUEUES if counts[q]},
                [item for _, item in kept[offset:offset + limit]])


def _sort_key(sort: str):
    if sort == "due":  # due first; those without a running deadline last
        return lambda pair: ((0, pair[1].due.due_at.timestamp()) if pair[1].due
                             else (1, float(pair[0])))
    if sort == "newest":
        return lambda pair: _negated(pair[1].received_at)
    if sort == "oldest":
        return lambda pair: pair[1].received_at
    return lambda pair: pair[0]  # waiting longest first


def _negated(text: str) -> Sequence[int]:
    return [-ord(c) for c in text]
