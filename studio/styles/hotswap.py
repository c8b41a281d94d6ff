"""Styles on a compiled UNet: one fixed LoRA slot whose weights are replaced in place.

Used instead of named adapters when LoRA hotswap is on for the pipeline (the
fast path's plan has `lora_hotswap_rank` > 0, i.e. `--compile`, or
`enable_lora_hotswap(target_rank=…)` was called on the UNet before any LoRA).
Loading a second named adapter or calling `set_adapters` changes what the
compiled UNet's guards look at (new modules, adapter lists, float scalings),
so every switch would recompile it. Here:

- The UNet has ONE adapter, `SLOT`. The first style ever is loaded with
  `load_lora_weights(sd, adapter_name=SLOT)`; diffusers then turns its
  scalings into tensors (`prepare_model_for_compiled_hotswap`). That first
  load adds LoRA layers, so a UNet compiled before it recompiles once; hotswap
  is armed again just before it with check_compiled="ignore", because the fast
  path compiles the UNet before any style and diffusers' default would refuse.
  Every later switch is `load_lora_weights(sd, adapter_name=SLOT, hotswap=True)`:
  the same parameters get new values (`copy_`), no module changes, no recompile.
- Every style is brought to one shape before it goes in: per layer, its scale
  (alpha/rank, as diffusers would compute it) and its weight are folded into
  lora_B, and A/B are zero-padded to the slot rank. So every load has the same
  LoraConfig (r = alpha = slot rank, scale 1), which hotswap requires.
- Mixing: several styles are MERGED, not refused. Their LoRA pairs are
  concatenated along the rank (A stacked, B side by side), which is exactly the
  sum of their weighted outputs, as `set_adapters` mixing gives. Refused when
  the ranks together exceed the slot rank on some layer.
- Weights and clearing never call `set_adapters`/`disable_lora` (they would
  recompile): the slot's scaling tensors are filled in place with 1.0 (on) or
  0.0 (off). Off adds exact zeros, so the output equals the base model's.
- Text encoder parts (kohya styles often train it) cannot be hot-swapped in
  diffusers, and the text encoder is not compiled, so they are loaded as
  ordinary named adapters on the text encoder(s) only, and deleted when unused.
- A style whose layers the slot does not have (the slot is shaped by the first
  style, as diffusers' hotswap requires) rebuilds the slot with the union of
  both layer sets: one recompile, logged; later switches are free again.

Refused before the pipeline is touched (so nothing changes), with a seller
message: a style whose LoRA rank is above the slot rank, a mix whose ranks
together are above it on some layer (the slot's padded shapes are fixed when
it is compiled), and LoRA variants the slot cannot carry (DoRA, LoRA bias).
Refused earlier, in adapters.py, as without compile: unknown names, other base
models, shapes that do not fit.
If diffusers still fails half-way it deletes the slot itself; then every style
is switched off (base output) and the seller is told so.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.errors import StudioError
from studio.styles.fit import check_shapes
from studio.styles.safefile import load_lora_tensors

log = logging.getLogger("studio.styles")

SLOT = "studio_slot"
_STATE_ATTR = "_studio_lora_slot"
_PAIR_SUFFIXES = (".lora_A.weight", ".lora_B.weight")


@dataclass(frozen=True)
class SlotStyle:
    """One wanted style: its adapter name (carries the file fingerprint), file, label for messages, weight."""

    name: str
    path: Path
    label: str
    weight: float


@dataclass
class SlotState:
    """The slot on one UNet (shared by every pipeline built on it)."""

    rank: int
    layers: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = field(default_factory=dict)  # module -> A, B shapes
    content: tuple[tuple[str, float], ...] = ()  # (name, weight) of the styles whose weights the slot holds
    on: bool = False  # slot scale 1.0 (styles active) or 0.0 (base output)
    text: list[str] = field(default_factory=list)  # adapters loaded on the text encoder(s)
    no_text: set[str] = field(default_factory=set)  # styles known to have no text-encoder layers
    active: list[tuple[str, float]] = field(default_factory=list)
    rebuilds: int = 0


@dataclass
class _Prepared:
    style: SlotStyle
    layers: dict[str, tuple[Any, Any]]  # module -> (A, B with scale and weight folded in), float32 on CPU
    text: tuple[dict[str, Any], Any, Any] | None  # (state dict, alphas, metadata) if it has text-encoder layers


def slot_state(pipe: Any) -> SlotState | None:
    return getattr(getattr(pipe, "unet", None), _STATE_ATTR, None)


def slot_rank(pipe: Any) -> int:
    """The slot rank when styles must go through the hotswap slot on `pipe`, else 0.

    Hotswap is on when the UNet already has a slot, when the fast path enabled it
    (report step 'lora_hotswap' is 'on'), or when `enable_lora_hotswap` was called
    on the UNet directly before any LoRA was loaded.
    """
    unet = getattr(pipe, "unet", None)
    if unet is None:
        return 0
    state = getattr(unet, _STATE_ATTR, None)
    if state is not None:
        return state.rank
    rank = 0
    from studio.models.fastpath import fast_path_of

    found = fast_path_of(pipe)
    if found is not None and found[1].steps.get("lora_hotswap") == "on":
        rank = int(found[0].lora_hotswap_rank)
    if not rank:
        armed = getattr(unet, "_prepare_lora_hotswap_kwargs", None)
        if armed and not getattr(unet, "peft_config", None):
            rank = int(armed.get("target_rank") or 0)
    if rank > 0:
        object.__setattr__(unet, _STATE_ATTR, SlotState(rank=rank))  # plain attribute, not a submodule
    return rank


def apply_to_slot(pipe: Any, styles: list[SlotStyle]) -> None:
    """Make exactly `styles` (weights ≠ 0, checked by the caller) active through the slot."""
    state = slot_state(pipe)
    assert state is not None and styles, "call slot_rank() first, and clear_slot() for no styles"
    content = tuple((s.name, float(s.weight)) for s in styles)
    swap = content != state.content or not state.layers
    text_missing = any(s.name not in state.text and s.name not in state.no_text for s in styles)
    prepared: list[_Prepared] = []
    full: dict[str, Any] = {}
    rebuild = False
    if swap or text_missing:  # else nothing to read: the same styles again (apply_styles runs before each job)
        prepared = [_prepare(pipe, s) for s in styles]  # reads and checks everything; touches nothing
    if swap:
        full, rebuild = _slot_tensors(pipe, state, prepared)
    label = ", ".join(f"'{s.label}'" for s in styles)
    try:
        if swap:
            _load_slot(pipe, state, full, rebuild)
            state.content = content
        _set_slot_scale(pipe.unet, 1.0)
        state.on = True
        _sync_text_adapters(pipe, state, prepared, styles)
    except StudioError:
        raise
    except Exception as exc:  # noqa: BLE001 - switch everything off, then tell the seller
        log.exception("loading styles %s into the hotswap slot failed; switching styles off", label)
        _recover(pipe, state)
        raise StudioError(
            f"The style {label} could not be loaded: {str(exc).splitlines()[0][:160]}. All styles are off now.",
            hint="Choose the styles again. The file may be made for another model.",
        ) from None
    state.active = list(content)


def clear_slot(pipe: Any, *, unload: bool = False) -> None:
    """Base model output again, without changing the UNet's modules (slot scale 0, text adapters deleted).

    `unload` cannot free the slot itself: removing it would make the compiled UNet recompile.
    """
    state = slot_state(pipe)
    if state is None:
        return
    if state.layers:
        _set_slot_scale(pipe.unet, 0.0)
    state.on = False
    _drop_text_adapters(pipe, state, keep=[])
    state.active = []
    if unload:
        log.info("styles cleared; the hotswap slot stays loaded (removing it would recompile the UNet)")


# --- reading and shaping styles (no pipeline change) ---------------------------------------------


def _prepare(pipe: Any, style: SlotStyle) -> _Prepared:
    import torch

    _header, tensors = load_lora_tensors(style.path)
    check_shapes(pipe, tensors, style.label)
    extra: dict[str, Any] = {}
    if "text_encoder_2" in getattr(pipe, "_lora_loadable_modules", ()):
        extra["unet_config"] = pipe.unet.config
    state_dict, alphas, metadata = pipe.lora_state_dict(dict(tensors), return_lora_metadata=True, **extra)
    unet_sd, unet_alphas, unet_meta = _component_part("unet", state_dict, alphas, metadata)
    layers: dict[str, tuple[Any, Any]] = {}
    if unet_sd:
        from diffusers.utils import convert_unet_state_dict_to_peft
        from diffusers.utils.peft_utils import _create_lora_config
        from peft.utils.other import get_pattern_key

        if "lora_A" not in next(iter(unet_sd)):
            unet_sd = convert_unet_state_dict_to_peft(unet_sd)
        odd = sorted(k for k in unet_sd if not k.endswith(_PAIR_SUFFIXES))
        if odd:
            raise _refuse_variant(style.label, f"extra tensors such as '{odd[0][:80]}'")
        # Exactly what diffusers' load_lora_adapter builds, so the folded scales match an ordinary load.
        ranks = {f"^{k}": v.shape[1] for k, v in unet_sd.items() if "lora_B" in k and v.ndim > 1}
        config = _create_lora_config(unet_sd, unet_alphas, unet_meta, ranks)
        if config.use_dora or getattr(config, "lora_bias", False):
            raise _refuse_variant(style.label, "DoRA" if config.use_dora else "LoRA bias")
        for key in unet_sd:
            if not key.endswith(".lora_A.weight"):
                continue
            module = key[: -len(".lora_A.weight")]
            down = unet_sd[key].detach().to("cpu", torch.float32)
            up = unet_sd[f"{module}.lora_B.weight"].detach().to("cpu", torch.float32)
            rank = config.rank_pattern.get(get_pattern_key(config.rank_pattern.keys(), module), config.r)
            alpha = config.alpha_pattern.get(get_pattern_key(config.alpha_pattern.keys(), module), config.lora_alpha)
            scale = alpha / (math.sqrt(rank) if config.use_rslora else rank)
            layers[module] = (down, up * (scale * style.weight))
    text = None
    if any(not k.startswith("unet.") for k in state_dict):
        text = (state_dict, alphas, metadata)
    return _Prepared(style=style, layers=layers, text=text)


def _component_part(prefix: str, state_dict: dict[str, Any], alphas: Any, metadata: Any) -> tuple[dict, Any, Any]:
    """One component's keys without its prefix, as diffusers' load_lora_adapter selects them."""
    part = {k[len(prefix) + 1 :]: v for k, v in state_dict.items() if k.startswith(prefix + ".")}
    part_alphas = None
    if alphas:
        part_alphas = {k[len(prefix) + 1 :]: v for k, v in alphas.items() if k.startswith(prefix + ".")}
    part_meta = None
    if metadata is not None:
        part_meta = {k[len(prefix) + 1 :]: v for k, v in metadata.items() if k.startswith(prefix + ".")}
    return part, part_alphas, part_meta


def _slot_tensors(pipe: Any, state: SlotState, prepared: list[_Prepared]) -> tuple[dict[str, Any], bool]:
    """The slot's full state dict for `prepared` (every slot layer, padded), and whether the slot must grow."""
    import torch

    per_layer: dict[str, list[tuple[Any, Any]]] = {}
    for item in prepared:
        for module, pair in item.layers.items():
            per_layer.setdefault(module, []).append(pair)
    _check_rank(state.rank, prepared, per_layer)
    new_layers = [m for m in per_layer if m not in state.layers]
    rebuild = bool(state.layers) and bool(new_layers)
    unet = pipe.unet
    device, dtype = unet.device, unet.dtype
    full: dict[str, Any] = {}
    for module in list(state.layers) + new_layers:
        pairs = per_layer.get(module, [])
        if module in state.layers:
            a_shape, b_shape = state.layers[module]
        else:
            down, up = pairs[0]
            a_shape = (state.rank, *_layer_tail(down, unet, module))
            b_shape = (up.shape[0], state.rank, *((1, 1) if len(a_shape) == 4 else ()))
        a_full = torch.zeros(a_shape, dtype=torch.float32)
        b_full = torch.zeros(b_shape, dtype=torch.float32)
        offset = 0
        for down, up in pairs:
            r = down.shape[0]
            a_full[offset : offset + r] = down.reshape(r, *a_shape[1:])
            b_full[:, offset : offset + r] = up.reshape(b_shape[0], r, *b_shape[2:])
            offset += r
        full[f"unet.{module}.lora_A.weight"] = a_full.to(device=device, dtype=dtype)
        full[f"unet.{module}.lora_B.weight"] = b_full.to(device=device, dtype=dtype)
    return full, rebuild


def _layer_tail(down: Any, unet: Any, module: str) -> tuple[int, ...]:
    """lora_A's shape after the rank: (in,) for a Linear, (in, kh, kw) for a Conv2d."""
    target = unet.get_submodule(module)
    base = getattr(target, "base_layer", target)
    if hasattr(base, "in_features"):
        return (base.in_features,)
    return tuple(down.shape[1:])


def _check_rank(slot: int, prepared: list[_Prepared], per_layer: dict[str, list[tuple[Any, Any]]]) -> None:
    need = max((sum(down.shape[0] for down, _ in pairs) for pairs in per_layer.values()), default=0)
    if need <= slot:
        return
    if len(prepared) == 1:
        label = prepared[0].style.label
        raise StudioError(
            f"The style '{label}' is too large for fast mode: its LoRA rank is {need}, and fast mode "
            f"(--compile) holds styles up to rank {slot}. Nothing was changed.",
            hint=f"Choose a style of rank {slot} or less, or restart the studio without --compile to use it.",
        )
    labels = ", ".join(f"'{p.style.label}'" for p in prepared)
    raise StudioError(
        f"The styles {labels} together need LoRA rank {need}, but fast mode (--compile) holds up to rank "
        f"{slot}. Nothing was changed.",
        hint="Use fewer styles at once, or restart the studio without --compile to mix them.",
    )


def _refuse_variant(label: str, what: str) -> StudioError:
    return StudioError(
        f"The style '{label}' uses a LoRA variant ({what}) that fast mode (--compile) cannot swap in. "
        "Nothing was changed.",
        hint="Restart the studio without --compile to use this style.",
    )


# --- changing the pipeline ---------------------------------------------------------------------


def _load_slot(pipe: Any, state: SlotState, full: dict[str, Any], rebuild: bool) -> None:
    unet = pipe.unet
    if not full:
        return  # only text-encoder layers, and no slot yet
    if state.layers and not rebuild:
        pipe.load_lora_weights(full, adapter_name=SLOT, hotswap=True)
    else:
        if rebuild:
            log.warning("a style targets layers the hotswap slot lacks: rebuilding it (the UNet recompiles once)")
            unet.delete_adapters([SLOT])
            state.rebuilds += 1
        state.layers = {}
        # Armed again here with check_compiled="ignore": the fast path compiles the UNet before any style,
        # and diffusers' default ("error") would then refuse the first load.
        unet.enable_lora_hotswap(target_rank=state.rank, check_compiled="ignore")
        pipe.load_lora_weights(full, adapter_name=SLOT)
        _scalings_as_tensors(unet)
    state.layers = {
        key[len("unet.") : -len(".lora_A.weight")]: (
            tuple(value.shape),
            tuple(full[key[: -len("A.weight")] + "B.weight"].shape),
        )
        for key, value in full.items()
        if key.endswith(".lora_A.weight")
    }


def _slot_layers(unet: Any) -> list[Any]:
    from peft.tuners.lora import LoraLayer

    return [m for m in unet.modules() if isinstance(m, LoraLayer) and SLOT in m.scaling]


def _scalings_as_tensors(unet: Any) -> None:
    """Scalings as tensors (diffusers does it when hotswap was armed), so filling them never recompiles."""
    import torch

    for module in _slot_layers(unet):
        value = module.scaling[SLOT]
        if not isinstance(value, torch.Tensor):
            module.scaling[SLOT] = torch.tensor(float(value), device=module.lora_A[SLOT].weight.device)


def _set_slot_scale(unet: Any, value: float) -> None:
    """Every slot layer's scale, in place (set_adapters would swap the tensors for floats: a recompile)."""
    import torch

    for module in _slot_layers(unet):
        current = module.scaling[SLOT]
        if isinstance(current, torch.Tensor):
            current.fill_(value)
        else:
            module.scaling[SLOT] = value


def _text_encoders(pipe: Any) -> list[tuple[str, Any]]:
    names = [n for n in getattr(pipe, "_lora_loadable_modules", ("text_encoder",)) if n != "unet"]
    return [(n, getattr(pipe, n)) for n in names if getattr(pipe, n, None) is not None]


def _sync_text_adapters(pipe: Any, state: SlotState, prepared: list[_Prepared], styles: list[SlotStyle]) -> None:
    """Text-encoder parts as ordinary named adapters (that model is not compiled), weighted like the styles."""
    wanted = {s.name for s in styles}
    _drop_text_adapters(pipe, state, keep=[n for n in state.text if n in wanted])
    for item in prepared:
        name = item.style.name
        if item.text is None:
            state.no_text.add(name)
        if item.text is None or name in state.text:
            continue
        state_dict, alphas, metadata = item.text
        state.text.append(name)  # before loading: a half-loaded adapter is deleted by _recover
        for component, encoder in _text_encoders(pipe):
            if any(k.startswith(component + ".") for k in state_dict):
                pipe.load_lora_into_text_encoder(
                    _on_model(encoder, state_dict, component),
                    network_alphas=alphas,
                    text_encoder=encoder,
                    prefix=component,
                    lora_scale=pipe.lora_scale,
                    adapter_name=name,
                    _pipeline=pipe,
                    metadata=metadata,
                )
    from diffusers.loaders.lora_base import set_adapters_for_text_encoder

    weights = {s.name: s.weight for s in styles}
    for _component, encoder in _text_encoders(pipe):
        present = [n for n in getattr(encoder, "peft_config", {}) if n in weights]
        if present:
            set_adapters_for_text_encoder(present, encoder, [weights[n] for n in present])


def _on_model(model: Any, state_dict: dict[str, Any], component: str) -> dict[str, Any]:
    """`component`'s float tensors on `model`'s device and dtype (the others are not read for it)."""
    device, dtype = model.device, model.dtype
    return {
        k: (v.to(device=device, dtype=dtype) if k.startswith(component + ".") and v.is_floating_point() else v)
        for k, v in state_dict.items()
    }


def _drop_text_adapters(pipe: Any, state: SlotState, keep: list[str]) -> None:
    from diffusers.utils.peft_utils import delete_adapter_layers

    for name in [n for n in state.text if n not in keep]:
        for _component, encoder in _text_encoders(pipe):
            if name in getattr(encoder, "peft_config", {}):
                delete_adapter_layers(encoder, name)
        state.text.remove(name)


def _recover(pipe: Any, state: SlotState) -> None:
    """After a failed load: every style off; a slot diffusers deleted is forgotten (the next style rebuilds it)."""
    try:
        if SLOT in getattr(pipe.unet, "peft_config", {}):
            _set_slot_scale(pipe.unet, 0.0)
        else:
            state.layers = {}
        _drop_text_adapters(pipe, state, keep=[])
    except Exception:  # noqa: BLE001 - already reporting the first failure
        log.exception("could not tidy up after a failed style load")
    state.content, state.on, state.active = (), False, []
