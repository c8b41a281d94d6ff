"""Fair sharing at Gradio's queue door: every heavy job (UI event, `gr.api` endpoint or REST `/call/`, all of which
join the one queue) is admitted per user before its inputs are decoded, and its place is given back when it
ends or its client leaves; a job whose browser tab or stream went away is cancelled.

Hooks the running Blocks' queue (`push`, `process_events`, `clean_events`): call `install_admission` right
after `demo.queue()`.
"""

from __future__ import annotations

import functools
from typing import Any

from studio.limits import QueueAdmission, RateLimiter, client_key
from studio.settings import Settings


def client_address(request: Any, settings: Settings) -> str | None:
    """The client's address; on a Space, the first hop of X-Forwarded-For (the proxy's own address is shared)."""
    headers = getattr(request, "headers", None) or {}
    if settings.on_space and headers.get("x-forwarded-for"):
        return str(headers["x-forwarded-for"]).split(",")[0].strip()
    client = getattr(request, "client", None)
    return getattr(client, "host", None)


def install_admission(demo: Any, ctx: Any) -> QueueAdmission:
    """Wrap `demo._queue` so heavy jobs are admitted by `QueueAdmission`; returns it (for tests and the log)."""
    from studio.ui.common import HEAVY_ENDPOINTS

    queue, settings, heavy, cancels = demo._queue, ctx.settings, HEAVY_ENDPOINTS, ctx.cancels
    limiter = ctx.extra.get("rate_limiter") or RateLimiter(settings.job_limit)
    limiter.checked_at_door = True  # the handlers' own wrapper no longer counts (it would count twice)
    admission = QueueAdmission(limiter, settings.budgets.queued_jobs_per_user)
    ctx.extra["admission"] = admission
    push, process, clean = queue.push, queue.process_events, queue.clean_events

    @functools.wraps(push)
    async def admitted_push(body: Any, request: Any, username: str | None) -> Any:
        fn = demo.fns.get(getattr(body, "fn_index", None))
        if fn is None or fn.api_name not in heavy:
            return await push(body=body, request=request, username=username)
        key = client_key(username, client_address(request, settings), body.session_hash, public=settings.public)
        ticket = f"pending-{id(body)}"
        try:
            admission.admit(key, ticket)
        except Exception as exc:  # RateLimited / TooManyQueued: the seller's words, nothing decoded
            # HTTP 422 in Gradio's validation shape: gradio_client and the page both show the message.
            refusal = {"__type__": "validate", "is_valid": False, "message": str(exc), "parameter_name": "limit"}
            return False, [refusal], "validator_error"
        try:
            success, event_id, state = await push(body=body, request=request, username=username)
        except BaseException:
            admission.release(ticket)
            raise
        if success:
            admission.rebind(ticket, str(event_id))
        else:
            admission.release(ticket)
        return success, event_id, state

    @functools.wraps(process)
    async def released_process(events: list[Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return await process(events, *args, **kwargs)
        finally:
            for event in events:
                admission.release(event._id)

    @functools.wraps(clean)
    async def released_clean(*, session_hash: str | None = None, event_id: str | None = None) -> Any:
        gone = [e._id for e in list(queue.event_ids_to_events.values())
                if e.session_hash == session_hash or e._id == event_id]  # fmt: skip
        if session_hash:
            cancels.token(session_hash).cancel()  # its tab or stream left: stop its running job
        try:
            return await clean(session_hash=session_hash, event_id=event_id)
        finally:
            for job in gone:
                if job not in queue.event_ids_to_events:  # dropped from the queue, never to run
                    admission.release(job)

    queue.push, queue.process_events, queue.clean_events = admitted_push, released_process, released_clean
    return admission
