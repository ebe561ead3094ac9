"""The queue's studio and series filters are lists a reviewer picks from by name (the
option values stay the ids the queue's URLs already carry); an id of nothing, or not a
number, is refused by the form with an error, never a 500 nor the whole queue."""

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from creators import services as creators
from creators.services import create_studio
from review import services
from review.forms import QueueFilterForm
from tests.conftest import logged_in, make_user
from tests.review.conftest import add_episode


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def select(body: str, name: str) -> str:
    return body.split(f'name="{name}"')[1].split("</select>")[0]


def options(body: str, name: str) -> list[tuple[str, str]]:
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select(body, name))


def queued(series, number: int = 1):
    return services.enqueue(add_episode(series, number))


@pytest.fixture
def two_studios(series, other_studio):
    """晨光工作室 (dawn) with Moon Sword, 别家工作室 (elsewhere) with Far, both queued, and
    a third studio with nothing in the queue."""
    far = creators.create_series(other_studio, title="Far", synopsis="",
                                 category="narrated", exclusive=False)
    queued(series), queued(far)
    idle = create_studio(make_user("idle"), "安静工作室", slug="quiet")
    creators.create_series(idle, title="Silent", synopsis="", category="standard",
                           exclusive=False)
    return series, far, idle


def test_the_studio_filter_lists_queued_studios_by_name_with_ids_as_values(
        client, reviewer, two_studios, studio, other_studio):
    body = logged_in(client, reviewer, "zh-hans").get(reverse("review:index")).content.decode()

    assert 'type="number"' not in body
    assert options(body, "studio") == [
        ("", "全部"),  # ordered by name: 别 (bie) sorts before 晨 (chen) by code point
        (str(other_studio.pk), "别家工作室"), (str(studio.pk), "晨光工作室")]


def test_the_series_filter_names_each_series_with_its_studio(client, reviewer, two_studios,
                                                            studio, other_studio):
    series, far, _ = two_studios
    body = logged_in(client, reviewer, "en").get(reverse("review:index")).content.decode()

    assert options(body, "series") == [
        ("", "All"), (str(far.pk), "Far · 别家工作室"), (str(series.pk), "Moon Sword · 晨光工作室")]
    assert "Silent" not in body  # nothing of it is in the queue


def test_a_chosen_studio_limits_the_series_list_and_the_queue(client, reviewer, two_studios,
                                                             studio):
    series, far, _ = two_studios
    logged_in(client, reviewer, "zh-hans")
    response = client.get(reverse("review:index"), {"studio": studio.pk})

    body = response.content.decode()
    assert response.status_code == 200
    assert f'<option value="{studio.pk}" selected>晨光工作室</option>' in body
    assert options(body, "series") == [("", "全部"), (str(series.pk), "Moon Sword · 晨光工作室")]
    assert "Moon Sword" in body.split('data-testid="queue"')[1]
    assert "Far" not in body.split('data-testid="queue"')[1]


def test_the_old_id_urls_still_filter(client, reviewer, two_studios, other_studio):
    series, far, _ = two_studios
    client.force_login(reviewer)
    rows = client.get(f"/review/?studio={other_studio.pk}&series={far.pk}&page=1")

    assert rows.status_code == 200
    queue = rows.content.decode().split('data-testid="queue"')[1]
    assert "Far" in queue and "Moon Sword" not in queue


def test_a_studio_whose_queue_emptied_still_reads_from_a_bookmark(client, reviewer,
                                                                 two_studios):
    idle = two_studios[2]
    silent = idle.series.get()
    decided = queued(silent)  # it was in the queue once, and is decided since
    type(decided).objects.filter(pk=decided.pk).update(state="approved")
    client.force_login(reviewer)
    response = client.get(reverse("review:index"), {"studio": idle.pk})

    assert response.status_code == 200
    assert f'<option value="{idle.pk}" selected>安静工作室</option>' in response.content.decode()


def test_studios_that_share_a_name_read_with_their_slugs(client, reviewer, series):
    twin = create_studio(make_user("twin"), "晨光工作室", slug="dawn-2")
    twin_series = creators.create_series(twin, title="Moon Sword", synopsis="",
                                         category="standard", exclusive=False)
    queued(series), queued(twin_series)

    body = logged_in(client, reviewer, "zh-hans").get(reverse("review:index")).content.decode()

    assert [label for _, label in options(body, "studio")] == [
        "全部", "晨光工作室 (dawn)", "晨光工作室 (dawn-2)"]
    assert [label for _, label in options(body, "series")] == [
        "全部", "Moon Sword · 晨光工作室 (dawn)", "Moon Sword · 晨光工作室 (dawn-2)"]


@pytest.mark.parametrize("query, field", [
    ({"studio": "999999"}, "studio"),
    ({"studio": "abc"}, "studio"),
    ({"studio": "99999999999999999999"}, "studio"),
    ({"studio": "-3"}, "studio"),
    ({"series": "999999"}, "series"),
    ({"series": "1.5"}, "series"),
])
def test_an_unknown_or_malformed_choice_is_refused_with_an_error(reviewer, two_studios,
                                                                 query, field):
    client = Client(raise_request_exception=False)
    logged_in(client, reviewer, "en")
    response = client.get(reverse("review:index"), query)

    body = response.content.decode()
    assert response.status_code == 400
    label = "studio" if field == "studio" else "series"
    assert f'data-error="{field}">Unknown {label}: choose one from the list.</p>' in body
    assert "Moon Sword" not in body.split('data-testid="queue"')[1]  # not the whole queue
    assert "Correct the filters above to see the queue." in body


def test_the_refusal_is_in_chinese_too(client, reviewer, two_studios):
    logged_in(client, reviewer, "zh-hans")
    body = client.get(reverse("review:index"), {"studio": "999999"}).content.decode()

    assert "未知工作室：请从列表中选择。" in body
    assert "请先更正上方的筛选条件，再查看队列。" in body


def test_a_series_of_another_studio_is_refused(client, reviewer, two_studios, studio):
    far = two_studios[1]
    logged_in(client, reviewer, "en")
    response = client.get(reverse("review:index"), {"studio": studio.pk, "series": far.pk})

    assert response.status_code == 400
    assert "This series belongs to another studio." in response.content.decode()


def test_the_form_cleans_to_the_studio_and_series(two_studios, studio):
    series = two_studios[0]
    form = QueueFilterForm({"studio": str(studio.pk), "series": str(series.pk)})
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["studio"], form.cleaned_data["series"]) == (studio, series)
    assert not QueueFilterForm({"studio": "0"}).is_valid()


def test_an_id_never_in_the_queue_reads_out_nothing(client, reviewer, two_studios):
    """Walking ids must not list every studio and every draft series' title."""
    idle = two_studios[2]
    draft = creators.create_series(idle, title="Top Secret Drama", synopsis="",
                                   category="standard", exclusive=False)
    client.force_login(reviewer)
    for query in ({"studio": idle.pk}, {"series": draft.pk}):
        response = client.get(reverse("review:index"), query)
        body = response.content.decode()
        assert response.status_code == 400
        assert "安静工作室" not in body and "Top Secret Drama" not in body
