"""Tiny random-weight SD1.5 inpaint + ControlNet components, built offline and seeded.

The `tiny` profile exists so every model code path (save a diffusers folder,
load it with `from_pretrained`, run ControlNet-inpaint, LoRA) runs on a CPU in
seconds with no download. Weights are random, so pictures are noise; shapes and
geometry are real: the VAE downsamples by 8 and the ControlNet's conditioning
embedding by 8, as in SD1.5, so latents at poster sizes stay SD-sized.

Layout written under `cache_dir / "tiny-sd15"`:
    base/        a StableDiffusionInpaintPipeline (UNet with 9 input channels)
    controlnet/  a ControlNetModel
    tiny-version.txt  rebuilt when TINY_VERSION changes
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable

TINY_VERSION = "sd15-v3"
TINY_FOLDER = "tiny-sd15"
SEED = 20240611

# Small but real: two UNet levels, four VAE levels (scale factor 8).
UNET_CHANNELS = (16, 32)
VAE_CHANNELS = (8, 8, 16, 16)
CONTROL_EMBED_CHANNELS = (8, 8, 16, 16)
TEXT_WIDTH = 32
VOCAB_SIZE = 1000


def tiny_sources(folder: Path) -> tuple[Path, Path]:
    """(base pipeline folder, controlnet folder) inside a tiny model folder."""
    return folder / "base", folder / "controlnet"


def ensure_tiny_models(cache_dir: Path) -> Path:
    """Build (once) and return the tiny model folder; later calls only check a marker."""
    return ensure_built(Path(cache_dir) / TINY_FOLDER, TINY_VERSION, build_tiny_models)


def ensure_built(folder: Path, version: str, build: Callable[[Path], None]) -> Path:
    """Run `build` into a staging folder beside `folder` and swap it in, unless `version` is there.

    A half-written folder is never used: the swap happens only after a full build.
    """
    marker = folder / "tiny-version.txt"
    if marker.is_file() and marker.read_text(encoding="utf-8").strip() == version:
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-build-", dir=folder.parent))
    try:
        build(staging)
        (staging / "tiny-version.txt").write_text(version, encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(staging, folder)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return folder


def build_tiny_models(folder: Path) -> None:
    """Write the seeded tiny base pipeline and ControlNet into `folder`."""
    from diffusers import StableDiffusionInpaintPipeline

    base_dir, control_dir = tiny_sources(folder)
    tokenizer_dir = folder / "_tokenizer"
    write_tiny_tokenizer(tokenizer_dir)
    components = build_tiny_components(tokenizer_dir)
    controlnet = components.pop("controlnet")
    pipe = StableDiffusionInpaintPipeline(
        **components, safety_checker=None, feature_extractor=None, requires_safety_checker=False
    )
    pipe.save_pretrained(base_dir, safe_serialization=True)
    controlnet.save_pretrained(control_dir, safe_serialization=True)
    shutil.rmtree(tokenizer_dir)


def build_tiny_components(tokenizer_dir: Path) -> dict[str, Any]:
    """unet, controlnet, vae, text_encoder, tokenizer, scheduler; each seeded on its own."""
    import torch
    from diffusers import ControlNetModel, DDIMScheduler, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    blocks = dict(
        block_out_channels=UNET_CHANNELS,
        layers_per_block=1,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        cross_attention_dim=TEXT_WIDTH,
        attention_head_dim=(2, 4),
        norm_num_groups=4,
    )
    torch.manual_seed(SEED)
    unet = UNet2DConditionModel(
        in_channels=9, out_channels=4, sample_size=32, up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), **blocks
    )
    torch.manual_seed(SEED + 1)
    controlnet = ControlNetModel(in_channels=4, conditioning_embedding_out_channels=CONTROL_EMBED_CHANNELS, **blocks)
    _wake_zero_convs(controlnet)
    torch.manual_seed(SEED + 2)
    vae = tiny_vae()
    tokenizer = CLIPTokenizer.from_pretrained(tokenizer_dir, model_max_length=77, unk_token="<unk>")
    torch.manual_seed(SEED + 3)
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
            hidden_size=TEXT_WIDTH,
            intermediate_size=37,
            num_attention_heads=4,
            num_hidden_layers=2,
            vocab_size=VOCAB_SIZE,
            max_position_embeddings=77,
        )
    )
    scheduler = DDIMScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        clip_sample=False,
        set_alpha_to_one=False,
        steps_offset=1,
    )
    return {
        "unet": unet,
        "controlnet": controlnet,
        "vae": vae,
        "text_encoder": text_encoder,
        "tokenizer": tokenizer,
        "scheduler": scheduler,
    }


def _wake_zero_convs(controlnet: Any) -> None:
    """Give the ControlNet's zero-initialised convs small random weights (still seeded).

    A fresh ControlNet outputs exactly zero residuals (that is how training starts),
    so control strength would change nothing and tests of it would pass vacuously.
    """
    import torch

    zero_convs = [controlnet.controlnet_cond_embedding.conv_out, controlnet.controlnet_mid_block]
    zero_convs += list(controlnet.controlnet_down_blocks)
    with torch.no_grad():
        for conv in zero_convs:
            torch.nn.init.normal_(conv.weight, std=0.1)
            torch.nn.init.normal_(conv.bias, std=0.1)


def tiny_vae() -> Any:
    """A VAE with SD's four levels (scale factor 8) and very few channels; seed before calling."""
    from diffusers import AutoencoderKL

    return AutoencoderKL(
        block_out_channels=VAE_CHANNELS,
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * len(VAE_CHANNELS),
        up_block_types=("UpDecoderBlock2D",) * len(VAE_CHANNELS),
        latent_channels=4,
        layers_per_block=1,
        norm_num_groups=4,
        sample_size=256,
    )


def write_tiny_tokenizer(folder: Path) -> None:
    """A byte-level BPE vocabulary that covers every UTF-8 prompt (Chinese too) without <unk>.

    Every byte has a token alone and at a word's end; a few merges make common
    English pieces single tokens. `<|endoftext|>` gets the highest id because
    CLIP pools the text embedding at argmax(input_ids).
    """
    folder.mkdir(parents=True, exist_ok=True)
    byte_chars = list(_byte_alphabet().values())
    merges = _word_merges(PROMPT_WORDS)
    tokens = ["<unk>", "<|startoftext|>"]
    tokens += byte_chars + [c + "</w>" for c in byte_chars]
    tokens += [a + b for a, b in merges]
    tokens.append("<|endoftext|>")
    assert len(tokens) <= VOCAB_SIZE, len(tokens)
    vocab = {tok: i for i, tok in enumerate(tokens)}
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    lines = ["#version: 0.2"] + [f"{a} {b}" for a, b in merges]
    (folder / "merges.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


# Common scene-prompt words become one token each, so preset prompts stay within
# CLIP's 77 tokens as they do with the real tokenizer.
PROMPT_WORDS = (
    "the a and of with on in for soft light lighting background product photo photography studio "
    "blurred bright modern kitchen counter marble wooden table wood plants daylight window lifestyle "
    "text watermark logo letters blurry lowres deformed extra objects duplicate people hands "
    "red gold white dark luxury pastel podium festive outdoor nature bathroom spring festival "
    "shadow clean minimal elegant warm cool high quality detailed sharp focus"
).split()


def _word_merges(words: tuple[str, ...] | list[str]) -> list[tuple[str, str]]:
    """BPE merges that build each word left to right into one end-of-word token."""
    merges: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for word in words:
        if len(word) < 2:
            continue
        built = word[0]
        for i, char in enumerate(word[1:], start=1):
            piece = char + ("</w>" if i == len(word) - 1 else "")
            pair = (built, piece)
            if pair not in seen:
                seen.add(pair)
                merges.append(pair)
            built += piece
    return merges


def _byte_alphabet() -> dict[int, str]:
    """Each byte 0..255 as one printable character (byte-level BPE convention)."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    table: dict[int, str] = {b: chr(b) for b in printable}
    extra = 0
    for b in range(256):
        if b not in table:
            table[b] = chr(256 + extra)
            extra += 1
    return table
