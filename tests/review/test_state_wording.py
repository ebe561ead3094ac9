"""One state, one word: an open item reads on its own page as the queue's counts read it,
待领取 while no reviewer holds it and 处理中 once one does (it said 待审核 on the item
page and 待领取 in the queue)."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import override

from review.models import ReviewItem
from tests.conftest import logged_in


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def state_badge(body: str) -> str:
    return body.split('data-testid="item-state"')[1].split(">", 1)[1].split("</span>")[0]


def count_label(body: str, n: int) -> str:
    counts = body.split('data-testid="counts"')[1].split("</ul>")[0]
    return counts.split("</span> ")[n].split("</li>")[0]


def test_an_unclaimed_item_reads_the_same_on_its_page_and_in_the_queue(client, submitted,
                                                                       reviewer):
    logged_in(client, reviewer, "zh-hans")
    queue = client.get(reverse("review:index")).content.decode()
    page = client.get(reverse("review:item", args=[submitted.pk])).content.decode()

    assert count_label(queue, 1) == "待领取"
    assert state_badge(page) == "待领取"
    assert "待审核" not in page


def test_a_claimed_item_reads_the_same_on_its_page_and_in_the_queue(client, submitted,
                                                                    reviewer):
    logged_in(client, reviewer, "zh-hans")
    client.post(reverse("review:claim", args=[submitted.pk]))
    queue = client.get(reverse("review:index")).content.decode()
    page = client.get(reverse("review:item", args=[submitted.pk])).content.decode()

    assert count_label(queue, 2) == "处理中"
    assert state_badge(page) == "处理中"


def test_the_item_states_read_in_english(client, submitted, reviewer):
    logged_in(client, reviewer, "en")
    assert state_badge(client.get(reverse("review:item", args=[submitted.pk]))
                       .content.decode()) == "Waiting"
    client.post(reverse("review:claim", args=[submitted.pk]))
    assert state_badge(client.get(reverse("review:item", args=[submitted.pk]))
                       .content.decode()) == "Claimed"


def test_a_decided_item_still_shows_its_state(client, submitted, reviewer):
    ReviewItem.objects.filter(pk=submitted.pk).update(state=ReviewItem.State.REJECTED)
    logged_in(client, reviewer, "zh-hans")
    assert state_badge(client.get(reverse("review:item", args=[submitted.pk]))
                       .content.decode()) == "已驳回"
    with override("en"):
        assert ReviewItem.State.REJECTED.label == "Rejected"
