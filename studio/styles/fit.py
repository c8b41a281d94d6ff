"""Does a LoRA fit the loaded model? Checked on the tensors, before the pipeline is touched.

diffusers raises half-way through a load when shapes disagree; checking every
LoRA layer against the module it targets first means a refused style leaves the
pipeline exactly as it was.
"""

from __future__ import annotations

from typing import Any

from studio.errors import StudioError
from studio.styles.catalog import StyleInfo
from studio.styles.metadata import BASE_NAMES

_ROLE_SUFFIXES = {".lora_A.weight": "A", ".lora_B.weight": "B"}


def check_base_model(info: StyleInfo, family: str) -> None:
    """Refuse a style made for another base model family (sd15 vs sdxl; sd2 is not supported)."""
    base = info.base_model
    if base == "unknown" or base == family:
        return
    label = info.display_name or info.name
    if family == "zimage":
        from studio.styles.zimage_styles import refuse_on_zimage

        raise refuse_on_zimage(label, base)
    raise StudioError(
        f"The style '{label}' was made for {BASE_NAMES.get(base, base)}, but the loaded model is "
        f"{BASE_NAMES.get(family, family)}.",
        hint=f"Choose a style made for {BASE_NAMES.get(family, family)}"
        + (f", or start the studio with --profile {base}." if base in ("sd15", "sdxl") else "."),
    )


def check_shapes(pipe: Any, tensors: dict[str, Any], label: str) -> None:
    """Every LoRA layer must target an existing Linear/Conv layer with matching sizes."""
    try:
        per_component = peft_keys_by_component(pipe, tensors)
    except StudioError:
        raise
    except Exception as exc:  # noqa: BLE001 - a conversion failure means the keys are not a LoRA we know
        raise _refuse(label, f"its layer names could not be read ({type(exc).__name__})") from None
    checked = 0
    for component_name, state in per_component.items():
        component = getattr(pipe, component_name, None)
        if component is None:
            raise _refuse(label, f"it has layers for a '{component_name}' this model does not have")
        pairs: dict[str, dict[str, Any]] = {}
        for key, tensor in state.items():
            for suffix, role in _ROLE_SUFFIXES.items():
                if key.endswith(suffix):
                    pairs.setdefault(key[: -len(suffix)], {})[role] = tensor
        for module_path, parts in pairs.items():
            _check_layer(component, component_name, module_path, parts, label)
            checked += 1
    if checked == 0:
        raise _refuse(label, "none of its layers target this model")


def peft_keys_by_component(pipe: Any, tensors: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The file's tensors in PEFT naming (`<module>.lora_A.weight`), grouped by pipeline component."""
    from diffusers.utils import (
        convert_state_dict_to_diffusers,
        convert_state_dict_to_peft,
        convert_unet_state_dict_to_peft,
    )

    components = list(getattr(pipe, "_lora_loadable_modules", ["unet", "text_encoder"]))
    extra: dict[str, Any] = {}
    if "text_encoder_2" in components:  # as SDXL's load_lora_weights does: remaps SGM block names
        extra["unet_config"] = pipe.unet.config
    converted, _alphas = pipe.lora_state_dict(dict(tensors), **extra)
    grouped: dict[str, dict[str, Any]] = {}
    for key, value in converted.items():
        prefix = next((c for c in sorted(components, key=len, reverse=True) if key.startswith(c + ".")), None)
        if prefix is None:
            raise StudioError(f"unrecognised layer '{key[:80]}'")
        grouped.setdefault(prefix, {})[key[len(prefix) + 1 :]] = value
    out: dict[str, dict[str, Any]] = {}
    for name, state in grouped.items():
        if name == "unet":
            first = next(iter(state))
            out[name] = state if "lora_A" in first else convert_unet_state_dict_to_peft(state)
        else:
            out[name] = convert_state_dict_to_peft(convert_state_dict_to_diffusers(state))
    return out


def _check_layer(component: Any, component_name: str, module_path: str, parts: dict[str, Any], label: str) -> None:
    module = _find_module(component, module_path)
    if module is None:
        raise _refuse(label, f"its layer '{component_name}.{module_path}' does not exist in this model")
    base = getattr(module, "base_layer", module)  # already wrapped by another LoRA
    down, up = parts.get("A"), parts.get("B")
    if down is None or up is None:
        raise _refuse(label, f"its layer '{module_path}' is incomplete")
    if down.shape[0] != up.shape[1]:
        raise _refuse(label, f"its layer '{module_path}' has mismatched ranks")
    if hasattr(base, "in_features"):  # nn.Linear
        size_in, size_out = base.in_features, base.out_features
        flat = down.ndim == 2 or (down.ndim == 4 and tuple(down.shape[2:]) == (1, 1))
    elif hasattr(base, "in_channels"):  # nn.Conv2d
        size_in, size_out = base.in_channels, base.out_channels
        flat = down.ndim == 4
    else:
        raise _refuse(label, f"its layer '{module_path}' targets a part LoRA cannot change")
    if not flat or down.shape[1] != size_in or up.shape[0] != size_out:
        raise _refuse(
            label,
            f"its layer '{module_path}' is {tuple(down.shape[1:2])[0]}→{up.shape[0]} wide, "
            f"the model's is {size_in}→{size_out}",
        )


def _find_module(component: Any, path: str) -> Any | None:
    for candidate in (path, path.removeprefix("text_model.")):
        try:
            return component.get_submodule(candidate)
        except AttributeError:
            continue
    return None


def _refuse(label: str, why: str) -> StudioError:
    return StudioError(
        f"The style '{label}' does not fit the loaded model: {why}. Nothing was changed.",
        hint="It was probably made for another base model (SD1.5 vs SDXL); choose a style made for this one.",
    )
