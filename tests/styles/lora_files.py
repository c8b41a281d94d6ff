"""Tiny LoRA files written by the tests, in diffusers/PEFT and kohya (A1111) key formats.

Every LoRA targets the attention projections of the tiny UNet (and, for kohya,
the text encoder's attention projections, as kohya trains them), with seeded random weights big enough to
change a tiny generation visibly.
"""

from __future__ import annotations

import json
import pickle
import struct
from pathlib import Path
from typing import Any

import numpy as np

ATTN = ("to_q", "to_k", "to_v", "to_out.0")


def unet_targets(unet: Any) -> dict[str, tuple[int, int]]:
    """{module path: (in_features, out_features)} for the UNet's attention projections."""
    out = {}
    for name, module in unet.named_modules():
        if name.endswith(ATTN) and hasattr(module, "in_features"):
            base = getattr(module, "base_layer", module)
            out[name] = (base.in_features, base.out_features)
    return out


def text_targets(text_encoder: Any) -> dict[str, tuple[int, int]]:
    out = {}
    for name, module in text_encoder.named_modules():
        if name.endswith(("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.out_proj")):
            base = getattr(module, "base_layer", module)
            out[name] = (base.in_features, base.out_features)
    return out


def _pair(
    rng: np.random.Generator, size_in: int, size_out: int, rank: int, scale: float
) -> tuple[np.ndarray, np.ndarray]:
    down = (rng.standard_normal((rank, size_in)) * scale).astype(np.float32)
    up = (rng.standard_normal((size_out, rank)) * scale).astype(np.float32)
    return down, up


def write_diffusers_lora(
    path: Path, unet: Any, *, seed: int, rank: int = 4, scale: float = 0.6, metadata: dict[str, str] | None = None
) -> Path:
    """`unet.<module>.lora_A.weight` / `lora_B.weight`, as StableDiffusionPipeline.save_lora_weights writes."""
    from safetensors.numpy import save_file

    rng = np.random.default_rng(seed)
    tensors: dict[str, np.ndarray] = {}
    for name, (size_in, size_out) in unet_targets(unet).items():
        down, up = _pair(rng, size_in, size_out, rank, scale)
        tensors[f"unet.{name}.lora_A.weight"] = down
        tensors[f"unet.{name}.lora_B.weight"] = up
    save_file(tensors, str(path), metadata={"format": "pt", **(metadata or {})})
    return path


def write_kohya_lora(
    path: Path,
    unet: Any,
    text_encoder: Any | None = None,
    *,
    seed: int,
    rank: int = 4,
    scale: float = 0.6,
    metadata: dict[str, str] | None = None,
) -> Path:
    """`lora_unet_<module_with_underscores>.lora_down.weight`, `.lora_up.weight`, `.alpha`, plus `ss_*` metadata."""
    from safetensors.numpy import save_file

    rng = np.random.default_rng(seed)
    tensors: dict[str, np.ndarray] = {}
    for name, (size_in, size_out) in unet_targets(unet).items():
        _kohya_layer(tensors, "lora_unet_" + name.replace(".", "_"), rng, size_in, size_out, rank, scale)
    if text_encoder is not None:
        for name, (size_in, size_out) in text_targets(text_encoder).items():
            # kohya names the CLIP layers with the text_model. prefix
            _kohya_layer(tensors, "lora_te_text_model_" + name.replace(".", "_"), rng, size_in, size_out, rank, scale)
    meta = {
        "ss_network_module": "networks.lora",
        "ss_network_dim": str(rank),
        "ss_network_alpha": str(rank),
        "ss_tag_frequency": json.dumps({"10_tinystyle": {"tinystyle": 12, "product": 7, "table": 3}}),
        **(metadata or {}),
    }
    save_file(tensors, str(path), metadata=meta)
    return path


def _kohya_layer(
    tensors: dict[str, np.ndarray],
    key: str,
    rng: np.random.Generator,
    size_in: int,
    size_out: int,
    rank: int,
    scale: float,
) -> None:
    down, up = _pair(rng, size_in, size_out, rank, scale)
    tensors[f"{key}.lora_down.weight"] = down
    tensors[f"{key}.lora_up.weight"] = up
    tensors[f"{key}.alpha"] = np.array(float(rank), dtype=np.float32)


def write_sd15_lora(path: Path, *, rank: int = 4) -> Path:
    """A LoRA with real SD1.5 shapes (cross-attention input 768) for layers the tiny UNet also has."""
    from safetensors.numpy import save_file

    rng = np.random.default_rng(0)
    tensors: dict[str, np.ndarray] = {}
    for block, width in (("down_blocks.1.attentions.0", 640), ("mid_block.attentions.0", 1280)):
        for proj, size_in in (("attn2.to_k", 768), ("attn2.to_v", 768), ("attn1.to_q", width)):
            down, up = _pair(rng, size_in, width, rank, 0.1)
            tensors[f"unet.{block}.transformer_blocks.0.{proj}.lora_A.weight"] = down
            tensors[f"unet.{block}.transformer_blocks.0.{proj}.lora_B.weight"] = up
    save_file(tensors, str(path), metadata={"format": "pt", "ss_base_model_version": "sd_v1"})
    return path


class _Payload:
    """Unpickling this creates the marker file: proof that a pickle ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):  # noqa: D105
        return (open, (self.marker, "w"))


def write_pickle_bomb(path: Path, marker: Path) -> Path:
    """A pickle whose loading creates `marker`, saved under whatever name `path` has."""
    path.write_bytes(pickle.dumps({"lora_unet_x.lora_down.weight": _Payload(marker)}, protocol=4))
    return path


def write_raw_safetensors(path: Path, header: dict[str, Any], data: bytes, *, length: int | None = None) -> Path:
    """A hand-made safetensors file (for malformed-header tests)."""
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw) if length is None else length) + raw + data)
    return path
