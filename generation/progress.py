"""Publishes job events through the channel layer to the job's group and its studio's
group, from any process (the worker's step callback, the web process).

One event loop in a background thread owns the channel-layer connections; events of one
job are sent in order by that job's own sender task, different jobs go out concurrently,
and the caller never waits on Redis unless it asks to (terminal events do)."""

import asyncio
import concurrent.futures
import threading
import time

from channels.layers import get_channel_layer

from creators.consumers import studio_group

STUDIO_STEP_INTERVAL_S = 1.0


def job_group(job_id) -> str:
    return f"job-{job_id}"


class Publisher:
    def __init__(self):
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queues: dict[str, asyncio.Queue] = {}
        self._seq: dict[str, int] = {}
        self._studio_sent: dict[str, float] = {}

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or not self._thread.is_alive():
                self._loop = asyncio.new_event_loop()
                self._queues = {}
                self._thread = threading.Thread(
                    target=self._loop.run_forever, name="job-publisher", daemon=True
                )
                self._thread.start()
            return self._loop

    def send(self, job_id, studio_id: int | None, payload: dict, wait: bool = False,
             final: bool = False) -> None:
        """Queues the event without waiting; with wait=True returns once it (and all
        events of the job before it) went out."""
        key = str(job_id)
        loop = self._ensure_loop()
        with self._lock:
            self._seq[key] = self._seq.get(key, 0) + 1
            payload = {**payload, "job": key, "seq": self._seq[key], "sent_at": time.time()}
            if final:
                self._seq.pop(key, None)
        # Step events reach the studio's pages at most once a second per job; status
        # changes, outputs and errors always do. The job's own group gets every event.
        to_studio = studio_id
        if studio_id is not None and payload.get("state") == "running" and payload.get("step"):
            now = time.monotonic()
            if now - self._studio_sent.get(key, 0.0) < STUDIO_STEP_INTERVAL_S:
                to_studio = None
            else:
                self._studio_sent[key] = now
        if final:
            self._studio_sent.pop(key, None)
        sent = concurrent.futures.Future() if wait else None
        loop.call_soon_threadsafe(self._enqueue, key, to_studio, payload, final, sent)
        if sent is not None:
            sent.result(timeout=10)

    def _enqueue(self, key, studio_id, payload, final, sent) -> None:
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = asyncio.Queue()
            self._loop.create_task(self._drain(key, queue))
        queue.put_nowait((studio_id, payload, final, sent))

    async def _drain(self, key: str, queue: asyncio.Queue) -> None:
        layer = get_channel_layer()
        while True:
            studio_id, payload, final, sent = await queue.get()
            error = None
            try:
                await layer.group_send(job_group(key), {"type": "job.event", "payload": payload})
                if studio_id is not None:
                    await layer.group_send(
                        studio_group(studio_id), {"type": "studio.event", "payload": payload}
                    )
            except Exception as exc:  # a lost Redis must not kill the job
                error = exc
            if sent is not None and not sent.done():
                if error is None:
                    sent.set_result(True)
                else:
                    sent.set_exception(error)
            if final and queue.empty():
                self._queues.pop(key, None)
                return


publisher = Publisher()


def publish(job_id, studio_id: int | None, payload: dict, wait: bool = False,
            final: bool = False) -> None:
    publisher.send(job_id, studio_id, payload, wait=wait, final=final)
