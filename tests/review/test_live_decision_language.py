"""A review decision reaches each open page of the studio in that page's language, not in
the language the reviewer happened to read the queue in."""

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.test import Client
from django.utils import timezone, translation

from creators.models import Membership
from review import services
from review.models import ReviewItem
from tests.conftest import make_user, run_async
from tests.review.conftest import add_episode, make_clip


def test_a_decision_is_heard_in_each_pages_language(transactional_db, series, reviewer,
                                                    owner):
    # Committed at once here, the submission opens its item itself (on commit).
    episode = add_episode(series, 1, make_clip(seed=1, label=True, generated_meta=True))
    submitted = services.run_checks(ReviewItem.objects.get(episode=episode).pk)
    colleague = make_user("colleague")
    Membership.objects.create(studio=submitted.studio, user=colleague,
                              role=Membership.Role.MEMBER)
    sessions = []
    for user in (owner, colleague):
        client = Client()
        client.force_login(user)
        sessions.append(client.cookies["sessionid"].value)
    from config.asgi import application

    def socket(cookie: str):
        return WebsocketCommunicator(application, f"/ws/studio/{submitted.studio_id}/",
                                     headers=[(b"origin", b"http://localhost"),
                                              (b"cookie", cookie.encode())])

    def decide():
        services.claim(submitted, reviewer)
        with translation.override("en"):  # the reviewer reads the queue in English
            services.approve(submitted, reviewer, "A", "premium_2d",
                             timezone.localdate().replace(year=2027, month=1, day=5))

    async def scenario():
        english = socket(f"sessionid={sessions[0]}; django_language=en")
        chinese = socket(f"sessionid={sessions[1]}; django_language=zh-hans")
        assert (await english.connect())[0] and (await chinese.connect())[0]
        await database_sync_to_async(decide)()
        heard = []
        for ws in (english, chinese):
            while True:  # the studio also hears the episode's own status change
                event = await ws.receive_json_from(timeout=10)
                if event.get("type") == "review.decision":
                    heard.append(event)
                    break
            await ws.disconnect()
        await database_sync_to_async(connections.close_all)()
        return heard

    english, chinese = run_async(scenario)
    ref = submitted.episode.ref
    assert english["message"] == f"{ref} approved with grade A, published on 2027-01-05."
    assert chinese["message"] != english["message"]
    assert ref in chinese["message"] and "2027-01-05" in chinese["message"]
    assert "通过" in chinese["message"]
    assert "message_i18n" not in chinese and chinese["decision"] == "approve"
