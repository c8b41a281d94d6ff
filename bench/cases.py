"""One timed generation case, run in a process of its own so its peak memory is its own.

    python bench/cases.py '{"family": "sd15", "scale": "real", "size": 512, "batch": 4, "mode": "studio", ...}'

Prints one JSON line. Modes:
- plain       what a user writes: from_pretrained(torch_dtype=fp16 on CUDA), .to(device), one call per
              poster, no other switch; the studio's scheduler (UniPC), strength and step count, so the
              comparison with `studio` at the same batch is the fast path's gain alone;
- plain_fp32  the same without torch_dtype (diffusers' default fp32);
- studio      studio.scene.generate.generate_scenes through a ModelManager on the same folders
              (DevicePolicy dtype, fast path, one batched call for all seeds);
- low_vram    studio with Settings.low_vram (model CPU offload);
- compile     studio with Settings.compile;
- draft       studio with a fast-draft LoRA of LCM-LoRA's shape (rank 64): LCM scheduler, 6 steps, guidance 1.5.
Z-Image (family "zimage") has plain, studio and low_vram only, at 8 steps without guidance (Turbo).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from PIL import Image  # noqa: E402

GUIDANCE = 7.0
PROMPT = "product photo on a marble counter, soft window light, clean minimal background"


def inputs(size: int) -> tuple[Any, Image.Image, Image.Image, Image.Image]:
    """(placed product, init, mask, canny control) at size×size, from the bottle test product."""
    from studio.scene.generate import scene_inputs
    from tests.conftest import make_bottle_cutout
    from tests.models.fixtures import place_on_canvas

    bottle = make_bottle_cutout(width=size // 3, height=int(size * 0.7))
    placed = place_on_canvas(bottle.rgba, (size, size), (size // 3, size // 6))
    init, mask, control = scene_inputs(placed, (size, size))  # exactly what the studio gives its model
    return placed, init, mask, control


def run_case(case: dict[str, Any]) -> dict[str, Any]:
    import torch

    from bench.model_folders import model_folder

    device = case["device"]
    cuda = device == "cuda"
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    folder = model_folder(case["family"], case["scale"], device=device)
    if cuda:  # this case's peak only (weights included), whatever ran before in this process
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    runner = _plain_runner(case, folder) if case["mode"].startswith("plain") else _studio_runner(case, folder)
    sync()
    load_s = time.perf_counter() - start
    runner(min(case["steps"], 2) if case["mode"] != "compile" else case["steps"])  # warm-up (compile: full)
    sync()
    if cuda:
        load_peak = torch.cuda.max_memory_allocated()
        torch.cuda.reset_peak_memory_stats()  # the timed runs' own peak, below
    times = []
    for _ in range(case["repeats"]):
        start = time.perf_counter()
        runner(case["steps"])
        sync()
        times.append(time.perf_counter() - start)
    call_s = statistics.median(times)
    out = dict(
        case,
        load_s=round(load_s, 3),
        seconds_per_call=round(call_s, 4),
        seconds_per_poster=round(call_s / case["batch"], 4),
        runs=len(times),
    )
    if cuda:
        out["peak_alloc_gb"] = round(torch.cuda.max_memory_allocated() / 2**30, 3)  # timed runs
        out["peak_alloc_load_gb"] = round(load_peak / 2**30, 3)  # load + warm-up
        out["peak_reserved_gb"] = round(torch.cuda.max_memory_reserved() / 2**30, 3)
        out["gpu"] = torch.cuda.get_device_name()
    out.update(getattr(runner, "extra", {}))
    return out


def guidance_of(case: dict[str, Any]) -> float:
    """Z-Image Turbo is distilled to run without guidance (its profile's 0.0); SD uses 7."""
    return 0.0 if case["family"] == "zimage" else GUIDANCE


def _plain_runner(case: dict[str, Any], folder: Path) -> Any:
    import torch

    if case["family"] == "zimage":
        return _plain_zimage_runner(case, folder)
    from diffusers import (
        ControlNetModel,
        StableDiffusionControlNetInpaintPipeline,
        StableDiffusionXLControlNetInpaintPipeline,
    )

    half = case["device"] == "cuda" and case["mode"] == "plain"
    kwargs = {"torch_dtype": torch.float16} if half else {}
    controlnet = ControlNetModel.from_pretrained(folder / "controlnet", **kwargs)
    cls = (
        StableDiffusionXLControlNetInpaintPipeline
        if case["family"] == "sdxl"
        else StableDiffusionControlNetInpaintPipeline
    )
    from diffusers import UniPCMultistepScheduler

    from studio.models.profiles import PROFILES
    from studio.scene.generate import scheduler_steps

    pipe = cls.from_pretrained(folder / "base", controlnet=controlnet, **kwargs).to(case["device"])
    # The studio's scheduler, strength and step count, so plain vs studio compares the fast path alone.
    pipe.scheduler = UniPCMultistepScheduler.from_config(pipe.scheduler.config)
    strength = PROFILES[case["family"]].strength
    pipe.set_progress_bar_config(disable=True)
    _, init, mask, control = inputs(case["size"])

    def run(steps: int) -> None:
        for seed in range(case["batch"]):  # a user making four variants calls four times
            pipe(
                PROMPT,
                image=init,
                mask_image=mask,
                control_image=control,
                height=case["size"],
                width=case["size"],
                num_inference_steps=scheduler_steps(steps, strength),
                strength=strength,
                guidance_scale=GUIDANCE,
                generator=torch.Generator("cpu").manual_seed(seed),
            )

    return run


def _plain_zimage_runner(case: dict[str, Any], folder: Path) -> Any:
    """diffusers' Z-Image ControlNet-inpaint pipeline as its docs use it: bf16 on CUDA, one call per poster."""
    import torch
    from diffusers import ZImageControlNetInpaintPipeline, ZImageControlNetModel

    kwargs = {"torch_dtype": torch.bfloat16} if case["device"] == "cuda" else {}
    controlnet = ZImageControlNetModel.from_pretrained(folder / "controlnet", **kwargs)
    pipe = ZImageControlNetInpaintPipeline.from_pretrained(folder / "base", controlnet=controlnet, **kwargs)
    pipe = pipe.to(case["device"])
    pipe.set_progress_bar_config(disable=True)
    _, init, mask, control = inputs(case["size"])

    def run(steps: int) -> None:
        for seed in range(case["batch"]):
            pipe(
                prompt=PROMPT,
                image=init,
                mask_image=mask,
                control_image=control,
                height=case["size"],
                width=case["size"],
                num_inference_steps=steps,
                guidance_scale=0.0,
                generator=torch.Generator("cpu").manual_seed(seed),
            )

    return run


def _studio_runner(case: dict[str, Any], folder: Path) -> Any:
    from studio.models import profiles
    from studio.models.diffusion import load_scene_pipeline
    from studio.models.fastpath import fast_path_of
    from studio.models.manager import ModelManager
    from studio.presets import get_scene
    from studio.recipe import SceneSettings, StyleChoice
    from studio.scene.generate import generate_scenes
    from studio.settings import Settings

    family, size, mode = case["family"], case["size"], case["mode"]
    # The benchmark times every size with one profile: set its working size for this process only.
    multiple = 16 if family == "zimage" else 8  # a Z-Image latent patch is 2×2 latent pixels
    profiles.PROFILES[family] = replace(profiles.PROFILES[family], working_long_side=size, size_multiple=multiple)
    lora_dir = Path(__file__).resolve().parent / "_work" / f"loras-{family}-{case['scale']}"
    settings = Settings(
        profile=family,
        base_model=str(folder / "base"),
        controlnet=str(folder / "controlnet"),
        device=case["device"],
        low_vram=mode == "low_vram",
        compile=mode == "compile",
        lora_dir=lora_dir,
        open_browser=False,
    )
    models = ModelManager(settings)
    pipe = load_scene_pipeline(models)
    styles: list[StyleChoice] = []
    scene = SceneSettings(preset="marble_counter", steps=case["steps"], guidance=guidance_of(case))
    if mode == "draft":
        styles = [StyleChoice(name="lcm_shape", weight=1.0)]
        _write_draft_lora(pipe, lora_dir)
    placed = inputs(size)[0]
    preset = get_scene("marble_counter")
    seeds = list(range(case["batch"]))

    def run(steps: int) -> None:
        s = scene.model_copy(
            update={"steps": 6 if mode == "draft" else steps, "guidance": 1.5 if mode == "draft" else guidance_of(case)}
        )
        generate_scenes(models, placed, (size, size), s, preset, styles, seeds)

    found = fast_path_of(pipe)
    run.extra = {"fast_path": found[1].steps if found else {}, "dtype": models.policy.dtype_name}  # type: ignore[attr-defined]
    return run


def _write_draft_lora(pipe: Any, lora_dir: Path) -> None:
    """A random rank-64 LoRA on the attention projections, marked fast_draft (the LCM-LoRA's cost)."""
    from tests.styles.lora_files import write_diffusers_lora

    lora_dir.mkdir(parents=True, exist_ok=True)
    path = lora_dir / "lcm_shape.safetensors"
    if not path.exists():
        write_diffusers_lora(path, pipe.unet, seed=0, rank=64, scale=0.001)
    (lora_dir / "lcm_shape.json").write_text('{"fast_draft": true}', encoding="utf-8")


if __name__ == "__main__":
    print("RESULT " + json.dumps(run_case(json.loads(sys.argv[1]))))
