"""How long style switching takes at real SD1.5 size (a script, not a test).

Builds the published SD1.5 UNet config with random weights (speed depends on
shapes, not values), writes rank-32 LoRAs on the attention projections in
diffusers and kohya formats, and times the studio's own path
(`studio.styles.apply_styles`: header checks, shape checks, load, set_adapters)
for first load, switching, mixing and clearing. Prints a table.

    python bench/bench_lora.py [--device cpu|cuda] [--rank 32] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

SD15_UNET = dict(
    sample_size=64,
    in_channels=4,
    out_channels=4,
    layers_per_block=2,
    block_out_channels=(320, 640, 1280, 1280),
    down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
    up_block_types=("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
    cross_attention_dim=768,
    attention_head_dim=8,
)


@dataclass
class FakeModels:
    """The two things apply_styles reads from the ModelManager."""

    settings: Any
    profile: str = "sd15"


def build_pipe(device: str) -> Any:
    import torch
    from diffusers import StableDiffusionPipeline, UNet2DConditionModel

    from studio.models.tiny import build_tiny_components, write_tiny_tokenizer

    tok_dir = Path(tempfile.mkdtemp()) / "tok"
    write_tiny_tokenizer(tok_dir)
    parts = build_tiny_components(tok_dir)
    torch.manual_seed(0)
    unet = UNet2DConditionModel(**SD15_UNET)
    pipe = StableDiffusionPipeline(
        unet=unet,
        vae=parts["vae"],
        text_encoder=parts["text_encoder"],
        tokenizer=parts["tokenizer"],
        scheduler=parts["scheduler"],
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    return pipe.to(device)


def write_loras(pipe: Any, folder: Path, rank: int, count: int) -> list[str]:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.styles.lora_files import write_diffusers_lora, write_kohya_lora

    names = []
    for i in range(count):
        name = f"style{i}"
        writer = write_kohya_lora if i % 2 else write_diffusers_lora
        writer(folder / f"{name}.safetensors", pipe.unet, seed=i, rank=rank, scale=0.01)
        names.append(name)
    return names


def timed(fn: Callable[[], Any], sync: Callable[[], None]) -> float:
    start = time.perf_counter()
    fn()
    sync()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--rank", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import torch

    from studio.recipe import StyleChoice
    from studio.settings import Settings
    from studio.styles import apply_styles
    from studio.styles.adapters import loaded_adapters

    sync = torch.cuda.synchronize if args.device == "cuda" else (lambda: None)
    folder = Path(tempfile.mkdtemp(prefix="bench-loras-"))
    t0 = time.perf_counter()
    pipe = build_pipe(args.device)
    build_s = time.perf_counter() - t0
    params = sum(p.numel() for p in pipe.unet.parameters()) / 1e6  # before any adapter is added
    names = write_loras(pipe, folder, args.rank, count=6)
    size_mb = (folder / "style0.safetensors").stat().st_size / 1e6
    models = FakeModels(settings=Settings(profile="sd15", lora_dir=folder))

    def use(*pairs: tuple[str, float]) -> Callable[[], Any]:
        return lambda: apply_styles(models, pipe, [StyleChoice(name=n, weight=w) for n, w in pairs])

    rows: list[tuple[str, list[float]]] = []
    rows.append(("first load, diffusers format (style0)", [timed(use(("style0", 0.8)), sync)]))
    rows.append(("first load, kohya format (style1)", [timed(use(("style1", 0.8)), sync)]))
    switch, mix, clear, back = [], [], [], []
    for _ in range(args.repeats):
        switch.append(timed(use(("style0", 0.8)), sync))
        mix.append(timed(use(("style0", 0.6), ("style1", 0.6)), sync))
        clear.append(timed(use(), sync))
        back.append(timed(use(("style1", 0.7)), sync))
    rows += [
        ("switch to a loaded style (set_adapters)", switch),
        ("mix two loaded styles", mix),
        ("clear all (disable_lora)", clear),
        ("re-enable a loaded style", back),
    ]
    loads = [timed(use((n, 0.8)), sync) for n in names[2:]]
    rows.append(("load a new style (idle ones evicted)", loads))
    rows.append(("mix 3 new styles at once", [timed(use(*[(n, 0.5) for n in names[:3]]), sync)]))

    print(
        f"\nSD1.5 UNet {params:.0f} M params (random), {args.device}, LoRA rank {args.rank} on attention "
        f"projections ({size_mb:.1f} MB/file); UNet built in {build_s:.1f} s; "
        f"adapters resident at the end: {len(loaded_adapters(pipe))}"
    )
    print(f"{'operation':<44} {'median s':>9} {'min s':>8} {'runs':>5}")
    for label, values in rows:
        print(f"{label:<44} {statistics.median(values):>9.3f} {min(values):>8.3f} {len(values):>5}")


if __name__ == "__main__":
    main()
