"""Make exactly the chosen styles active on a loaded pipeline, without reloading the base model.

Each LoRA is loaded once as a named adapter (`load_lora_weights(..., adapter_name=…)`),
then switching is `set_adapters(names, weights)`. The adapter name carries a
fingerprint of the file (path, size, mtime), so a replaced file is loaded
afresh. Adapters not used lately are deleted (set_adapters slows down as idle
adapters pile up, diffusers #11816); clearing every style disables LoRA, so
the output equals the base model's exactly.

Order of work, so a refused style changes nothing: resolve every name, check
base model, read and check every new file and its shapes, and only then touch
the pipeline; if diffusers still fails, newly loaded adapters are deleted and
the previous state is restored.

With LoRA hotswap on (torch.compile; see studio.models.fastpath) none of the
above applies to the UNet: styles go through one fixed, hot-swapped adapter
slot so switching never recompiles it, and mixes are merged into that slot
(studio.styles.hotswap explains how, and what it refuses).
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from studio.errors import StudioError
from studio.recipe import StyleChoice
from studio.styles import hotswap
from studio.styles.catalog import StyleInfo, find_style
from studio.styles.draft import sync_draft_scheduler
from studio.styles.fit import check_base_model, check_shapes
from studio.styles.hub import fetch_builtin
from studio.styles.safefile import load_lora_tensors

log = logging.getLogger("studio.styles")

MAX_STYLES = 3
KEEP_INACTIVE = 2  # recently used adapters kept loaded, so switching back costs a set_adapters only
_STATE_ATTR = "_studio_style_state"


@dataclass
class AdapterState:
    """What this module did to one UNet (shared by every pipeline built on it)."""

    active: list[tuple[str, float]] = field(default_factory=list)
    enabled: bool = False
    last_used: dict[str, int] = field(default_factory=dict)
    tick: int = 0


def apply_styles(models: Any, pipe: Any, styles: list[StyleChoice]) -> list[str]:
    """Make exactly `styles` active on `pipe`; return their trigger words for the prompt.

    Weight-0 styles count as off (no adapter, no trigger words), so the output
    is then the base model's exactly. Call it with the GPU lock held.
    """
    check_choices(styles)
    wanted = [s for s in styles if s.weight != 0.0]
    state = adapter_state(pipe)
    in_slot = hotswap.slot_rank(pipe) > 0
    if not wanted:
        if in_slot:
            hotswap.clear_slot(pipe)
        else:
            _deactivate(pipe, state)
        sync_draft_scheduler(pipe, draft=False)
        return []
    family = _family(models)
    infos = [resolve_style(models.settings.lora_dir, s.name) for s in wanted]
    for info in infos:
        check_base_model(info, family)
    names = [adapter_name(info) for info in infos]
    if in_slot:
        slot_styles = []
        for info, name, choice in zip(infos, names, wanted):
            assert info.path is not None
            slot_styles.append(hotswap.SlotStyle(name, info.path, info.display_name or info.name, choice.weight))
        hotswap.apply_to_slot(pipe, slot_styles)
        sync_draft_scheduler(pipe, draft=any(info.fast_draft for info in infos))
        return _trigger_words(infos)
    loaded = loaded_adapters(pipe)
    to_load: list[tuple[str, dict[str, Any]]] = []
    for info, name in zip(infos, names):
        if name in loaded or any(name == n for n, _ in to_load):
            continue
        assert info.path is not None
        _header, tensors = load_lora_tensors(info.path)
        check_shapes(pipe, tensors, info.display_name or info.name)
        to_load.append((name, tensors))
    _switch(pipe, state, to_load, list(zip(names, [s.weight for s in wanted])), label=_labels(infos))
    sync_draft_scheduler(pipe, draft=any(info.fast_draft for info in infos))
    _evict_idle(pipe, state)
    return _trigger_words(infos)


def check_choices(styles: list[StyleChoice]) -> None:
    if len(styles) > MAX_STYLES:
        raise StudioError(f"At most {MAX_STYLES} styles can be mixed.", hint="Remove a style and try again.")
    seen: set[str] = set()
    for s in styles:
        if s.name.strip() in seen:
            raise StudioError(f"The style '{s.name}' is chosen twice.", hint="Choose it once and set its weight.")
        seen.add(s.name.strip())


def resolve_style(lora_dir: Any, name: str) -> StyleInfo:
    """The usable style called `name`, its file local (built-ins are downloaded on first use)."""
    info = find_style(lora_dir, name)
    if info.problem:
        raise StudioError(info.problem)
    return fetch_builtin(info) if info.builtin else info


def adapter_name(info: StyleInfo) -> str:
    """A peft-safe adapter name that changes when the file changes."""
    assert info.path is not None
    st = info.path.stat()
    digest = hashlib.sha1(f"{info.path}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()[:10]
    slug = re.sub(r"[^A-Za-z0-9_]", "_", info.name)[:40]
    return f"style_{slug}_{digest}"


def adapter_state(pipe: Any) -> AdapterState:
    unet = pipe.unet
    state = getattr(unet, _STATE_ATTR, None)
    if state is None:
        state = AdapterState()
        object.__setattr__(unet, _STATE_ATTR, state)  # plain attribute, not a submodule
    return state


def loaded_adapters(pipe: Any) -> set[str]:
    lists = pipe.get_list_adapters() if hasattr(pipe, "get_list_adapters") else {}
    return {name for names in lists.values() for name in names}


def clear_styles(pipe: Any, *, unload: bool = False) -> None:
    """Base model output again: disable every adapter (or unload them all, freeing memory)."""
    if hotswap.slot_rank(pipe) > 0:
        hotswap.clear_slot(pipe, unload=unload)
        sync_draft_scheduler(pipe, draft=False)
        return
    state = adapter_state(pipe)
    if unload and loaded_adapters(pipe):
        pipe.unload_lora_weights()
        state.active, state.enabled, state.last_used = [], False, {}
    else:
        _deactivate(pipe, state)
    sync_draft_scheduler(pipe, draft=False)


def _switch(
    pipe: Any,
    state: AdapterState,
    to_load: list[tuple[str, dict[str, Any]]],
    active: list[tuple[str, float]],
    label: str,
) -> None:
    previous = (list(state.active), state.enabled)
    newly: list[str] = []
    try:
        for name, tensors in to_load:
            pipe.load_lora_weights(_on_model(pipe, tensors), adapter_name=name)
            newly.append(name)
        if not state.enabled:
            pipe.enable_lora()
        pipe.set_adapters([n for n, _ in active], [w for _, w in active])
    except Exception as exc:  # noqa: BLE001 - roll back, then tell the seller
        log.exception("loading styles %s failed; restoring the previous state", label)
        _rollback(pipe, state, newly, previous)
        raise StudioError(
            f"The style {label} could not be loaded, so it was not applied: {str(exc).splitlines()[0][:160]}.",
            hint="The previous styles are still in place. The file may be made for another model.",
        ) from None
    state.active, state.enabled = active, True
    state.tick += 1
    for name, _ in active:
        state.last_used[name] = state.tick


def _rollback(pipe: Any, state: AdapterState, newly: list[str], previous: tuple[list[tuple[str, float]], bool]) -> None:
    present = loaded_adapters(pipe)
    leftovers = [n for n in newly if n in present]
    # diffusers removes a half-loaded adapter's config itself; its name may be left in the layers.
    if leftovers:
        pipe.delete_adapters(leftovers)
    active, enabled = previous
    if enabled and active:
        pipe.enable_lora()
        pipe.set_adapters([n for n, _ in active], [w for _, w in active])
    elif loaded_adapters(pipe):
        pipe.disable_lora()
    state.active, state.enabled = active, enabled


def _deactivate(pipe: Any, state: AdapterState) -> None:
    if loaded_adapters(pipe):
        pipe.disable_lora()
    state.active, state.enabled = [], False
    _evict_idle(pipe, state)


def _evict_idle(pipe: Any, state: AdapterState) -> None:
    active = {n for n, _ in state.active}
    idle = [n for n in loaded_adapters(pipe) if n not in active]
    idle.sort(key=lambda n: state.last_used.get(n, -1), reverse=True)
    drop = idle[KEEP_INACTIVE:]
    if drop:
        pipe.delete_adapters(drop)
        for name in drop:
            state.last_used.pop(name, None)


def _on_model(pipe: Any, tensors: dict[str, Any]) -> dict[str, Any]:
    """The LoRA tensors on the UNet's device and dtype (float ones; alphas stay exact enough)."""
    unet = pipe.unet
    device, dtype = unet.device, unet.dtype
    return {k: (v.to(device=device, dtype=dtype) if v.is_floating_point() else v) for k, v in tensors.items()}


def _family(models: Any) -> str:
    from studio.models.profiles import diffusion_profile

    return diffusion_profile(models.profile).family


def _labels(infos: list[StyleInfo]) -> str:
    return ", ".join(f"'{i.display_name or i.name}'" for i in infos)


def _trigger_words(infos: list[StyleInfo]) -> list[str]:
    words: list[str] = []
    for info in infos:
        for word in info.trigger_words:
            if word not in words:
                words.append(word)
    return words
