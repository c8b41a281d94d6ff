"""bench/configs.py and bench/floors.py know Z-Image: published configs, counts checked, a floor (meta device)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

from bench.configs import REFERENCE_PARAMS_M, build_zimage, check_param_counts, count_params_m  # noqa: E402


def test_zimage_parameter_counts_match_the_published_figures() -> None:
    counts = {
        "zimage_transformer": count_params_m(build_zimage("transformer", device="meta")),
        "qwen3_4b_text": count_params_m(build_zimage("text", device="meta")),
        "flux_vae": count_params_m(build_zimage("vae", device="meta")),
    }
    lines = check_param_counts(counts)  # raises when one is off by more than 0.5 %
    assert len(lines) == 3 and all("reference" in line for line in lines)
    assert {"zimage_transformer", "qwen3_4b_text", "flux_vae"} <= set(REFERENCE_PARAMS_M)


def test_a_wrong_zimage_config_is_caught() -> None:
    from bench import configs

    wrong = dict(configs.ZIMAGE_TRANSFORMER, n_layers=28)  # two layers short: ~6 % fewer parameters
    import torch
    from diffusers import ZImageTransformer2DModel

    with torch.device("meta"):
        model = ZImageTransformer2DModel(**wrong)
    with pytest.raises(AssertionError, match="zimage_transformer"):
        check_param_counts({"zimage_transformer": count_params_m(model)})


def test_zimage_floor_is_in_the_floors_table() -> None:
    from bench.floors import floor_seconds, poster_tflop

    tflop = poster_tflop("zimage", 1024, controlnet=True)
    assert 600 < tflop < 900  # 8 × (transformer 56.6 + ControlNet 35.8) + VAE decode 10.5 ≈ 750 TFLOP
    assert floor_seconds("zimage", 1024) > floor_seconds("zimage", 1024, controlnet=False)
