"""A decision's note has a limit (conf.NOTE_MAX_CHARS, 2,000 characters), checked on the
server: a longer one is refused with an error that says so, and the page keeps the note
as it was typed."""

import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from review import conf, services
from review.models import Decision
from tests.conftest import logged_in

LONG = "这一段太长了。" * 300  # 2,100 characters


def test_the_limit_is_two_thousand_characters():
    assert conf.NOTE_MAX_CHARS == 2000 and len(LONG) > 2000


@pytest.mark.parametrize("which, data", [
    ("reject", {"reasons": ["quality"]}),
    ("changes", {"reasons": ["quality"]}),
    ("approve", {"grade": "B", "category": "premium_2d"}),
])
def test_a_note_past_the_limit_is_refused_and_kept(client, submitted, reviewer, which, data):
    logged_in(client, reviewer, "en")
    client.post(reverse("review:claim", args=[submitted.pk]))
    data = {**data, "note": LONG}
    if which == "approve":
        data["publish_on"] = timezone.localdate().isoformat()

    response = client.post(reverse("review:decide", args=[submitted.pk, which]), data)

    body = response.content.decode()
    assert response.status_code == 400
    assert ("A note can have at most 2000 characters; this one has 2100. "
            "Shorten it and send it again.") in body
    form = body.split(f'data-testid="{which}-form"')[1].split("</form>")[0]
    assert f">\n{LONG}</textarea>" in html.unescape(form)  # every character kept
    assert 'maxlength' not in form  # the browser would cut a pasted note short silently
    assert not Decision.objects.exists()
    submitted.episode.refresh_from_db()
    assert submitted.episode.status == "in_review"


def test_the_error_and_the_limit_read_in_chinese(client, submitted, reviewer):
    logged_in(client, reviewer, "zh-hans")
    client.post(reverse("review:claim", args=[submitted.pk]))
    page = client.get(reverse("review:item", args=[submitted.pk])).content.decode()
    assert "最多 2000 个字。" in page

    response = client.post(reverse("review:decide", args=[submitted.pk, "reject"]),
                           {"reasons": ["policy"], "note": LONG})

    assert "备注最多 2000 个字，当前为 2100 个字。请删减后重新提交。" in response.content.decode()


def test_a_note_of_exactly_the_limit_is_recorded(client, submitted, reviewer):
    client.force_login(reviewer)
    client.post(reverse("review:claim", args=[submitted.pk]))
    note = "x" * conf.NOTE_MAX_CHARS

    response = client.post(reverse("review:decide", args=[submitted.pk, "reject"]),
                           {"reasons": ["policy"], "note": note})

    assert response.status_code == 302
    assert Decision.objects.get().note == note


def test_the_services_refuse_a_long_note_from_any_caller(submitted, reviewer):
    services.claim(submitted, reviewer)
    with pytest.raises(ValidationError):
        services.reject(submitted, reviewer, ["policy"], LONG)
    with pytest.raises(ValidationError):
        services.ask_for_changes(submitted, reviewer, LONG)
    assert not Decision.objects.exists()
