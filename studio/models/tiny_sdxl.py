"""Tiny random-weight SDXL inpaint + ControlNet, for exercising the sdxl code path offline.

Not a profile of its own: point `--profile sdxl --base-model <folder>/base
--controlnet <folder>/controlnet` at it. Same rules as the tiny SD1.5 build:
seeded, saved with save_pretrained, loaded back through the real loader.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from studio.models.tiny import SEED, _wake_zero_convs, ensure_built, tiny_vae, write_tiny_tokenizer

TINY_SDXL_VERSION = "sdxl-v1"
TINY_SDXL_FOLDER = "tiny-sdxl"
TIME_EMBED = 8
POOLED = 32  # text_encoder_2 projection; 6 time ids * TIME_EMBED + POOLED = class embedding input


def ensure_tiny_sdxl_models(cache_dir: Path) -> Path:
    """Build (once) and return the tiny SDXL folder (holding base/ and controlnet/)."""
    return ensure_built(Path(cache_dir) / TINY_SDXL_FOLDER, TINY_SDXL_VERSION, _build)


def _build(folder: Path) -> None:
    from diffusers import StableDiffusionXLInpaintPipeline

    tokenizer_dir = folder / "_tokenizer"
    write_tiny_tokenizer(tokenizer_dir)
    parts = _components(tokenizer_dir)
    controlnet = parts.pop("controlnet")
    pipe = StableDiffusionXLInpaintPipeline(**parts, requires_aesthetics_score=False, force_zeros_for_empty_prompt=True)
    pipe.save_pretrained(folder / "base", safe_serialization=True)
    controlnet.save_pretrained(folder / "controlnet", safe_serialization=True)
    shutil.rmtree(tokenizer_dir)


def _components(tokenizer_dir: Path) -> dict[str, Any]:
    import torch
    from diffusers import ControlNetModel, EulerDiscreteScheduler, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection, CLIPTokenizer

    blocks = dict(
        block_out_channels=(32, 64),
        layers_per_block=1,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        attention_head_dim=(2, 4),
        use_linear_projection=True,
        addition_embed_type="text_time",
        addition_time_embed_dim=TIME_EMBED,
        transformer_layers_per_block=(1, 2),
        projection_class_embeddings_input_dim=6 * TIME_EMBED + POOLED,
        cross_attention_dim=64,
        norm_num_groups=8,
    )
    torch.manual_seed(SEED + 10)
    unet = UNet2DConditionModel(
        in_channels=9, out_channels=4, sample_size=32, up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), **blocks
    )
    torch.manual_seed(SEED + 11)
    controlnet = ControlNetModel(in_channels=4, conditioning_embedding_out_channels=(8, 8, 16, 16), **blocks)
    _wake_zero_convs(controlnet)
    torch.manual_seed(SEED + 12)
    vae = tiny_vae()
    tokenizer = CLIPTokenizer.from_pretrained(tokenizer_dir, model_max_length=77, unk_token="<unk>")
    text_config = dict(
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        hidden_size=32,
        intermediate_size=37,
        num_attention_heads=4,
        num_hidden_layers=2,
        vocab_size=1000,
        max_position_embeddings=77,
        hidden_act="gelu",
    )
    torch.manual_seed(SEED + 13)
    text_encoder = CLIPTextModel(CLIPTextConfig(**text_config))
    torch.manual_seed(SEED + 14)
    text_encoder_2 = CLIPTextModelWithProjection(CLIPTextConfig(**text_config, projection_dim=POOLED))
    scheduler = EulerDiscreteScheduler(
        beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", steps_offset=1, timestep_spacing="leading"
    )
    return {
        "unet": unet,
        "controlnet": controlnet,
        "vae": vae,
        "text_encoder": text_encoder,
        "text_encoder_2": text_encoder_2,
        "tokenizer": tokenizer,
        "tokenizer_2": tokenizer,
        "scheduler": scheduler,
    }
