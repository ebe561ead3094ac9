"""WebSocket for one job's live progress; only members of the job's studio may listen.
On connect the consumer sends the job's current state, so a reloaded page reattaches."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from creators.queries import is_member
from generation.models import Job
from generation.progress import job_group
from generation.queries import job_state_for


def _job_if_member(user, job_id) -> Job | None:
    job = Job.objects.filter(pk=job_id).first()
    if job is None or user is None or not is_member(user, job.studio_id):
        return None
    return job


class JobConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        job_id = self.scope["url_route"]["kwargs"]["job_id"]
        job = await database_sync_to_async(_job_if_member)(self.scope.get("user"), job_id)
        if job is None:
            await self.close(code=4403)
            return
        self.group = job_group(job.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        # Read after joining the group: nothing that happens from here on is missed.
        await job.arefresh_from_db()
        await self.send_json(await database_sync_to_async(job_state_for)(job))

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def job_event(self, event):
        await self.send_json(event["payload"])
