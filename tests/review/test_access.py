"""Only reviewers and staff reach the queue; creators see only their own episodes'
decisions."""

import pytest
from django.urls import reverse

from review import services


def urls(item):
    return [reverse("review:index"), reverse("review:item", args=[item.pk]),
            reverse("review:item_video", args=[item.pk])]


def post_urls(item):
    return [reverse("review:claim", args=[item.pk]), reverse("review:release", args=[item.pk]),
            reverse("review:decide", args=[item.pk, "approve"]),
            reverse("review:decide", args=[item.pk, "reject"])]


def test_it_sends_anonymous_visitors_to_login(client, submitted):
    for url in urls(submitted):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("who", ["owner", "member", "outsider"])
def test_it_refuses_creators_every_review_page(client, submitted, who, request):
    client.force_login(request.getfixturevalue(who))
    for url in urls(submitted) + [reverse("review:stats")]:
        assert client.get(url).status_code == 403, url
    for url in post_urls(submitted):
        assert client.post(url, {"grade": "S"}).status_code == 403, url
    submitted.refresh_from_db()
    assert submitted.claimed_by is None and submitted.state == "open"


def test_it_lets_reviewers_and_staff_work_the_queue(client, submitted, reviewer, staff):
    for user in (reviewer, staff):
        client.force_login(user)
        response = client.get(reverse("review:index"))
        assert response.status_code == 200
        assert submitted.episode.ref in response.content.decode()
        assert client.get(reverse("review:item", args=[submitted.pk])).status_code == 200
        video = client.get(reverse("review:item_video", args=[submitted.pk]))
        assert video.status_code == 200 and b"ftyp" in b"".join(video.streaming_content)


def test_it_shows_statistics_to_staff_only(client, reviewer, staff):
    client.force_login(reviewer)
    assert client.get(reverse("review:stats")).status_code == 403
    client.force_login(staff)
    assert client.get(reverse("review:stats")).status_code == 200


def test_it_hides_other_studios_decisions_from_creators(client, submitted, reviewer,
                                                        outsider, owner):
    services.claim(submitted, reviewer)
    services.reject(submitted, reviewer, ["quality"], "blurry picture")
    episode = submitted.episode
    page = reverse("creators:episode", args=[episode.series.studio.slug, episode.ref])
    client.force_login(outsider)
    response = client.get(page)
    assert response.status_code == 404
    assert b"blurry picture" not in response.content
    client.force_login(owner)
    response = client.get(page)
    assert response.status_code == 200 and "blurry picture" in response.content.decode()
