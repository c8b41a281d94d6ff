"""Build a rembg session for one catalog model: file first, then GPU if it works, else CPU.

The ModelManager caches the session per process under `rembg:<name>`; nothing
here keeps a global.
"""

from __future__ import annotations

import warnings
from typing import Any

from PIL import Image

from studio.cutout.catalog import model_info
from studio.cutout.model_files import ensure_model_file
from studio.errors import StudioError
from studio.progress import Progress, no_progress

PREDICT_MAX_SIDE = 2048  # the models see 320–1024 px; a 6000 px photo only slows the resize


def session_key(name: str) -> str:
    return f"rembg:{name}"


def load_session(name: str, device: str = "auto", progress: Progress = no_progress) -> Any:
    """A rembg session for `name`, with its model file ensured in U2NET_HOME.

    device "cpu" forces the CPU provider; "auto"/"cuda" tries the GPU provider
    where onnxruntime offers one and falls back to the CPU if it fails to start.
    """
    model_info(name)  # unknown names fail here, with the valid choices
    ensure_model_file(name, progress=progress)
    progress(0.97, "Loading the background-removal model…")
    from rembg import new_session

    providers = _providers(device)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # rembg's "fell back to CPU" note
            return new_session(name, providers=providers)
    except Exception as first:
        if providers == ["CPUExecutionProvider"]:
            raise StudioError(
                f"The background-removal model '{name}' could not be started ({first.__class__.__name__}).",
                hint="Its file may be damaged: delete it from the model folder so it downloads again.",
            ) from first
        return new_session(name, providers=["CPUExecutionProvider"])


def _providers(device: str) -> list[str]:
    import onnxruntime as ort

    available = ort.get_available_providers()
    if device != "cpu" and "CUDAExecutionProvider" in available:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


def active_providers(session: Any) -> list[str]:
    """What the session actually runs on (onnxruntime may silently fall back to CPU)."""
    inner = getattr(session, "inner_session", None)
    return list(inner.get_providers()) if inner is not None else []


def predict_mask(session: Any, image: Image.Image) -> Image.Image:
    """The model's soft mask ("L", the image's size) for an RGB image."""
    rgb = image.convert("RGB")
    scale = min(1.0, PREDICT_MAX_SIDE / max(rgb.size))
    work = (
        rgb
        if scale == 1.0
        else rgb.resize(
            (max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale))), Image.Resampling.BILINEAR
        )
    )
    masks = session.predict(work)
    mask = masks[0].convert("L") if masks else Image.new("L", work.size, 0)
    if mask.size != rgb.size:
        mask = mask.resize(rgb.size, Image.Resampling.BICUBIC)
    return mask
