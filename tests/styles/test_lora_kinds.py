"""LoRA-family files told apart by their tensor names: plain LoRA loads, the rest are named, never 'another base model'."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save_file

from studio.errors import StudioError
from studio.styles.catalog import describe_local_file
from studio.styles.safefile import read_lora_header

LAYER = "lora_unet_down_blocks_0_resnets_0_conv1"
ATTN = "lora_unet_down_blocks_1_attentions_0_transformer_blocks_0_attn1_to_q"


def _f(*shape: int) -> np.ndarray:
    return np.ones(shape, np.float32)


KINDS = {
    # kohya DoRA: a LoRA pair plus the per-channel magnitude diffusers would drop
    "DoRA": {
        f"{ATTN}.lora_down.weight": _f(4, 32),
        f"{ATTN}.lora_up.weight": _f(32, 4),
        f"{ATTN}.alpha": np.array(4.0, np.float32),
        f"{ATTN}.dora_scale": _f(1, 32),
    },
    "LoHa": {
        f"{ATTN}.hada_w1_a": _f(32, 4),
        f"{ATTN}.hada_w1_b": _f(4, 32),
        f"{ATTN}.hada_w2_a": _f(32, 4),
        f"{ATTN}.hada_w2_b": _f(4, 32),
        f"{ATTN}.alpha": np.array(4.0, np.float32),
    },
    "LoKr": {
        f"{ATTN}.lokr_w1": _f(4, 4),
        f"{ATTN}.lokr_w2_a": _f(8, 2),
        f"{ATTN}.lokr_w2_b": _f(2, 8),
        f"{ATTN}.alpha": np.array(2.0, np.float32),
    },
    # LoCon with Tucker decomposition: a core `lora_mid` between down and up for a 3×3 conv
    "LoCon (Tucker)": {
        f"{LAYER}.lora_down.weight": _f(4, 32, 1, 1),
        f"{LAYER}.lora_mid.weight": _f(4, 4, 3, 3),
        f"{LAYER}.lora_up.weight": _f(32, 4, 1, 1),
        f"{LAYER}.alpha": np.array(4.0, np.float32),
    },
    # train_norm: the normalisation layers' own weight and bias deltas next to ordinary LoRA layers
    "train_norm": {
        f"{ATTN}.lora_down.weight": _f(4, 32),
        f"{ATTN}.lora_up.weight": _f(32, 4),
        "lora_unet_down_blocks_0_resnets_0_norm1.w_norm": _f(32),
        "lora_unet_down_blocks_0_resnets_0_norm1.b_norm": _f(32),
    },
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_variants_are_named_not_blamed_on_the_base_model(kind, tmp_path: Path):
    path = tmp_path / "style.safetensors"
    save_file(KINDS[kind], str(path), metadata={"ss_base_model_version": "sdxl_base_v1-0"})
    with pytest.raises(StudioError) as caught:
        read_lora_header(path)
    message = str(caught.value)
    assert f"this LoRA type ({kind}) is not supported yet" in message
    assert "base model" not in message.lower()
    info = describe_local_file(tmp_path, "style")  # the style list shows the same reason
    assert info.problem and f"({kind})" in info.problem and "base model" not in info.problem.lower()


def test_plain_lora_still_reads_and_says_so(tmp_path: Path):
    path = tmp_path / "plain.safetensors"
    save_file(
        {
            f"{ATTN}.lora_down.weight": _f(4, 32),
            f"{ATTN}.lora_up.weight": _f(32, 4),
            f"{ATTN}.alpha": np.array(4.0, np.float32),
        },
        str(path),
    )
    header = read_lora_header(path)
    assert header.kind == "LoRA" and header.key_format == "kohya"


def test_peft_dora_magnitudes_are_dora_too(tmp_path: Path):
    path = tmp_path / "peft_dora.safetensors"
    key = "unet.down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q"
    save_file(
        {f"{key}.lora_A.weight": _f(4, 32), f"{key}.lora_B.weight": _f(32, 4), f"{key}.lora_magnitude_vector": _f(32)},
        str(path),
    )
    with pytest.raises(StudioError, match=r"this LoRA type \(DoRA\) is not supported yet"):
        read_lora_header(path)
