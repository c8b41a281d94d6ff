"""Fair sharing at the queue door, end to end on loopback: one user (one address, whatever the session) cannot
fill the queue, and the per-minute limit holds across new sessions and REST `/call/`, before inputs are decoded."""

from __future__ import annotations

import time
from types import SimpleNamespace

import httpx
import pytest

from studio.limits import QueueAdmission, RateLimited, RateLimiter, TooManyQueued
from studio.settings import Settings
from studio.ui.common import CancelRegistry


def test_admission_counts_open_jobs_per_user_and_gives_places_back():
    admission = QueueAdmission(RateLimiter(0), per_user=2)
    admission.admit("addr:1", "a")
    admission.admit("addr:1", "b")
    with pytest.raises(TooManyQueued, match="2 jobs"):
        admission.admit("addr:1", "c")
    admission.admit("addr:2", "d")  # someone else is not held up
    admission.release("a")
    admission.admit("addr:1", "c")
    assert admission.open_jobs("addr:1") == 2


def test_a_refused_place_costs_no_rate_token():
    admission = QueueAdmission(RateLimiter(2), per_user=1)
    admission.admit("k", "a")
    with pytest.raises(TooManyQueued):
        admission.admit("k", "b")
    admission.release("a")
    admission.admit("k", "c")
    admission.release("c")
    with pytest.raises(RateLimited):
        admission.admit("k", "d")


@pytest.fixture(scope="module")
def served():
    import gradio as gr

    from studio.ui.admission import install_admission

    decoded: list[int] = []

    def slow_job(text: str) -> str:
        decoded.append(1)
        time.sleep(1.5)
        return text.upper()

    with gr.Blocks() as demo:
        box, out = gr.Textbox(), gr.Textbox()
        gr.Button().click(slow_job, box, out, api_name="cutout_batch", concurrency_limit=1)
        gr.Button().click(lambda t: t, box, out, api_name="light")
    demo.queue(max_size=32)
    ctx = SimpleNamespace(settings=Settings(share=True, jobs_per_minute=3), extra={}, cancels=CancelRegistry())
    admission = install_admission(demo, ctx)
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True)
    yield demo.local_url.rstrip("/"), admission, decoded
    demo.close()


def _call(url: str, name: str, text: str) -> httpx.Response:
    # a brand-new client each time: no cookie, no session (REST /call/ mints its own)
    return httpx.post(f"{url}/gradio_api/call/{name}", json={"data": [text]}, timeout=10)


def test_one_user_cannot_fill_the_queue_and_the_limit_holds_across_calls(served):
    url, admission, decoded = served
    first, second, third = (_call(url, "cutout_batch", f"job{i}") for i in range(3))
    assert first.status_code == 200 and second.status_code == 200
    assert third.status_code == 422 and "jobs waiting or running" in third.text  # 2 places per user
    assert _call(url, "light", "x").status_code == 200  # light endpoints are not metered
    for response in (first, second):
        event = response.json()["event_id"]
        with httpx.stream("GET", f"{url}/gradio_api/call/cutout_batch/{event}", timeout=30) as stream:
            assert "complete" in "".join(stream.iter_text())
    deadline = time.monotonic() + 5  # the queue gives the place back just after its last message
    while admission.open_jobs("addr:127.0.0.1") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert admission.open_jobs("addr:127.0.0.1") == 0  # both places given back
    assert _call(url, "cutout_batch", "third").status_code == 200  # the third job of this minute
    refused = _call(url, "cutout_batch", "fourth")
    assert refused.status_code == 422 and "per minute" in refused.text
    assert len(decoded) <= 3  # refused jobs never reached the handler
