"""What a LoRA's own header says about it: its base model and suggested trigger words.

kohya's trainer writes `ss_*` strings into the safetensors metadata
(`ss_base_model_version`, `ss_sd_model_name`, `ss_tag_frequency`, …) and
newer tools write Stability's `modelspec.*` keys. When neither says which base
model a file was made for, the tensor shapes do: the cross-attention input is
768 wide for SD1.x, 1024 for SD2.x and 2048 for SDXL.
"""

from __future__ import annotations

import json
from typing import Literal

from studio.styles.safefile import LoraHeader

BaseModel = Literal["sd15", "sd2", "sdxl", "zimage", "unknown"]
BASE_NAMES = {
    "sd15": "Stable Diffusion 1.5",
    "sd2": "Stable Diffusion 2.x",
    "sdxl": "SDXL",
    "zimage": "Z-Image",
    "unknown": "unknown",
}
_CROSS_WIDTH = {768: "sd15", 1024: "sd2", 2048: "sdxl"}


def normalize_base(text: str) -> BaseModel:
    """Map the many spellings (sd_v1, SD 1.5, sdxl_base_v1-0, stable-diffusion-xl-v1-base/lora…) to one."""
    t = text.lower().replace(" ", "").replace("_", "").replace("-", "").replace(".", "")
    if not t:
        return "unknown"
    if "zimage" in t:
        return "zimage"
    if "xl" in t:
        return "sdxl"
    if t.startswith(("sdv2", "sd2", "stablediffusionv2", "v2")) or "sd21" in t or "sd20" in t:
        return "sd2"
    if t.startswith(("sdv1", "sd1", "stablediffusionv1", "v1")) or "sd15" in t or "sd14" in t:
        return "sd15"
    return "unknown"


def base_from_header(header: LoraHeader) -> BaseModel:
    """The base model the file says (metadata) or shows (keys, shapes) it was made for."""
    meta = header.metadata
    for key in ("modelspec.architecture", "ss_base_model_version"):
        found = normalize_base(meta.get(key, ""))
        if found != "unknown":
            return found
    if meta.get("ss_v2", "").lower() == "true":
        return "sd2"
    keys = header.tensors
    if any(k.startswith(("lora_te2_", "text_encoder_2.", "lora_te1_")) for k in keys):
        return "sdxl"
    for name, entry in keys.items():
        low = name.lower()
        is_down = any(p in low for p in ("lora_down", "lora_a", "lora.down", "down.weight"))
        if ("attn2" in low and ("to_k" in low or "to_v" in low)) and is_down and len(entry.shape) >= 2:
            width = _CROSS_WIDTH.get(entry.shape[1])
            if width:
                return width  # type: ignore[return-value]
    found = normalize_base(meta.get("ss_sd_model_name", ""))
    return found


def trigger_words_from_header(header: LoraHeader, limit: int = 2) -> tuple[str, ...]:
    """The trigger phrase a tool recorded, else the tags that appear in the most training captions."""
    meta = header.metadata
    phrase = meta.get("modelspec.trigger_phrase", "").strip()
    if phrase:
        return tuple(p.strip() for p in phrase.split(",") if p.strip())[:limit]
    counts = tag_frequencies(meta.get("ss_tag_frequency", ""))
    if not counts:
        return ()
    top = max(counts.values())
    # The trigger word is in every caption, so it shares the top count; ordinary tags rarely do.
    best = [tag for tag, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if n == top]
    return tuple(best[:limit])


def tag_frequencies(text: str) -> dict[str, int]:
    """`ss_tag_frequency` is JSON {dataset folder: {tag: count}}; sum the counts over folders."""
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    counts: dict[str, int] = {}
    if not isinstance(data, dict):
        return counts
    for folder in data.values():
        if not isinstance(folder, dict):
            continue
        for tag, n in folder.items():
            if isinstance(tag, str) and isinstance(n, int) and tag.strip():
                counts[tag.strip()] = counts.get(tag.strip(), 0) + n
    return counts


def display_name_from_header(header: LoraHeader) -> str:
    meta = header.metadata
    return (meta.get("modelspec.title") or meta.get("ss_output_name") or "").strip()[:80]
