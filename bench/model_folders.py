"""Random-weight model folders in the published shapes, saved as diffusers folders.

The studio then loads them through its own loader (`--base-model <folder>/base
--controlnet <folder>/controlnet`), exactly as it loads real downloaded models.
Scale "real" = bench/configs.py; scale "tiny" = the tiny test models (CPU smoke runs).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.configs import build, build_text_encoder, wake_zero_weights  # noqa: E402

WORK = Path(__file__).resolve().parent / "_work" / "models"
VERSION = "bench-models-v1"


def model_folder(family: str, scale: str, *, device: str = "cpu") -> Path:
    """The folder holding base/ and controlnet/ for (family, scale), built once."""
    if scale == "tiny":
        from studio.models.tiny import ensure_tiny_models
        from studio.models.tiny_sdxl import ensure_tiny_sdxl_models
        from studio.models.tiny_zimage import ensure_tiny_zimage_models

        ensure = {"sd15": ensure_tiny_models, "sdxl": ensure_tiny_sdxl_models, "zimage": ensure_tiny_zimage_models}
        return ensure[family](WORK / "tiny")
    folder = WORK / f"{family}-real"
    marker = folder / "version.txt"
    if marker.is_file() and marker.read_text().strip() == VERSION:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    write_real_folder(folder, family, device=device)
    marker.write_text(VERSION)
    return folder


def write_real_folder(folder: Path, family: str, *, device: str) -> None:
    """Build on `device` (fast init on a GPU), save in fp16 (half the disk; the loader casts anyway)."""
    import torch

    torch.manual_seed(0)
    previous = torch.get_default_dtype()
    if family == "zimage":  # 10 B parameters: built in bf16 directly (its dtype; fp16 overflows its text encoder)
        torch.set_default_dtype(torch.bfloat16)
    elif device == "cpu":  # built in fp16 directly: SDXL's fp32 UNet alone would take 10 GB of RAM
        torch.set_default_dtype(torch.float16)
    try:
        (_write_zimage_folder if family == "zimage" else _write_real_folder)(folder, family, device=device)
    finally:
        torch.set_default_dtype(previous)


def _write_zimage_folder(folder: Path, family: str, *, device: str) -> None:
    """Z-Image Turbo's published shapes (bench/configs.py), random weights, saved as the studio loads them.

    The Qwen3 text encoder keeps its real 151,936-row embedding; the tokenizer is the tiny byte-level
    one (the real one cannot be downloaded), whose ids all fall inside it.
    """
    import torch
    from diffusers import FlowMatchEulerDiscreteScheduler, ZImagePipeline
    from transformers import Qwen2Tokenizer

    from bench.configs import build_zimage
    from studio.models.tiny_zimage import write_qwen_tokenizer

    del family
    tok_dir = folder / "_tokenizer"
    write_qwen_tokenizer(tok_dir)
    transformer = build_zimage("transformer", device=device)
    with torch.no_grad():  # allocated with torch.empty
        transformer.x_pad_token.normal_(0.0, 0.02)
        transformer.cap_pad_token.normal_(0.0, 0.02)
    pipe = ZImagePipeline(
        transformer=transformer,
        vae=build_zimage("vae", device=device),
        text_encoder=build_zimage("text", device=device),
        tokenizer=Qwen2Tokenizer.from_pretrained(tok_dir),
        scheduler=FlowMatchEulerDiscreteScheduler(num_train_timesteps=1000, shift=3.0, use_dynamic_shifting=False),
    )
    pipe.save_pretrained(folder / "base", safe_serialization=True)
    del pipe, transformer
    controlnet = build_zimage("controlnet", device=device)
    wake_zero_weights(controlnet)
    controlnet.save_pretrained(folder / "controlnet", safe_serialization=True)
    shutil.rmtree(tok_dir)


def _write_real_folder(folder: Path, family: str, *, device: str) -> None:
    import torch
    from diffusers import (
        EulerDiscreteScheduler,
        PNDMScheduler,
        StableDiffusionInpaintPipeline,
        StableDiffusionXLInpaintPipeline,
    )
    from transformers import CLIPTokenizer

    from studio.models.tiny import write_tiny_tokenizer

    tok_dir = folder / "_tokenizer"
    write_tiny_tokenizer(tok_dir)  # a small BPE vocabulary: the real one cannot be downloaded here
    tokenizer = CLIPTokenizer.from_pretrained(tok_dir, model_max_length=77, unk_token="<unk>")
    ids = dict(eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    half = torch.float16
    parts: dict[str, Any] = {
        "unet": build("unet", family, device=device, inpaint=True).to(half),
        "vae": build("vae", family, device=device).to(half),
        "text_encoder": build_text_encoder("clip_l", device=device, **ids).to(half),
        "tokenizer": tokenizer,
    }
    schedule = dict(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", steps_offset=1)
    if family == "sd15":
        parts["scheduler"] = PNDMScheduler(**schedule, skip_prk_steps=True, set_alpha_to_one=False)
        pipe = StableDiffusionInpaintPipeline(
            **parts, safety_checker=None, feature_extractor=None, requires_safety_checker=False
        )
    else:
        parts["scheduler"] = EulerDiscreteScheduler(**schedule, timestep_spacing="leading")
        parts["text_encoder_2"] = build_text_encoder("clip_bigg", device=device, **ids).to(half)
        parts["tokenizer_2"] = tokenizer
        pipe = StableDiffusionXLInpaintPipeline(
            **parts, requires_aesthetics_score=False, force_zeros_for_empty_prompt=True
        )
    pipe.save_pretrained(folder / "base", safe_serialization=True)
    del pipe, parts
    controlnet = build("controlnet", family, device=device)
    wake_zero_weights(controlnet)
    controlnet.to(half).save_pretrained(folder / "controlnet", safe_serialization=True)
    shutil.rmtree(tok_dir)
