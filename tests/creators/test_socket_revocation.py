"""A socket opened while its user was a member closes when that access ends: the studio's
live events and a job's progress stop at once for a removed member, a deactivated user
hears nothing more anywhere, and the sockets of the studios one still belongs to stay."""


from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.test import Client

from creators import services
from creators.models import Membership
from creators.notify import notify_studio
from generation.models import Job
from generation.progress import job_group
from tests.conftest import run_async


def session_of(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def socket(path: str, session: str) -> WebsocketCommunicator:
    from config.asgi import application

    return WebsocketCommunicator(application, path, headers=[
        (b"cookie", f"sessionid={session}".encode()), (b"origin", b"http://localhost")])


async def next_message(ws, timeout=10.0):
    """('json', payload) or ('closed', code); None when nothing came (the communicator then
    stops the application: only for the last read)."""
    try:
        message = await ws.receive_output(timeout=timeout)
    except TimeoutError:
        return None
    if message["type"] == "websocket.close":
        return "closed", message.get("code")
    import json
    return "json", json.loads(message["text"])


async def finish(*sockets):
    for ws in sockets:
        await ws.disconnect()
    await database_sync_to_async(connections.close_all)()


def test_a_removed_member_stops_hearing_the_studio(studio, owner, member, transactional_db):
    session = session_of(member)
    remover = Membership.objects.get(studio=studio, user=owner)
    removed = Membership.objects.get(studio=studio, user=member)

    async def scenario():
        ws = socket(f"/ws/studio/{studio.id}/", session)
        assert (await ws.connect())[0]
        await database_sync_to_async(notify_studio)(studio.id, {"type": "hello"})
        before = await next_message(ws)
        await database_sync_to_async(services.remove_member)(remover, removed)
        closed = await next_message(ws)
        await database_sync_to_async(notify_studio)(
            studio.id, {"type": "review.decision", "episode_ref": "SECRET-REF"})
        silent = await ws.receive_nothing(timeout=0.5)
        await finish(ws)
        return before, closed, silent

    before, closed, silent = run_async(scenario)
    assert before == ("json", {"type": "hello"})  # it was listening
    assert closed == ("closed", 4403)
    assert silent  # nothing after the close


def test_a_removed_member_stops_hearing_a_job(studio, owner, member, transactional_db):
    job = Job.objects.create(studio=studio, created_by=owner, kind="keyframe",
                             model_key="tiny-keyframe", params={"prompt": "secret"}, price=1)
    session = session_of(member)
    remover = Membership.objects.get(studio=studio, user=owner)
    removed = Membership.objects.get(studio=studio, user=member)

    async def scenario():
        ws = socket(f"/ws/jobs/{job.pk}/", session)
        assert (await ws.connect())[0]
        snapshot = await next_message(ws)
        await database_sync_to_async(services.remove_member)(remover, removed)
        closed = await next_message(ws)
        await get_channel_layer().group_send(job_group(job.pk), {
            "type": "job.event", "payload": {"type": "job", "state": "succeeded"}})
        silent = await ws.receive_nothing(timeout=0.5)
        # And a new socket is refused: the membership is gone when the close is sent.
        again = socket(f"/ws/jobs/{job.pk}/", session)
        reconnected, code = await again.connect()
        await finish(ws, again)
        return snapshot, closed, silent, reconnected, code

    snapshot, closed, silent, reconnected, code = run_async(scenario)
    assert snapshot[0] == "json" and snapshot[1]["job"] == str(job.pk)
    assert closed == ("closed", 4403)
    assert silent  # nothing after the close
    assert not reconnected and code == 4403


def test_leaving_one_studio_keeps_the_others_and_deactivation_closes_all(
        studio, owner, member, outsider, other_studio, transactional_db):
    # member belongs to studio (as member) and to other_studio too.
    Membership.objects.create(studio=other_studio, user=member, role=Membership.Role.MEMBER)
    session = session_of(member)
    remover = Membership.objects.get(studio=studio, user=owner)
    removed = Membership.objects.get(studio=studio, user=member)

    async def scenario():
        left = socket(f"/ws/studio/{studio.id}/", session)
        kept = socket(f"/ws/studio/{other_studio.id}/", session)
        assert (await left.connect())[0] and (await kept.connect())[0]
        await database_sync_to_async(services.remove_member)(remover, removed)
        left_closed = await next_message(left)
        await database_sync_to_async(notify_studio)(other_studio.id, {"type": "still"})
        kept_heard = await next_message(kept)

        def deactivate():
            member.is_active = False
            member.save(update_fields=["is_active"])
        await database_sync_to_async(deactivate)()
        kept_closed = await next_message(kept)
        await finish(left, kept)
        return left_closed, kept_heard, kept_closed

    left_closed, kept_heard, kept_closed = run_async(scenario)
    assert left_closed == ("closed", 4403)
    assert kept_heard == ("json", {"type": "still"})
    assert kept_closed == ("closed", 4403)


def test_a_logout_closes_that_sessions_sockets_and_no_other(studio, member, transactional_db):
    from django.urls import reverse

    leaving, staying = Client(), Client()
    leaving.force_login(member)
    staying.force_login(member)

    async def scenario():
        gone = socket(f"/ws/studio/{studio.id}/", leaving.cookies["sessionid"].value)
        kept = socket(f"/ws/studio/{studio.id}/", staying.cookies["sessionid"].value)
        assert (await gone.connect())[0] and (await kept.connect())[0]
        await database_sync_to_async(leaving.post)(reverse("logout"))
        closed = await next_message(gone)
        await database_sync_to_async(notify_studio)(studio.id, {"type": "after"})
        heard = await next_message(kept)
        await finish(kept)
        return closed, heard

    closed, heard = run_async(scenario)
    assert closed == ("closed", 4403)
    assert heard == ("json", {"type": "after"})


def test_a_password_change_closes_the_sessions_it_ended(studio, member, transactional_db):
    """Every socket of the user is closed with 4001 (check again): the one whose session the
    change ended is refused when it reconnects, and nothing reaches it meanwhile."""
    old_session = session_of(member)

    async def scenario():
        ws = socket(f"/ws/studio/{studio.id}/", old_session)
        assert (await ws.connect())[0]

        def change():
            member.set_password("a-new-Passw0rd-after-a-leak")
            member.save()
        await database_sync_to_async(change)()
        closed = await next_message(ws)
        await database_sync_to_async(notify_studio)(studio.id, {"type": "secret"})
        await ws.disconnect()
        again = socket(f"/ws/studio/{studio.id}/", old_session)
        connected, code = await again.connect()
        await finish()
        return closed, connected, code

    closed, connected, code = run_async(scenario)
    assert closed == ("closed", 4001)
    assert not connected and code == 4403
