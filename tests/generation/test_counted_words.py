"""Counts on the generation page read as a person would write them: "1 credit", not
"1 credits", in English; Chinese has one form."""

import html

import pytest
from django.urls import reverse

from generation import credits
from generation.models import Job
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db


def balance_badge(client, studio) -> str:
    page = client.get(reverse("generation:studio_jobs", args=[studio.slug]))
    assert page.status_code == 200
    text = page.content.decode()
    start = text.index('data-testid="balance">') + len('data-testid="balance">')
    return text[start:text.index("</span>", start)]


def test_the_balance_says_credit_for_one_and_credits_for_more(client, owner, studio):
    credits.grant(studio, 1)
    assert balance_badge(logged_in(client, owner, "en"), studio) == "1 credit"
    assert balance_badge(logged_in(client, owner, "zh-hans"), studio) == "1 灵感值"
    credits.grant(studio, 1)
    assert balance_badge(logged_in(client, owner, "en"), studio) == "2 credits"


def test_the_queued_message_counts_the_price(client, owner, studio):
    credits.grant(studio, 100)
    page = logged_in(client, owner, "en").post(
        reverse("generation:submit_keyframe", args=[studio.slug]),
        {"model": "tiny-keyframe", "prompt": "竹林", "steps": "4"}, follow=True)
    assert page.status_code == 200
    price = Job.objects.get().price
    word = "credit" if price == 1 else "credits"
    assert f"Queued. Price: {price} {word}." in html.unescape(page.content.decode())
