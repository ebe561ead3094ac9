"""Every series, episode and upload URL of a studio, tried by a member of another studio
(404, never data) and the owner-only pages by a plain member (403)."""

import json
import uuid

import pytest
from django.urls import reverse

from creators import services
from creators.models import Episode, Membership, Series, Upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(studio, owner, series, episode):
    upload = services.start_upload(owner, episode, "video", "a.mp4", 10)
    target = Membership.objects.get(studio=studio, user=owner)
    return {"series": series, "episode": episode, "upload": upload, "membership": target}


def urls(o):
    s, e, u, m = o["series"], o["episode"], str(o["upload"].pk), o["membership"]
    slug = "dawn"
    return [
        ("get", reverse("creators:studio", args=[slug])),
        ("get", reverse("creators:studio_edit", args=[slug])),
        ("post", reverse("creators:studio_edit", args=[slug])),
        ("get", reverse("creators:payout", args=[slug])),
        ("post", reverse("creators:payout", args=[slug])),
        ("get", reverse("creators:members", args=[slug])),
        ("post", reverse("creators:members", args=[slug])),
        ("post", reverse("creators:member_remove", args=[slug, m.pk])),
        ("post", reverse("creators:member_role", args=[slug, m.pk])),
        ("get", reverse("creators:series_list", args=[slug])),
        ("get", reverse("creators:series_create", args=[slug])),
        ("post", reverse("creators:series_create", args=[slug])),
        ("get", reverse("creators:series", args=[slug, s.slug])),
        ("get", reverse("creators:series_edit", args=[slug, s.slug])),
        ("post", reverse("creators:series_edit", args=[slug, s.slug])),
        ("post", reverse("creators:series_delete", args=[slug, s.slug])),
        ("get", reverse("creators:episode_create", args=[slug, s.slug])),
        ("post", reverse("creators:episode_create", args=[slug, s.slug])),
        ("get", reverse("creators:episode", args=[slug, e.ref])),
        ("get", reverse("creators:episode_edit", args=[slug, e.ref])),
        ("post", reverse("creators:episode_edit", args=[slug, e.ref])),
        ("post", reverse("creators:episode_delete", args=[slug, e.ref])),
        ("post", reverse("creators:episode_submit", args=[slug, e.ref])),
        ("get", reverse("creators:episode_probe", args=[slug, e.ref])),
        ("get", reverse("creators:episode_media", args=[slug, e.ref, "video"])),
        ("post", reverse("creators:upload_create", args=[slug, e.ref])),
        ("get", reverse("creators:upload", args=[slug, u])),
        ("put", reverse("creators:upload", args=[slug, u]) + "?offset=0"),
        ("post", reverse("creators:upload_finalize", args=[slug, u])),
    ]


def test_a_member_of_another_studio_gets_404_everywhere(client, outsider, objects):
    client.force_login(outsider)
    for method, url in urls(objects):
        body = json.dumps({"kind": "video", "filename": "x.mp4", "size": 5})
        response = getattr(client, method)(url, data=body if method != "get" else None,
                                           content_type="application/json")
        assert response.status_code == 404, (method, url, response.status_code)
        for secret in (objects["episode"].ref, objects["series"].title, "Moon Sword"):
            assert secret.encode() not in response.content
    # Nothing moved: the series, the episode and the upload are as they were.
    assert Series.objects.filter(pk=objects["series"].pk).exists()
    episode = Episode.objects.get(pk=objects["episode"].pk)
    assert episode.status == Episode.Status.DRAFT and episode.title == "The oath"
    upload = Upload.objects.get(pk=objects["upload"].pk)
    assert upload.offset == 0 and upload.status == Upload.Status.RECEIVING
    assert Membership.objects.filter(studio__slug="dawn").count() == 1


def test_another_studios_objects_are_404_under_your_own_studio(client, outsider,
                                                              other_studio, objects):
    """Knowing the ref or the upload id is not enough: the lookup is always by studio."""
    client.force_login(outsider)
    mine = other_studio.slug
    e, u = objects["episode"], str(objects["upload"].pk)
    for url in (
        reverse("creators:series", args=[mine, objects["series"].slug]),
        reverse("creators:episode", args=[mine, e.ref]),
        reverse("creators:episode_media", args=[mine, e.ref, "video"]),
        reverse("creators:upload", args=[mine, u]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.put(reverse("creators:upload", args=[mine, u]) + "?offset=0", data=b"12",
                      content_type="application/octet-stream").status_code == 404
    assert client.post(reverse("creators:upload_finalize", args=[mine, u])).status_code == 404


def test_a_member_cannot_see_payout_details_or_manage_members(client, member, studio,
                                                              objects):
    studio.payout_details = "ICBC 6222 0000 1111"
    studio.save()
    client.force_login(member)
    owner_only = [
        ("get", reverse("creators:payout", args=["dawn"])),
        ("post", reverse("creators:payout", args=["dawn"])),
        ("post", reverse("creators:members", args=["dawn"])),
        ("post", reverse("creators:member_remove", args=["dawn", objects["membership"].pk])),
        ("post", reverse("creators:member_role", args=["dawn", objects["membership"].pk])),
    ]
    for method, url in owner_only:
        response = getattr(client, method)(url, {"who": "x", "role": "member",
                                                 "payout_details": "mine"})
        assert response.status_code == 403, url
        assert b"6222" not in response.content
    for url in (reverse("creators:studio", args=["dawn"]),
                reverse("creators:members", args=["dawn"])):
        assert b"6222" not in client.get(url).content
    studio.refresh_from_db()
    assert studio.payout_details == "ICBC 6222 0000 1111"
    assert Membership.objects.get(pk=objects["membership"].pk).role == "owner"


def test_an_unknown_upload_id_is_404(client, owner, studio):
    client.force_login(owner)
    assert client.get(reverse("creators:upload", args=["dawn", "nope"])).status_code == 404
    assert client.get(reverse("creators:upload", args=["dawn", str(uuid.uuid4())])
                      ).status_code == 404


def test_the_studio_socket_refuses_other_studios(outsider, studio, transactional_db):
    from channels.db import database_sync_to_async
    from channels.testing import WebsocketCommunicator
    from django.db import connections
    from django.test import Client

    from config.asgi import application
    from tests.conftest import run_async

    client = Client()
    client.force_login(outsider)
    session = client.cookies["sessionid"].value

    async def connect():
        communicator = WebsocketCommunicator(
            application, f"/ws/studio/{studio.id}/",
            headers=[(b"cookie", f"sessionid={session}".encode()),
                     (b"origin", b"http://localhost")],
        )
        connected, code = await communicator.connect()
        await communicator.disconnect()
        # The consumer's queries ran on a worker thread; its connection must not outlive us.
        await database_sync_to_async(connections.close_all)()
        return connected, code

    connected, code = run_async(connect)
    assert not connected and code == 4403
