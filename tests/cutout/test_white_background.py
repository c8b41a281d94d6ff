"""The white-background main image and its compliance report."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.cutout import check_white_background, white_background_image
from studio.errors import StudioError
from studio.layers import Cutout


def test_main_image_meets_every_rule(bottle_cutout: Cutout, artifacts_dir: Path) -> None:
    image, report = white_background_image(bottle_cutout, size=1200, fill=0.9)
    image.save(artifacts_dir / "bottle_main_image.png")
    assert image.size == (1200, 1200) and image.mode == "RGB"
    assert report["passes"], report["problems"]
    assert report["white_background"] and report["square"]
    assert 0.88 <= report["fill_ratio"] <= 0.91
    arr = np.asarray(image)
    assert (arr[:5] == 255).all() and (arr[:, :5] == 255).all()  # pure white, exactly


def test_report_names_each_problem() -> None:
    small_grey = Image.new("RGB", (800, 600), (250, 250, 250))
    small_grey.paste((20, 20, 200), (300, 200, 400, 400))
    report = check_white_background(small_grey)
    assert not report["passes"]
    text = " ".join(report["problems"])
    assert "square" in text and "1000" in text and "pure white" in text and "fills" in text


def test_small_product_fails_fill_only() -> None:
    img = Image.new("RGB", (1000, 1000), (255, 255, 255))
    img.paste((10, 10, 10), (400, 400, 600, 700))  # 30 % of the side
    report = check_white_background(img)
    assert report["white_background"] and not report["passes"]
    assert report["fill_ratio"] == pytest.approx(0.3)
    assert len(report["problems"]) == 1 and "30%" in report["problems"][0]


def test_transparent_and_blank_images_fail() -> None:
    assert not check_white_background(Image.new("RGBA", (1000, 1000), (255, 255, 255, 0)))["passes"]
    blank = check_white_background(Image.new("RGB", (1000, 1000), (255, 255, 255)))
    assert not blank["passes"] and any("No product" in p for p in blank["problems"])


def test_bad_fill_is_a_studio_error(bottle_cutout: Cutout) -> None:
    with pytest.raises(StudioError):
        white_background_image(bottle_cutout, fill=1.5)
