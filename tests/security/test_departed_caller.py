"""A public API job whose caller has gone stops at its next step (issue 16, item 3): on loopback with
Gradio's real queue and a REST `/call/` stream dropped mid-job, and in the real make_posters endpoint."""

import threading
import time
from types import SimpleNamespace

import httpx
import pytest
from PIL import Image

from studio.progress import Cancelled
from studio.ui.departed import caller_has_left, watch_caller


def _blocks_with(*jobs: SimpleNamespace) -> SimpleNamespace:
    return SimpleNamespace(_queue=SimpleNamespace(active_jobs=[list(jobs), None]))


def test_only_the_callers_own_dead_job_counts():
    blocks = _blocks_with(SimpleNamespace(session_hash="a", alive=True), SimpleNamespace(session_hash="b", alive=False))
    assert caller_has_left(blocks, "b")
    assert not caller_has_left(blocks, "a") and not caller_has_left(blocks, "c") and not caller_has_left(blocks, None)
    assert not caller_has_left(None, "b") and not caller_has_left(SimpleNamespace(), "b")  # no queue: runs on
    token = watch_caller(blocks, SimpleNamespace(session_hash="b"))
    with pytest.raises(Cancelled):
        token.raise_if_cancelled()
    assert token.cancelled and not watch_caller(blocks, SimpleNamespace(session_hash="a")).cancelled


STEPS = 250  # 25 s if nobody stops it; Gradio notices a closed stream within ~10 s


@pytest.fixture(scope="module")
def served():
    import gradio as gr

    steps: dict[str, int] = {}
    finished = threading.Event()

    def long_job(name: str, request: gr.Request) -> str:
        token = watch_caller(demo, request)
        try:
            for step in range(STEPS if name == "left" else 20):
                token.raise_if_cancelled()
                steps[name] = step + 1
                time.sleep(0.1)
            return "done"
        finally:
            finished.set()

    with gr.Blocks() as demo:
        box, out = gr.Textbox(), gr.Textbox()
        gr.Button().click(long_job, box, out, api_name="long_job")
    demo.queue()
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True)
    yield demo.local_url.rstrip("/"), steps, finished
    demo.close()


def test_a_dropped_call_stream_stops_the_running_job(served):
    url, steps, finished = served
    event = httpx.post(f"{url}/gradio_api/call/long_job", json={"data": ["left"]}, timeout=10).json()["event_id"]
    with httpx.stream("GET", f"{url}/gradio_api/call/long_job/{event}", timeout=30):
        while steps.get("left", 0) < 3:
            time.sleep(0.05)
    # the caller has gone away mid-job (the stream is closed)
    assert finished.wait(15), "the job kept running after its caller left"
    assert steps["left"] < STEPS * 0.7, steps


def test_a_caller_who_stays_gets_the_whole_job(served):
    url, steps, finished = served
    finished.clear()
    event = httpx.post(f"{url}/gradio_api/call/long_job", json={"data": ["stayed"]}, timeout=10).json()["event_id"]
    with httpx.stream("GET", f"{url}/gradio_api/call/long_job/{event}", timeout=30) as stream:
        text = "".join(stream.iter_text())
    assert "done" in text and steps["stayed"] == 20


def test_make_posters_stops_when_its_caller_has_left(tmp_path):
    import gradio as gr

    from studio.settings import Settings
    from studio.ui.app import create_app

    app = create_app(Settings(profile="none").resolved())
    ctx = app.studio_context
    assert ctx.extra["blocks"] is app
    make_posters = next(fn.fn for fn in app.fns.values() if fn.api_name == "make_posters")
    photo = tmp_path / "cup.png"
    cutout = Image.new("RGBA", (300, 400), (0, 0, 0, 0))
    cutout.paste((200, 40, 40, 255), (60, 60, 240, 340))
    cutout.save(photo)
    recipe = {"scene": {"backdrop": "procedural"}, "export": {"platforms": ["taobao_main", "jd_main"]}}
    left = SimpleNamespace(session_hash="gone", headers={}, username=None)
    ctx.extra["blocks"] = _blocks_with(SimpleNamespace(session_hash="gone", alive=False))
    with pytest.raises(gr.Error) as refused:
        make_posters(product={"path": str(photo)}, recipe=recipe, variants=2, request=left)
    assert refused.value.title == "cancelled"
    ctx.extra["blocks"] = _blocks_with(SimpleNamespace(session_hash="gone", alive=True))
    zip_file, manifest, *_ = make_posters(product={"path": str(photo)}, recipe=recipe, variants=2, request=left)
    assert len(manifest) == 4
