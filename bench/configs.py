"""The published architectures, as Python dicts, and random-weight builders for them.

Values are those of the published config.json files (SD1.5 = the v1-5 UNet,
its canny ControlNet v1.1, the kl-f8 VAE, CLIP ViT-L/14 text; SDXL = the base
1.0 UNet, diffusers' canny ControlNet, OpenCLIP bigG as text_encoder_2; Z-Image Turbo = its
S3-DiT, Qwen3-4B and the FLUX VAE, with the Fun ControlNet Union 2.1). Time and
memory depend on these shapes, not on the weights' values, so random weights cost
what the real models cost (see /work/shared/reference/performance.md).

    python bench/configs.py      # prints parameter counts and checks them against the reference
"""

from __future__ import annotations

import sys
from typing import Any

SD15_UNET: dict[str, Any] = dict(
    sample_size=64,
    in_channels=4,
    out_channels=4,
    layers_per_block=2,
    block_out_channels=(320, 640, 1280, 1280),
    down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
    up_block_types=("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
    cross_attention_dim=768,
    attention_head_dim=8,
    norm_num_groups=32,
    norm_eps=1e-5,
    flip_sin_to_cos=True,
    freq_shift=0,
    downsample_padding=1,
    act_fn="silu",
)
SD15_CONTROLNET: dict[str, Any] = dict(
    in_channels=4,
    layers_per_block=2,
    block_out_channels=(320, 640, 1280, 1280),
    down_block_types=SD15_UNET["down_block_types"],
    cross_attention_dim=768,
    attention_head_dim=8,
    conditioning_embedding_out_channels=(16, 32, 96, 256),
    norm_num_groups=32,
    flip_sin_to_cos=True,
    freq_shift=0,
)
SDXL_UNET: dict[str, Any] = dict(
    sample_size=128,
    in_channels=4,
    out_channels=4,
    layers_per_block=2,
    block_out_channels=(320, 640, 1280),
    down_block_types=("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
    up_block_types=("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
    transformer_layers_per_block=(1, 2, 10),
    attention_head_dim=(5, 10, 20),
    cross_attention_dim=2048,
    use_linear_projection=True,
    addition_embed_type="text_time",
    addition_time_embed_dim=256,
    projection_class_embeddings_input_dim=2816,
    norm_num_groups=32,
    flip_sin_to_cos=True,
    freq_shift=0,
)
SDXL_CONTROLNET: dict[str, Any] = dict(
    in_channels=4,
    layers_per_block=2,
    block_out_channels=(320, 640, 1280),
    down_block_types=SDXL_UNET["down_block_types"],
    transformer_layers_per_block=(1, 2, 10),
    attention_head_dim=(5, 10, 20),
    cross_attention_dim=2048,
    use_linear_projection=True,
    addition_embed_type="text_time",
    addition_time_embed_dim=256,
    projection_class_embeddings_input_dim=2816,
    conditioning_embedding_out_channels=(16, 32, 96, 256),
    flip_sin_to_cos=True,
    freq_shift=0,
)
VAE: dict[str, Any] = dict(
    in_channels=3,
    out_channels=3,
    latent_channels=4,
    layers_per_block=2,
    norm_num_groups=32,
    block_out_channels=(128, 256, 512, 512),
    down_block_types=("DownEncoderBlock2D",) * 4,
    up_block_types=("UpDecoderBlock2D",) * 4,
)
VAE_SAMPLE_SIZE = {"sd15": 512, "sdxl": 1024}
VAE_SCALING = {"sd15": 0.18215, "sdxl": 0.13025}
CLIP_L: dict[str, Any] = dict(  # openai/clip-vit-large-patch14 text tower (SD1.5, SDXL text_encoder)
    hidden_size=768,
    intermediate_size=3072,
    num_attention_heads=12,
    num_hidden_layers=12,
    max_position_embeddings=77,
    vocab_size=49408,
    hidden_act="quick_gelu",
    projection_dim=768,
)
CLIP_BIGG: dict[str, Any] = dict(  # laion CLIP-ViT-bigG-14 text tower (SDXL text_encoder_2)
    hidden_size=1280,
    intermediate_size=5120,
    num_attention_heads=20,
    num_hidden_layers=32,
    max_position_embeddings=77,
    vocab_size=49408,
    hidden_act="gelu",
    projection_dim=1280,
)

# Z-Image Turbo (Tongyi-MAI/Z-Image-Turbo): transformer/config.json, the Qwen3-4B text encoder
# (text_encoder/config.json, a Qwen3Model: no LM head), the FLUX VAE (vae/config.json).
ZIMAGE_TRANSFORMER: dict[str, Any] = dict(
    all_patch_size=(2,),
    all_f_patch_size=(1,),
    in_channels=16,
    dim=3840,
    n_layers=30,
    n_refiner_layers=2,
    n_heads=30,
    n_kv_heads=30,
    norm_eps=1e-5,
    qk_norm=True,
    cap_feat_dim=2560,
    rope_theta=256.0,
    t_scale=1000.0,
    axes_dims=[32, 48, 48],
    axes_lens=[1536, 512, 512],
)
# Fun ControlNet Union 2.1 (alibaba-pai): control on every other layer and both noise refiners, inpaint
# mode (16 control + 1 mask + 16 masked-image channels); layout as diffusers' single-file converter reads it.
ZIMAGE_CONTROLNET: dict[str, Any] = dict(
    control_layers_places=list(range(0, 30, 2)),
    control_refiner_layers_places=[0, 1],
    control_in_dim=33,
    add_control_noise_refiner="control_noise_refiner",
    dim=3840,
    n_refiner_layers=2,
    n_heads=30,
    n_kv_heads=30,
)
QWEN3_4B: dict[str, Any] = dict(
    hidden_size=2560,
    intermediate_size=9728,
    num_hidden_layers=36,
    num_attention_heads=32,
    num_key_value_heads=8,
    head_dim=128,
    vocab_size=151936,
    max_position_embeddings=40960,
    rope_theta=1000000.0,
    tie_word_embeddings=True,
)
FLUX_VAE: dict[str, Any] = dict(
    VAE, latent_channels=16, use_quant_conv=False, use_post_quant_conv=False, scaling_factor=0.3611, shift_factor=0.1159
)

# Reference parameter counts (millions), /work/shared/reference/performance.md; Z-Image's from its
# report and cards (transformer 6.15 B, Qwen3-4B 4.02 B, FLUX VAE 83.8 M).
REFERENCE_PARAMS_M = {
    "sd15_unet": 859.5,
    "sd15_controlnet": 361.3,
    "sdxl_unet": 2567.5,
    "sdxl_controlnet": 1251.0,
    "vae_decoder": 49.5,
    "zimage_transformer": 6150.0,
    "qwen3_4b_text": 4020.0,
    "flux_vae": 83.8,
}
TOLERANCE = 0.005


def unet_config(family: str, *, inpaint: bool = False) -> dict[str, Any]:
    cfg = dict(SD15_UNET if family == "sd15" else SDXL_UNET)
    if inpaint:
        cfg["in_channels"] = 9  # latents + mask + masked-image latents
    return cfg


def build(kind: str, family: str = "sd15", *, device: str = "cpu", inpaint: bool = False) -> Any:
    """A random-weight model of the published shape; device "meta" builds it without memory."""
    import torch
    from diffusers import AutoencoderKL, ControlNetModel, UNet2DConditionModel

    with torch.device(device):
        if kind == "unet":
            return UNet2DConditionModel(**unet_config(family, inpaint=inpaint))
        if kind == "controlnet":
            return ControlNetModel(**(SD15_CONTROLNET if family == "sd15" else SDXL_CONTROLNET))
        if kind == "vae":
            return AutoencoderKL(**VAE, sample_size=VAE_SAMPLE_SIZE[family], scaling_factor=VAE_SCALING[family])
    raise ValueError(kind)


def build_zimage(kind: str, *, device: str = "cpu") -> Any:
    """Z-Image's transformer, ControlNet (sharing the transformer's embedders), Qwen3 text encoder or VAE."""
    import torch
    from diffusers import AutoencoderKL, ZImageControlNetModel, ZImageTransformer2DModel
    from transformers import Qwen3Config, Qwen3Model

    with torch.device(device):
        if kind == "transformer":
            return ZImageTransformer2DModel(**ZIMAGE_TRANSFORMER)
        if kind == "controlnet":  # its own layers only; the pipeline lends it the transformer's embedders
            return ZImageControlNetModel(**ZIMAGE_CONTROLNET)
        if kind == "text":
            return Qwen3Model(Qwen3Config(**QWEN3_4B))
        if kind == "vae":
            return AutoencoderKL(**FLUX_VAE, sample_size=1024)
    raise ValueError(kind)


def build_text_encoder(which: str, *, device: str = "cpu", eos_token_id: int = 2, pad_token_id: int = 1) -> Any:
    import torch
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    cfg = CLIPTextConfig(
        **(CLIP_L if which == "clip_l" else CLIP_BIGG),
        eos_token_id=eos_token_id,
        bos_token_id=0,
        pad_token_id=pad_token_id,
    )
    with torch.device(device):
        return CLIPTextModelWithProjection(cfg) if which == "clip_bigg" else CLIPTextModel(cfg)


def wake_zero_weights(model: Any, std: float = 0.02) -> int:
    """Random values for parameters initialised to exactly zero (ControlNet's zero convs).

    Zeros can run faster than real data and make a ControlNet a no-op; returns how many were woken.
    """
    import torch

    woken = 0
    with torch.no_grad():
        for param in model.parameters():
            if param.dim() > 1 and param.device.type != "meta" and not param.any():
                param.normal_(0.0, std)
                woken += 1
    return woken


def count_params_m(model: Any) -> float:
    return sum(p.numel() for p in model.parameters()) / 1e6


def param_counts() -> dict[str, float]:
    """Millions of parameters of each published architecture, built on the meta device (no memory)."""
    vae = build("vae", device="meta")
    decoder = count_params_m(vae.decoder) + count_params_m(vae.post_quant_conv)
    return {
        "sd15_unet": count_params_m(build("unet", "sd15", device="meta")),
        "sd15_controlnet": count_params_m(build("controlnet", "sd15", device="meta")),
        "sdxl_unet": count_params_m(build("unet", "sdxl", device="meta")),
        "sdxl_controlnet": count_params_m(build("controlnet", "sdxl", device="meta")),
        "vae_decoder": decoder,
        "vae_full": count_params_m(vae),
        "clip_l_text": count_params_m(build_text_encoder("clip_l", device="meta")),
        "clip_bigg_text": count_params_m(build_text_encoder("clip_bigg", device="meta")),
        "zimage_transformer": count_params_m(build_zimage("transformer", device="meta")),
        "zimage_controlnet": count_params_m(build_zimage("controlnet", device="meta")),
        "qwen3_4b_text": count_params_m(build_zimage("text", device="meta")),
        "flux_vae": count_params_m(build_zimage("vae", device="meta")),
    }


def check_param_counts(counts: dict[str, float]) -> list[str]:
    """Lines 'name: ours vs reference (diff %)'; raises AssertionError when one is off by more than 0.5 %."""
    lines, bad = [], []
    for name, counted in counts.items():
        ref = REFERENCE_PARAMS_M.get(name)
        if ref is None:
            lines.append(f"{name:<18} {counted:9.1f} M")
            continue
        diff = (counted - ref) / ref
        lines.append(f"{name:<18} {counted:9.1f} M   reference {ref:7.1f} M   {100 * diff:+.3f} %")
        if abs(diff) > TOLERANCE:
            bad.append(name)
    assert not bad, f"parameter counts off by more than {100 * TOLERANCE} %: {bad}\n" + "\n".join(lines)
    return lines


if __name__ == "__main__":
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))
    print("\n".join(check_param_counts(param_counts())))
