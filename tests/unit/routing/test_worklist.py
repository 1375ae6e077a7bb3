"""The console's queues from routing's index: which queue an item is in, the watchers'
queues (a block curator's blocks, the MCU head's whole municipality), filters, search,
sort and pages."""

from __future__ import annotations

import uuid

from services.intake.domain.commands import RegisterAppeal
from services.routing.domain.worklist import QueueItem, page
from tests.support.intake import route_registrations
from tests.unit.test_tenancy import world


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
    everything = page(found)
    assert everything.total == 3 and everything.counts == {
        "distribute": 2, "mine": 1, "all_open": 1}
    assert [i.appeal_id.int for i in page(found, queue="distribute").items] == [1, 2]
    assert [i.appeal_id.int for i in page(found, filters={"channel": "pos"}).items] == [2]
    assert [i.appeal_id.int for i in page(found, query="школы").items] == [1]
    assert [i.appeal_id.int for i in page(found, query="фонарь").items] == [2]
    assert [i.appeal_id.int for i in page(found, query=str(uuid.UUID(int=3))).items] \
        == [3]
    assert [i.appeal_id.int for i in page(found, sort="newest").items] == [3, 2, 1]
    second = page(found, offset=1, limit=1)
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
