"""Tiny random-weight Z-Image components in the real classes, built offline and seeded.

The `tiny-zimage` profile runs the real `ZImageControlNetInpaintPipeline` on a CPU
in well under a second per step: a 2-layer S3-DiT transformer, the union
ControlNet 2.x layout (inpaint mode: 16 control + 1 mask + 16 masked-image latent
channels), a VAE with the FLUX VAE's geometry (16 latent channels, scale factor 8,
its scaling and shift) and a 2-layer Qwen3 text encoder with a byte-level BPE
tokenizer and a chat template written here (the real one comes from the hub).

Layout written under `cache_dir / "tiny-zimage"`:
    base/        a ZImagePipeline folder, as Tongyi-MAI/Z-Image-Turbo is published
    controlnet/  a ZImageControlNetModel folder
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from studio.models.tiny import SEED, _byte_alphabet, ensure_built

TINY_ZIMAGE_VERSION = "zimage-v1"
TINY_ZIMAGE_FOLDER = "tiny-zimage"
DIM = 32  # transformer width; two heads of 16
TEXT_WIDTH = 16  # Qwen3 hidden size = the transformer's cap_feat_dim
LATENT = 16  # FLUX VAE latent channels, as Z-Image uses
# The chat turn Z-Image's pipelines wrap each prompt in (Qwen3's own template is longer).
CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
SPECIALS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")


def ensure_tiny_zimage_models(cache_dir: Path) -> Path:
    """Build (once) and return the tiny Z-Image folder (holding base/ and controlnet/)."""
    return ensure_built(Path(cache_dir) / TINY_ZIMAGE_FOLDER, TINY_ZIMAGE_VERSION, build_tiny_zimage)


def tiny_zimage_sources(folder: Path) -> tuple[Path, Path]:
    return folder / "base", folder / "controlnet"


def build_tiny_zimage(folder: Path) -> None:
    from diffusers import ZImagePipeline

    tokenizer_dir = folder / "_tokenizer"
    write_qwen_tokenizer(tokenizer_dir)
    parts = tiny_zimage_components(tokenizer_dir)
    controlnet = parts.pop("controlnet")
    base_dir, control_dir = tiny_zimage_sources(folder)
    pipe: Any = ZImagePipeline(**parts)
    pipe.save_pretrained(base_dir, safe_serialization=True)
    # Saved before any pipeline shares the transformer's embedders into it: only its own layers.
    controlnet.save_pretrained(control_dir, safe_serialization=True)
    shutil.rmtree(tokenizer_dir)


def tiny_zimage_components(tokenizer_dir: Path) -> dict[str, Any]:
    """transformer, controlnet, vae, text_encoder, tokenizer, scheduler; each seeded on its own."""
    import torch
    from diffusers import (
        AutoencoderKL,
        FlowMatchEulerDiscreteScheduler,
        ZImageControlNetModel,
        ZImageTransformer2DModel,
    )
    from transformers import Qwen2Tokenizer, Qwen3Config, Qwen3Model

    heads = dict(n_heads=2, n_kv_heads=2, norm_eps=1e-5, qk_norm=True)
    torch.manual_seed(SEED + 20)
    transformer: Any = ZImageTransformer2DModel(
        all_patch_size=(2,),
        all_f_patch_size=(1,),
        in_channels=LATENT,
        dim=DIM,
        n_layers=2,
        n_refiner_layers=1,
        cap_feat_dim=TEXT_WIDTH,
        axes_dims=[8, 4, 4],  # sums to the head width, 16
        axes_lens=[1024, 128, 128],  # text positions; 128 latent patches a side = 2048 px
        **heads,
    )
    with torch.no_grad():  # allocated with torch.empty: give the pad tokens seeded values
        transformer.x_pad_token.normal_(0.0, 0.02)
        transformer.cap_pad_token.normal_(0.0, 0.02)
    torch.manual_seed(SEED + 21)
    controlnet = ZImageControlNetModel(
        control_layers_places=[0, 1],
        control_refiner_layers_places=[0],
        control_in_dim=2 * LATENT + 1,  # control latents + mask + masked-image latents (inpaint mode)
        add_control_noise_refiner="control_noise_refiner",  # the 2.1 layout
        dim=DIM,
        n_refiner_layers=1,
        **heads,
    )
    _wake_zero_linears(controlnet)
    torch.manual_seed(SEED + 22)
    vae = AutoencoderKL(
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        block_out_channels=(8, 8, 16, 16),
        layers_per_block=1,
        latent_channels=LATENT,
        norm_num_groups=4,
        sample_size=256,
        scaling_factor=0.3611,  # the FLUX VAE's, as in Z-Image-Turbo's vae/config.json
        shift_factor=0.1159,
        use_quant_conv=False,
        use_post_quant_conv=False,
    )
    tokenizer = Qwen2Tokenizer.from_pretrained(tokenizer_dir)
    torch.manual_seed(SEED + 23)
    text_encoder = Qwen3Model(
        Qwen3Config(
            hidden_size=TEXT_WIDTH,
            intermediate_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            num_key_value_heads=2,
            head_dim=8,
            vocab_size=len(tokenizer),
            max_position_embeddings=1024,
        )
    )
    scheduler = FlowMatchEulerDiscreteScheduler(num_train_timesteps=1000, shift=3.0, use_dynamic_shifting=False)
    return {
        "transformer": transformer,
        "controlnet": controlnet,
        "vae": vae,
        "text_encoder": text_encoder,
        "tokenizer": tokenizer,
        "scheduler": scheduler,
    }


def _wake_zero_linears(model: Any) -> None:
    """Seeded small weights for the zero-initialised projections, so control strength changes the picture."""
    import torch

    with torch.no_grad():
        for param in model.parameters():
            if not param.any():
                param.normal_(0.0, 0.1)


def write_qwen_tokenizer(folder: Path) -> None:
    """A byte-level BPE (GPT-2/Qwen style: every byte one token, no <unk>) with Qwen's chat tokens.

    Any UTF-8 prompt, Chinese included, encodes without loss; a few merges keep common
    English words short. The chat template is what `apply_chat_template` needs.
    """
    folder.mkdir(parents=True, exist_ok=True)
    chars = list(_byte_alphabet().values())
    space = _byte_alphabet()[ord(" ")]
    merges: list[tuple[str, str]] = []
    for word in ("the", "and", "on", "in", "with", "product", "photo", "light", "background", "table"):
        built = space
        for char in word:
            merges.append((built, char))
            built += char
    vocab: dict[str, int] = {c: i for i, c in enumerate(chars)}
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    merges = list(dict.fromkeys(merges))
    for token in SPECIALS:
        vocab[token] = len(vocab)
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    lines = ["#version: 0.2"] + [f"{a} {b}" for a, b in merges]
    (folder / "merges.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    added = {
        str(vocab[t]): {
            "content": t,
            "special": True,
            "lstrip": False,
            "rstrip": False,
            "normalized": False,
            "single_word": False,
        }
        for t in SPECIALS
    }
    config = {
        "tokenizer_class": "Qwen2Tokenizer",
        "chat_template": CHAT_TEMPLATE,
        "pad_token": "<|endoftext|>",
        "eos_token": "<|im_end|>",
        "unk_token": None,
        "model_max_length": 1024,
        "added_tokens_decoder": added,
    }
    (folder / "tokenizer_config.json").write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
