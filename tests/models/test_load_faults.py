"""Faults on a seller's machine: OOM at load and at run, cuBLAS/cuDNN allocation failures,
an unreachable hub however it is raised, download progress, and low-VRAM offload order."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image

import studio.models.diffusion as diffusion
from studio.errors import StudioError
from studio.models.diffusion import _load_error, load_scene_pipeline
from studio.models.download import DownloadWatch
from studio.models.manager import DevicePolicy, ModelManager
from studio.models.oom import is_out_of_memory, run_with_oom_retry
from studio.models.sources import ModelSource
from studio.scene.generate import scheduler_steps
from studio.settings import Settings

CUBLAS = RuntimeError("CUDA error: CUBLAS_STATUS_ALLOC_FAILED when calling `cublasCreate(handle)`")
CUDNN = RuntimeError("cuDNN error: CUDNN_STATUS_ALLOC_FAILED")


class FakePipe:
    def __init__(self) -> None:
        self.offloaded = False

    def set_progress_bar_config(self, **_: Any) -> None:
        pass

    def enable_model_cpu_offload(self, device: str | None = None) -> None:
        self.offloaded = True


@pytest.fixture
def gpu_models(monkeypatch: pytest.MonkeyPatch) -> tuple[ModelManager, list[bool]]:
    """An sd15 manager that believes it has a CUDA card; loads are faked, `tries` records offload per try."""
    models = ModelManager(Settings(profile="sd15", base_model="", open_browser=False))
    models._policy = DevicePolicy("cuda", "float16", card="Test card")
    tries: list[bool] = []
    monkeypatch.setattr(
        diffusion,
        "model_sources",
        lambda m, c="canny": (ModelSource("hub", "owner/base", "base"), ModelSource("hub", "owner/cn", "controlnet")),
    )
    monkeypatch.setattr(diffusion, "assemble_controlnet_pipeline", lambda base, cn, family: FakePipe())
    monkeypatch.setattr(diffusion, "_load_controlnet", lambda *a, **k: object())
    return models, tries


def test_oom_while_loading_is_retried_with_offload(gpu_models, monkeypatch: pytest.MonkeyPatch) -> None:
    models, tries = gpu_models

    def base(models, source, family, progress, offload=False):  # noqa: ANN001, ANN202
        tries.append(offload)
        if not offload:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 MiB")
        return object()

    monkeypatch.setattr(diffusion, "_load_base", base)
    messages: list[str] = []
    pipe = load_scene_pipeline(models, progress=lambda f, m: messages.append(m))
    assert tries == [False, True] and pipe.offloaded
    assert any("out of memory while loading" in m for m in messages)


def test_oom_at_load_even_with_offload_says_to_use_low_vram_and_the_app_keeps_serving(
    gpu_models, monkeypatch: pytest.MonkeyPatch
) -> None:
    models, tries = gpu_models

    def base(models, source, family, progress, offload=False):  # noqa: ANN001, ANN202
        tries.append(offload)
        raise CUBLAS  # a cuBLAS allocation failure counts as out of memory too

    monkeypatch.setattr(diffusion, "_load_base", base)
    with pytest.raises(StudioError, match="enough free memory") as info:
        load_scene_pipeline(models)
    assert "--low-vram" in str(info.value) and tries == [False, True]
    assert models.loaded_keys() == []  # nothing half-loaded stays cached
    assert models.get("rembg:u2netp", lambda: "session") == "session"


def test_cublas_and_cudnn_allocation_failures_count_as_out_of_memory() -> None:
    assert is_out_of_memory(CUBLAS) and is_out_of_memory(CUDNN)
    assert is_out_of_memory(RuntimeError("CUDA error: out of memory"))
    wrapped = ValueError("loading failed")
    wrapped.__cause__ = CUDNN
    assert is_out_of_memory(wrapped)
    assert not is_out_of_memory(RuntimeError("mat1 and mat2 shapes cannot be multiplied"))
    calls: list[int] = []

    def run(indices: list[int]) -> list[int]:
        calls.append(len(indices))
        if len(indices) > 1:
            raise CUBLAS
        return indices

    assert run_with_oom_retry(run, 2, free_memory=lambda: None) == [0, 1] and calls == [2, 1, 1]


def _hub_error(exc: BaseException) -> str:
    return str(_load_error(ModelSource("hub", "owner/model", "base"), exc))  # type: ignore[arg-type]


def test_an_unreachable_hub_gives_the_offline_message_however_it_is_raised() -> None:
    import httpx
    import requests

    gai = socket.gaierror(-3, "Temporary failure in name resolution")
    wrapped = OSError("Cannot load model owner/model: model is not cached locally")
    wrapped.__cause__ = gai
    cases = [
        httpx.ConnectError("[Errno -2] Name or service not known"),
        httpx.ConnectTimeout("handshake"),
        requests.exceptions.ConnectionError("Max retries exceeded with url"),
        OSError("We couldn't connect to 'https://huggingface.co' to load the files"),
        wrapped,
    ]
    for exc in cases:
        assert "offline or cannot reach huggingface.co" in _hub_error(exc), repr(exc)
    assert "Check the name" in _hub_error(OSError("owner/model is not a valid model identifier (404)"))


def test_download_progress_reports_bytes_and_percent(tmp_path: Path) -> None:
    blobs = tmp_path / "models--owner--model" / "blobs"
    blobs.mkdir(parents=True)
    (blobs / "old").write_bytes(b"x" * 1000)  # already there before: not counted
    seen: list[tuple[float, str]] = []
    watch = DownloadWatch(
        "owner/model", "owner/model", lambda f, m: seen.append((f, m)), total=4_000_000, cache_dir=tmp_path, poll_s=0.05
    )
    (blobs / "abc.incomplete").write_bytes(b"x" * 1_000_000)
    watch.report()
    assert seen[-1] == (0.25, "Downloading owner/model: 1 MB of 4 MB (25 %)")
    (blobs / "abc.incomplete").write_bytes(b"x" * 4_000_000)
    watch.report()
    assert seen[-1][0] == 0.99  # never 100 % before the loader returns
    unknown = DownloadWatch("owner/model", "m", lambda f, m: seen.append((f, m)), cache_dir=tmp_path)
    unknown.start_bytes = 0
    unknown.report()
    assert seen[-1][1] == "Downloading m: 4 MB so far"


@pytest.mark.parametrize("strength", [1.0, 0.99, 0.75])
def test_the_pipeline_runs_exactly_the_steps_asked_for(strength: float) -> None:
    for steps in range(1, 51):
        assert int(scheduler_steps(steps, strength) * strength) == steps


def test_low_vram_offloads_the_controlnet_too_and_they_alternate(tiny_settings: Settings) -> None:
    """diffusers leaves the ControlNet on the GPU beside the UNet; here each one's call sends the other away."""
    from studio.models.diffusion import disable_low_vram, enable_low_vram

    models = ModelManager(tiny_settings)
    pipe = load_scene_pipeline(models)
    assert enable_low_vram(pipe, models) is False  # nothing to offload on a CPU by default
    assert enable_low_vram(pipe, models, device="cpu")  # the hooks themselves run on a CPU
    order: list[str] = []
    for hook in pipe._all_hooks:
        name = "unet" if hook.model is pipe.unet else "controlnet" if hook.model is pipe.controlnet else ""
        if name:
            real = hook.offload
            hook.offload = lambda real=real, name=name: (order.append(name), real())[1]
    size = 64
    pipe(
        prompt="a counter",
        image=Image.new("RGB", (size, size), (127, 127, 127)),
        mask_image=Image.new("L", (size, size), 255),
        control_image=Image.new("RGB", (size, size), 0),
        height=size,
        width=size,
        num_inference_steps=2,
        generator=torch.Generator("cpu").manual_seed(1),
        output_type="np",
    )
    # Each step: ControlNet runs (UNet sent away), then the UNet (ControlNet sent away).
    assert order[:4] == ["unet", "controlnet", "unet", "controlnet"]
    assert disable_low_vram(pipe, models)
    assert not getattr(pipe, "_all_hooks", [])
    out = pipe(
        prompt="a counter",
        image=Image.new("RGB", (size, size)),
        mask_image=Image.new("L", (size, size), 255),
        control_image=Image.new("RGB", (size, size), 0),
        height=size,
        width=size,
        num_inference_steps=1,
        output_type="np",
    )
    assert np.isfinite(out.images).all()


def test_the_offload_fallback_applies_to_that_run_only(
    tiny_manager: ModelManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    from studio.presets import get_scene
    from studio.recipe import SceneSettings
    from studio.scene.generate import generate_scenes
    from tests.conftest import make_bottle_cutout
    from tests.models.fixtures import place_on_canvas

    pipe = load_scene_pipeline(tiny_manager)
    real_call = type(pipe).__call__
    state = {"offload": False}
    log: list[str] = []

    def fits_only_offloaded(self, *args, **kwargs):  # noqa: ANN001, ANN202
        log.append(f"run offload={state['offload']}")
        if not state["offload"]:
            raise torch.OutOfMemoryError("CUDA out of memory")
        return real_call(self, *args, **kwargs)

    def enable(p, m, device=None):  # noqa: ANN001, ANN202
        state["offload"] = True
        log.append("enable")
        return True

    def disable(p, m):  # noqa: ANN001, ANN202
        state["offload"] = False
        log.append("disable")
        return True

    monkeypatch.setattr(type(pipe), "__call__", fits_only_offloaded)
    monkeypatch.setattr(diffusion, "enable_low_vram", enable)
    monkeypatch.setattr(diffusion, "disable_low_vram", disable)
    placed = place_on_canvas(make_bottle_cutout().rgba, (300, 400), (90, 60))
    one = SceneSettings(preset="kitchen", steps=1)
    for _ in range(2):
        scenes = generate_scenes(tiny_manager, placed, (300, 400), one, get_scene("kitchen"), [], [3])
        assert len(scenes) == 1
    # each run starts on the GPU again, falls back, and is put back afterwards
    assert log == ["run offload=False", "enable", "run offload=True", "disable"] * 2


def test_the_download_watch_reports_from_its_thread_only_when_the_figure_changes(tmp_path: Path) -> None:
    import time

    blobs = tmp_path / "models--o--m" / "blobs"
    blobs.mkdir(parents=True)
    seen: list[str] = []
    watch = DownloadWatch("o/m", "o/m", lambda f, m: seen.append(m), total=2_000_000, cache_dir=tmp_path, poll_s=0.02)
    watch.start()
    (blobs / "a.incomplete").write_bytes(b"x" * 1_000_000)
    time.sleep(0.3)
    watch.stop()
    assert seen and seen[-1] == "Downloading o/m: 1 MB of 2 MB (50 %)"
    assert len(seen) == len(set(seen))  # no repeated lines while nothing changes
