"""A live message reaches each open page in that page's language: one event, sent by a
worker (or a reviewer's request) in its own language, is shown in English on a page read
in English and in Chinese on one read in Chinese."""

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext_noop

from creators.consumers import scope_language
from creators.notify import message_for, notify_studio
from tests.conftest import run_async

CHECKED = gettext_noop("Video of %(ref)s checked: %(w)s×%(h)s, %(s)s s")


def test_each_page_gets_the_message_in_its_own_language(studio, owner, member,
                                                        transactional_db):
    sessions = []
    for user in (owner, member):
        client = Client()
        client.force_login(user)
        sessions.append(client.cookies["sessionid"].value)
    from config.asgi import application

    def socket(headers):
        return WebsocketCommunicator(application, f"/ws/studio/{studio.id}/", headers=[
            (b"origin", b"http://localhost"), *headers])

    async def scenario():
        english = socket([(b"cookie", f"sessionid={sessions[0]}; django_language=en".encode())])
        chinese = socket([(b"cookie", f"sessionid={sessions[1]}".encode()),
                          (b"accept-language", b"zh-CN,zh;q=0.9,en;q=0.5")])
        assert (await english.connect())[0] and (await chinese.connect())[0]
        with translation.override("zh-hans"):  # the sender's own language does not matter
            payload = {"type": "episode.probe", "ref": "EP-1",
                       **message_for(CHECKED, {"ref": "EP-1", "w": 720, "h": 1280, "s": 61.5})}
        await database_sync_to_async(notify_studio)(studio.id, payload)
        got = await english.receive_json_from(timeout=10), await chinese.receive_json_from(timeout=10)
        for ws in (english, chinese):
            await ws.disconnect()
        await database_sync_to_async(connections.close_all)()
        return got

    english, chinese = run_async(scenario)
    assert english["message"] == "Video of EP-1 checked: 720×1280, 61.5 s"
    assert chinese["message"] == "EP-1 的视频已检测：720×1280，61.5 秒"
    assert "message_i18n" not in english and english["ref"] == chinese["ref"] == "EP-1"


def test_the_page_language_is_chosen_as_for_the_page_itself(settings):
    def scope(cookie=None, accept=None):
        return {"cookies": {"django_language": cookie} if cookie else {},
                "headers": [(b"accept-language", accept.encode())] if accept else []}

    assert scope_language(scope(cookie="en", accept="zh-CN")) == "en"  # the switcher wins
    assert scope_language(scope(accept="zh-CN,zh;q=0.9")) == "zh-hans"
    assert scope_language(scope(accept="fr-FR, en;q=0.8")) == "en"
    assert scope_language(scope(cookie="xx")) == settings.LANGUAGE_CODE
