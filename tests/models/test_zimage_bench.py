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


def test_the_gpu_matrix_times_zimage_at_its_own_steps_and_modes() -> None:
    from bench.run import gpu_cases, smoke_cases

    rows = [c for c in gpu_cases(["sd15", "sdxl", "zimage"], None, 3, False) if c["family"] == "zimage"]
    assert {(c["mode"], c["batch"]) for c in rows} == {(m, b) for m in ("plain", "studio", "low_vram") for b in (1, 4)}
    assert {c["size"] for c in rows} == {1024} and {c["steps"] for c in rows} == {8}
    assert any(c["family"] == "zimage" for c in smoke_cases())


@pytest.mark.slow
def test_the_bench_runs_zimage_plain_and_studio_on_tiny_folders(monkeypatch) -> None:  # noqa: ANN001
    """The GPU matrix's own Z-Image code at tiny scale on the CPU: both runners load and generate."""
    from bench.cases import run_case
    from studio.models.profiles import PROFILES

    monkeypatch.setitem(PROFILES, "zimage", PROFILES["zimage"])  # the runner resizes it for its own process

    base = dict(family="zimage", scale="tiny", size=128, batch=1, steps=2, repeats=1, device="cpu")
    for mode in ("plain", "studio"):
        row = run_case(dict(base, mode=mode))
        assert row["seconds_per_poster"] > 0 and row["runs"] == 1, row
