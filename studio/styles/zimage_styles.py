"""LoRA styles on Z-Image: which files fit, and switching them on the loaded pipeline.

An SD1.5/SDXL LoRA targets a UNet's cross-attention (768/2048 wide); Z-Image is a
single-stream DiT 3840 wide with a Qwen3 text encoder, so no layer of such a file
has a place to go. It is refused by name with the reason, in both languages,
before the pipeline is touched. Z-Image LoRAs load through diffusers'
ZImageLoraLoaderMixin (`load_lora_weights`, `set_adapters`).
"""

from __future__ import annotations

from typing import Any

from studio.errors import StudioError
from studio.recipe import StyleChoice
from studio.styles.metadata import BASE_NAMES


def refuse_on_zimage(label: str, base: str) -> StudioError:
    name = BASE_NAMES.get(base, base)
    return StudioError(
        f"The style '{label}' was made for {name}, and Z-Image cannot use it: an {name} LoRA changes a UNet's "
        f"layers, and Z-Image is a different kind of model (a 6B transformer with another text encoder), "
        f"so none of its layers has a place to go. "
        f"风格「{label}」是为 {name} 训练的，Z-Image 无法使用：它修改的是 UNet 的层，"
        f"而 Z-Image 是另一种模型（6B Transformer，文本编码器也不同），这些层在 Z-Image 中不存在。",
        hint=f"Choose a style made for Z-Image, or start the studio with --profile {base if base in ('sd15', 'sdxl') else 'sd15'} "
        f"to use this one. 请选择为 Z-Image 训练的风格，或用 --profile "
        f"{base if base in ('sd15', 'sdxl') else 'sd15'} 启动以使用此风格。",
    )


# Module names only a UNet (or SD's CLIP text encoders, kohya `lora_te`) has.
_UNET_MARKS = ("down_blocks", "up_blocks", "mid_block", "lora_unet_", "lora_te", "input_blocks", "output_blocks")


def unet_shaped(keys: object) -> bool:
    """Whether a LoRA's tensor names target a UNet (SD1.5/SD2/SDXL) rather than a DiT."""
    names = [str(k).lower() for k in keys]  # type: ignore[attr-defined]
    return any(k.startswith("unet.") or any(m in k for m in _UNET_MARKS) for k in names)


def apply_zimage_styles(models: Any, pipe: Any, styles: list[StyleChoice]) -> list[str]:
    """Make exactly `styles` active on a Z-Image pipeline; return their trigger words."""
    from studio.styles.adapters import _trigger_words, adapter_name, check_choices, loaded_adapters, resolve_style
    from studio.styles.fit import check_base_model
    from studio.styles.safefile import read_lora_header

    check_choices(styles)
    wanted = [s for s in styles if s.weight != 0.0]
    loaded = loaded_adapters(pipe)
    if not wanted:
        if loaded:
            pipe.disable_lora()  # base model output exactly; adapters stay loaded for the next switch
        return []
    infos = [resolve_style(models.settings.lora_dir, s.name) for s in wanted]
    for info in infos:
        check_base_model(info, "zimage")  # refuses SD1.5/SDXL files before anything is loaded
    names = [adapter_name(info) for info in infos]
    for info, name in zip(infos, names):
        if name in loaded:
            continue
        assert info.path is not None
        label = info.display_name or info.name
        if unet_shaped(read_lora_header(info.path).tensors):
            # No metadata said so, but its layer names are a UNet's (diffusers would skip them silently).
            raise refuse_on_zimage(label, info.base_model if info.base_model != "unknown" else "sd15")
        try:
            pipe.load_lora_weights(str(info.path), adapter_name=name)
        except Exception as exc:  # noqa: BLE001 - a file whose layers do not match Z-Image's
            _drop(pipe, name)
            raise StudioError(
                f"The style '{info.display_name or info.name}' does not fit Z-Image: its layers do not match "
                f"this model's ({type(exc).__name__}). Nothing was changed. "
                f"风格「{info.display_name or info.name}」与 Z-Image 不匹配，未作任何更改。",
                hint="Choose a style made for Z-Image. 请选择为 Z-Image 训练的风格。",
            ) from None
        if name not in loaded_adapters(pipe):  # nothing in the file matched a Z-Image layer
            raise StudioError(
                f"The style '{label}' has no layer Z-Image has, so it would change nothing. "
                f"风格「{label}」没有 Z-Image 的任何层，不会起作用。",
                hint="Choose a style made for Z-Image. 请选择为 Z-Image 训练的风格。",
            )
    pipe.enable_lora()
    pipe.set_adapters(names, [s.weight for s in wanted])
    return _trigger_words(infos)


def _drop(pipe: Any, name: str) -> None:
    try:
        pipe.delete_adapters([name])
    except Exception:  # noqa: BLE001 - nothing was loaded under that name
        pass
