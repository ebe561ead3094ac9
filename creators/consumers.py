"""WebSocket for a studio's live notifications; only the studio's members may listen."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from creators.queries import is_member


def studio_group(studio_id: int) -> str:
    return f"studio-{studio_id}"


class StudioConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        self.studio_id = int(self.scope["url_route"]["kwargs"]["studio_id"])
        if user is None or not await database_sync_to_async(is_member)(user, self.studio_id):
            await self.close(code=4403)
            return
        self.group = studio_group(self.studio_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def studio_event(self, event):
        await self.send_json(event["payload"])
