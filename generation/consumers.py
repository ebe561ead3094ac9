"""WebSocket for one job's live progress; only members of the job's studio may listen
(and only while they are: creators.consumers.StudioAccessMixin).
On connect the consumer sends the job's current state, so a reloaded page reattaches."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from creators.consumers import REFUSED, StudioAccessMixin
from creators.queries import is_member
from generation.models import Job
from generation.progress import job_group
from generation.queries import job_state_for


def _job_if_member(user, job_id) -> Job | None:
    job = Job.objects.filter(pk=job_id).first()
    if job is None or user is None or not is_member(user, job.studio_id):
        return None
    return job


class JobConsumer(StudioAccessMixin, AsyncJsonWebsocketConsumer):
    async def connect(self):
        job_id = self.scope["url_route"]["kwargs"]["job_id"]
        job = await database_sync_to_async(_job_if_member)(self.scope.get("user"), job_id)
        if job is None:
            await self.close(code=REFUSED)
            return
        await self.join(job.studio_id, job_group(job.pk))
        await self.accept()
        # Read after joining the group: nothing that happens from here on is missed.
        await job.arefresh_from_db()
        await self.send_json(await database_sync_to_async(job_state_for)(job))

    async def disconnect(self, code):
        await self.leave()

    job_event = StudioAccessMixin.forward
