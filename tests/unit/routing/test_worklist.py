"""The console's queues from routing's index: which queue an item is in, the watchers'
queues (a block curator's blocks, the MCU head's whole municipality), filters, search,
sort and pages."""

from __future__ import annotations

import uuid
from datetime import timedelta

from services.intake.domain.commands import RegisterAppeal
from services.routing.domain.due import Due
from services.routing.domain.worklist import QueueItem, page
from tests.support.doors import follow_deadlines
from tests.support.intake import route_registrations
from tests.unit.test_tenancy import NOW, deliver, world


def item(n: int, **facts) -> QueueItem:
    return QueueItem(uuid.UUID(int=n), facts.pop("status", "routed"), "adm-gkh", None, None,
                     facts.pop("topic", "Ямы"), "", received_at=f"2026-12-0{n}T10:00:00+03:00",
                     **facts)


def test_items_sort_into_the_queue_of_the_role_waited_for():
    assert item(1).queue("coordinator") == "distribute"
    assert item(2, status="returned", returned_by="executor").queue("coordinator") \
        == "returned_by_executors"
    assert item(3, status="returned", returned_by="subordinate_recipient").queue(
        "coordinator") == "returned_by_subordinates"
    assert item(4).queue("executor") == "mine" and item(4).queue("block") == "my_blocks"


def test_a_page_counts_every_queue_filters_searches_sorts_and_lists_an_appeal_once():
    found = [(1, "coordinator", item(1, text="Яма у школы")),
             (2, "watch", item(1, text="Яма у школы")),  # the same appeal, watched
             (3, "coordinator", item(2, channel="pos", subject="Фонарь")),
             (4, "executor", item(3, status="assigned"))]
    everything = page(found, now=NOW)
    assert everything.total == 3 and everything.counts == {
        "distribute": 2, "mine": 1, "all_open": 1}
    assert [i.appeal_id.int for i in page(found, now=NOW, queue="distribute").items] == [1, 2]
    assert [i.appeal_id.int for i in page(found, now=NOW, filters={"channel": "pos"}).items] == [2]
    assert [i.appeal_id.int for i in page(found, now=NOW, query="школы").items] == [1]
    assert [i.appeal_id.int for i in page(found, now=NOW, query="фонарь").items] == [2]
    assert [i.appeal_id.int for i in page(found, now=NOW, query=str(uuid.UUID(int=3))).items] \
        == [3]
    assert [i.appeal_id.int for i in page(found, now=NOW, sort="newest").items] == [3, 2, 1]
    second = page(found, now=NOW, offset=1, limit=1)
    assert second.total == 3 and [i.appeal_id.int for i in second.items] == [2]


def test_a_block_curator_watches_their_blocks_and_the_head_the_whole_municipality():
    intake, routing, _ = world()
    roads = intake.register(RegisterAppeal(
        channel="web", external_id="R-1", municipality="konstantinovsky",
        topic="Ямы и выбоины на дорогах", text="Яма на дороге")).appeal_id
    other = intake.register(RegisterAppeal(
        channel="web", external_id="R-2", municipality="konstantinovsky",
        topic="Благоустройство дворов", text="Сломана скамейка во дворе")).appeal_id
    route_registrations(intake, routing)
    curator = routing.deployment.people["u-zam-gkh"]  # curates roads and housing
    mine = {i.appeal_id for i in routing.worklist(curator, queue="my_blocks").items}
    assert roads in mine
    head = routing.deployment.people["u-head"]
    assert {roads, other} <= {i.appeal_id for i in routing.worklist(head, queue="all_open").items}
    stranger = routing.deployment.people["gr-head"]  # another municipality's head
    assert not {roads, other} & {i.appeal_id for i in routing.worklist(stranger).items}


def due(hours: float, **flags) -> Due:
    return Due(NOW + timedelta(hours=hours), flags.get("paused", False),
               flags.get("reminded", False), flags.get("breached", False), False)


def test_sorted_by_due_time_and_filtered_by_the_state_of_the_running_deadline():
    found = [(1, "coordinator", item(1, due=due(30))),
             (2, "coordinator", item(2)),  # no deadline runs: last
             (3, "coordinator", item(3, due=due(-2))),  # past due, breach not yet told
             (4, "coordinator", item(4, due=due(5, reminded=True))),
             (5, "coordinator", item(5, due=due(1, paused=True)))]
    assert [i.appeal_id.int for i in page(found, now=NOW, sort="due").items] == [3, 5, 4, 1, 2]
    by_state = {state: [i.appeal_id.int for i in page(found, now=NOW, deadline=state).items]
                for state in ("overdue", "due_soon", "in_time", "paused")}
    assert by_state == {"overdue": [3], "due_soon": [4], "in_time": [1], "paused": [5]}
    later = page(found, now=NOW + timedelta(hours=31), deadline="overdue")
    assert {i.appeal_id.int for i in later.items} == {1, 3, 4}


def test_routing_follows_sla_deadlines_into_the_queues_and_the_heads_escalations():
    intake, routing, sla = world()
    water = intake.register(RegisterAppeal(
        channel="web", external_id="W-1", municipality="konstantinovsky",
        topic="Водоснабжение", text="Нет воды в доме")).appeal_id  # 1 working day
    roads = intake.register(RegisterAppeal(
        channel="web", external_id="R-1", municipality="konstantinovsky",
        topic="Ямы и выбоины на дорогах", text="Яма на дороге")).appeal_id  # 10 working days
    deliver(intake, routing, sla)
    follow_deadlines(sla, routing)
    head = routing.deployment.people["u-head"]
    listed = routing.worklist(head, queue="all_open", sort="due").items
    assert [i.appeal_id for i in listed][:2] == [water, roads]
    assert all(i.due is not None and i.due.state(NOW) == "in_time" for i in listed[:2])
    assert routing.worklist(head, queue="escalations").total == 0

    past = listed[0].due.due_at + timedelta(days=7) - sla.clock.now()
    for clock in (sla.clock, routing.clock):  # past the water's due moment and its
        clock.advance(past)                   # escalations up to the MCU head
    while sla.fire_due():
        pass
    follow_deadlines(sla, routing)
    now = routing.clock.now()
    water_item = next(i for i in routing.worklist(head, queue="all_open").items
                      if i.appeal_id == water)
    assert water_item.due.breached and water_item.due.state(now) == "overdue"
    escalated = routing.worklist(head, queue="escalations")
    assert [i.appeal_id for i in escalated.items] == [water]
    assert routing.worklist(head, queue="all_open", deadline="overdue").total >= 1
    # the store keeps what routing followed: a restart rebuilds the same queues
    routing._waiting.clear(), routing._keys.clear()
    routing.rebuild_queue()
    assert [i.appeal_id for i in routing.worklist(head, queue="escalations").items] == [water]
    assert water in {i.appeal_id for i in routing.worklist(
        routing.deployment.people["u-head"], deadline="overdue").items}
