"""Sends an event to every open page of a studio, from any process (web or worker), and
closes the sockets of someone whose access has ended (CreatorsConfig.ready connects
`connect_revocation`)."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from creators.consumers import session_group, studio_group, user_group


def notify_studio(studio_id: int, payload: dict) -> None:
    layer = get_channel_layer()
    async_to_sync(layer.group_send)(
        studio_group(studio_id), {"type": "studio.event", "payload": payload}
    )


def message_for(msgid: str, params: dict) -> dict:
    """A live message every page shows in its own language (the consumer translates it):
    mark msgid with gettext_noop; params must be JSON values. `message` is the sender's
    language, for whatever reads the payload without a consumer."""
    from django.utils.translation import gettext

    return {"message": gettext(msgid) % params, "message_i18n": [msgid, params]}


def revoke_sockets(user_id: int, studio_id: int | None = None) -> None:
    """Closes the user's open sockets of that studio, or all of them when studio_id is None."""
    async_to_sync(get_channel_layer().group_send)(
        user_group(user_id), {"type": "access.revoked", "studio_id": studio_id})


def _after_commit(user_id: int, studio_id: int | None, recheck: bool = False) -> None:
    # After the commit: a socket that reconnects at once must find the membership gone.
    # robust: a channel layer that is down must not undo the removal itself.
    def send():
        async_to_sync(get_channel_layer().group_send)(
            user_group(user_id),
            {"type": "access.revoked", "studio_id": studio_id, "recheck": recheck})
    transaction.on_commit(send, robust=True)


def _membership_deleted(sender, instance, **kwargs):
    _after_commit(instance.user_id, instance.studio_id)


def _user_saved(sender, instance, created=False, **kwargs):
    if created:
        return
    if not instance.is_active:
        _after_commit(instance.pk, None)
    elif getattr(instance, "_password", None) is not None:
        # set_password() then save(): the sessions it ended must stop listening too.
        _after_commit(instance.pk, None, recheck=True)


def _logged_out(sender, request, user, **kwargs):
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if not session_key:
        return
    try:
        async_to_sync(get_channel_layer().group_send)(
            session_group(session_key), {"type": "access.revoked", "studio_id": None})
    except Exception:  # a channel layer that is down must not stop the logout
        import logging

        logging.getLogger(__name__).exception("could not close the sockets of a logout")


def _user_deleted(sender, instance, **kwargs):
    _after_commit(instance.pk, None)


def connect_revocation() -> None:
    from creators.models import Membership

    user = get_user_model()
    post_delete.connect(_membership_deleted, sender=Membership,
                        dispatch_uid="creators:revoke:membership")
    post_save.connect(_user_saved, sender=user, dispatch_uid="creators:revoke:user-save")
    post_delete.connect(_user_deleted, sender=user, dispatch_uid="creators:revoke:user-delete")
    user_logged_out.connect(_logged_out, dispatch_uid="creators:revoke:logout")
