"""Shared test set-up: offline, deterministic, with a product that needs no model.

Every test runs with HF_HUB_OFFLINE=1 so an accidental hub call fails at once.
Images a test wants a person to look at go to tests/_artifacts/ (git-ignored).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("STUDIO_FORCE_CPU", "1")
# Tiny models and fetched weights are deterministic, so one cache serves every run.
os.environ.setdefault("STUDIO_CACHE", os.path.join(tempfile.gettempdir(), "poster-studio-tests"))

import numpy as np
import pytest
from PIL import Image, ImageDraw

from studio.layers import Cutout
from studio.settings import Settings

ARTIFACTS = Path(__file__).parent / "_artifacts"


@pytest.fixture
def artifacts_dir(request: pytest.FixtureRequest) -> Path:
    """A folder for images this test writes for a person to open."""
    folder = ARTIFACTS / request.node.name.replace("[", "_").replace("]", "").replace("/", "_")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def product_photo() -> Image.Image:
    """A real product-like photo: scikit-image's cup of coffee on a saucer (400×600)."""
    from skimage import data

    return Image.fromarray(data.coffee()).convert("RGB")


def make_bottle_cutout(width: int = 240, height: int = 520, seed: int = 7) -> Cutout:
    """A synthetic product with a known alpha: a bottle with a printed, detailed label.

    Its interior is full of fine detail (stripes, text-like marks, noise), so any
    resampling twice or any VAE round trip inside the product shows up in PSNR.
    """
    rng = np.random.default_rng(seed)
    alpha = Image.new("L", (width, height), 0)
    d = ImageDraw.Draw(alpha)
    neck_w = width // 3
    d.rounded_rectangle([(width - neck_w) // 2, 0, (width + neck_w) // 2, height // 4], radius=10, fill=255)
    d.rounded_rectangle([8, height // 5, width - 8, height - 4], radius=40, fill=255)
    body = np.zeros((height, width, 3), np.uint8)
    body[..., 0] = 30
    body[..., 1] = np.linspace(90, 170, width, dtype=np.uint8)[None, :]
    body[..., 2] = 200
    label_top, label_bottom = int(height * 0.45), int(height * 0.75)
    body[label_top:label_bottom] = 245
    stripes = (np.arange(width) // 3) % 2 == 0
    body[label_top : label_top + 12, stripes] = (220, 30, 40)
    noisy = body.astype(np.int16) + rng.integers(0, 12, body.shape, dtype=np.int16)
    rgb = Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(rgb)
    for i in range(6):
        y = label_top + 22 + i * 12
        draw.text((20, y), "SKU-0042 ORGANIC 500ml"[: 10 + i * 2], fill=(20, 20, 20))
    rgba = rgb.convert("RGBA")
    rgba.putalpha(alpha)
    box = alpha.getbbox() or (0, 0, width, height)
    return Cutout(rgba=rgba, box=tuple(box), source_sha256="synthetic-bottle")  # type: ignore[arg-type]


@pytest.fixture
def bottle_cutout() -> Cutout:
    return make_bottle_cutout()


@pytest.fixture
def none_settings(tmp_path: Path) -> Settings:
    return Settings(profile="none", cache_dir=tmp_path / "cache", open_browser=False)


@pytest.fixture(scope="session")
def tiny_cache_dir() -> Path:
    """The cache holding the tiny-sd15 models (built once, reused by every run: it is versioned)."""
    from studio.models.tiny import ensure_tiny_models

    cache = Settings.from_env().cache_dir
    ensure_tiny_models(cache)
    return cache


@pytest.fixture(scope="session")
def tiny_settings(tiny_cache_dir: Path) -> Settings:
    return Settings(profile="tiny", cache_dir=tiny_cache_dir, device="cpu", open_browser=False)


@pytest.fixture(scope="module")
def tiny_manager(tiny_settings: Settings):
    """One manager per module, so the tiny pipeline loads once per module."""
    from studio.models import ModelManager

    return ModelManager(tiny_settings)


@pytest.fixture(scope="session")
def tiny_models(tiny_settings: Settings):
    """One manager on the tiny profile for the whole run."""
    from studio.models import ModelManager

    return ModelManager(tiny_settings)


@pytest.fixture(scope="session")
def none_models():
    from studio.models import ModelManager

    return ModelManager(Settings(profile="none", open_browser=False))


@pytest.fixture(scope="session")
def studio_url(tmp_path_factory):
    """The tiny studio launched once, as a user would, for every UI and security test of the run."""
    from tests.ui.launch import running_studio

    with running_studio(tmp_path_factory.mktemp("app")) as url:
        yield url
