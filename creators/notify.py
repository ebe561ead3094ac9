"""Sends an event to every open page of a studio, from any process (web or worker)."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from creators.consumers import studio_group


def notify_studio(studio_id: int, payload: dict) -> None:
    layer = get_channel_layer()
    async_to_sync(layer.group_send)(
        studio_group(studio_id), {"type": "studio.event", "payload": payload}
    )
