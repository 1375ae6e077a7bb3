"""The applicant's personal link: it names one answer, cannot be forged or altered, and
expires."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.intake.domain import rating_link

KEY, NOW = b"k" * 32, datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def test_a_link_names_its_appeal_and_answer_until_it_expires():
    appeal = uuid.uuid4()
    token = rating_link.make(appeal, "d-7", NOW + timedelta(days=30), KEY)
    assert rating_link.read(token, KEY, NOW + timedelta(days=29)) == (appeal, "d-7")
    with pytest.raises(rating_link.LinkRefused) as expired:
        rating_link.read(token, KEY, NOW + timedelta(days=31))
    assert expired.value.status == 410 and "истёк" in expired.value.text


@pytest.mark.parametrize("damage", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # the signature altered
    lambda t: "A" + t[1:] if t[0] != "A" else "B" + t[1:],  # the appeal altered
    lambda t: t.split(".")[0],  # no signature
    lambda t: "%%%.***",  # not base64
    lambda t: "",
])
def test_an_altered_or_made_up_link_opens_nothing(damage):
    token = rating_link.make(uuid.uuid4(), "d-7", NOW + timedelta(days=1), KEY)
    with pytest.raises(rating_link.LinkRefused) as refused:
        rating_link.read(damage(token), KEY, NOW)
    assert refused.value.status == 404


def test_another_deployments_key_opens_nothing():
    token = rating_link.make(uuid.uuid4(), "d-7", NOW + timedelta(days=1), KEY)
    with pytest.raises(rating_link.LinkRefused):
        rating_link.read(token, b"x" * 32, NOW)
