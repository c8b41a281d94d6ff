"""Copy suggestions: an offline template library by category and occasion, and an optional local LLM.

The library (presets/copy_templates.json) needs no model and is kept clear of
极限词. `suggest_copy_llm` asks a local causal language model through
transformers (the model id is the caller's setting) and falls back to the library.
"""

from __future__ import annotations

import json
import os
import random
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from studio.errors import StudioError
from studio.recipe import CopyText
from studio.settings import REPO_ROOT

TEMPLATES_FILE = REPO_ROOT / "presets" / "copy_templates.json"


@lru_cache(maxsize=2)
def _library(path: str) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def copy_categories() -> list[str]:
    return list(_library(str(TEMPLATES_FILE))["categories"])


def copy_occasions() -> list[str]:
    return list(_library(str(TEMPLATES_FILE))["occasions"])


def copy_choice_names(kind: str) -> dict[str, dict[str, str]]:
    """id → {"zh": …, "en": …} for "categories" or "occasions", for menus in either language."""
    entries = _library(str(TEMPLATES_FILE))[kind]
    return {
        key: {"zh": e.get("name", {}).get("zh", key), "en": e.get("name", {}).get("en", key)}
        for key, e in entries.items()
    }


def copy_model_id() -> str:
    """The local copy model (hub id or folder); empty when none is set up.

    Read from the STUDIO_COPY_MODEL environment variable until Settings has a field for it.
    """
    return os.environ.get("STUDIO_COPY_MODEL", "").strip()


def _pick(rng: random.Random, options: list[str]) -> str:
    return rng.choice(options) if options else ""


def suggest_copy(category: str, occasion: str, lang: str = "zh", *, seed: int = 0) -> CopyText:
    """A ready-to-edit copy for this kind of product and occasion; `seed` picks among the variants."""
    lib = _library(str(TEMPLATES_FILE))
    if category not in lib["categories"]:
        raise StudioError(
            f"Unknown product category '{category}'.", hint=f"Choose one of: {', '.join(lib['categories'])}."
        )
    if occasion not in lib["occasions"]:
        raise StudioError(f"Unknown occasion '{occasion}'.", hint=f"Choose one of: {', '.join(lib['occasions'])}.")
    if lang not in ("zh", "en"):
        raise StudioError(f"Copy suggestions come in Chinese (zh) or English (en), not '{lang}'.")
    rng = random.Random(f"{category}/{occasion}/{lang}/{seed}")
    cat = lib["categories"][category][lang]
    occ = lib["occasions"][occasion][lang]
    points = rng.sample(cat["points"], k=min(3, len(cat["points"])))
    subline = _pick(rng, occ.get("subline", [])) or _pick(rng, cat["sublines"])
    return CopyText(
        headline=_pick(rng, cat["headlines"]),
        subline=subline,
        selling_points=points,
        badge=_pick(rng, occ["badge"]),
        cta=_pick(rng, occ["cta"]),
        currency="¥" if lang == "zh" else "$",
    )


_PROMPT = {
    "zh": "为一款{category}商品写{occasion}电商海报文案。只输出四行：标题（不超过12字）、副标题（不超过20字）、三个卖点（用“|”分隔）、按钮文字。不要使用“最”“第一”“唯一”“顶级”“100%”等极限词。\n",
    "en": "Write e-commerce poster copy for a {category} product for {occasion}. Output exactly four lines: headline (max 6 words), subline, three selling points separated by '|', button text. No superlatives like best, #1, only.\n",
}
# Longest each layer may be when a model writes it, in characters (Chinese, English): what reads on a poster.
LLM_LIMITS: dict[str, tuple[int, int]] = {"headline": (14, 40), "subline": (24, 70), "point": (12, 28), "cta": (6, 16)}
_LABEL = re.compile(
    r"^\s*(?:\d+[.)、]\s*)?(?:标题|主标题|副标题|卖点|按钮文字|按钮|headline|subline|selling points?|button(?: text)?|cta)\s*[：:]\s*",
    re.I,
)
_WORDY = re.compile(r"[\u4e00-\u9fffA-Za-z]")


def suggest_copy_llm(
    category: str,
    occasion: str,
    lang: str = "zh",
    *,
    model_id: str,
    seed: int = 0,
    max_new_tokens: int = 80,
) -> tuple[CopyText, list[str]]:
    """Copy from a local causal LM (hub id or folder), with the library's copy as the fallback.

    Every layer is cut to `LLM_LIMITS`; a reply with no usable headline gives the
    library's copy. Returns the copy and warnings (model unavailable, output
    unusable, 极限词 it wrote).
    """
    from studio.text.adwords import check_copy

    base = suggest_copy(category, occasion, lang, seed=seed)
    if not model_id:
        return base, ["No copy model is set up; showing template copy instead."]
    lib = _library(str(TEMPLATES_FILE))
    cat_name = lib["categories"][category]["name"].get(lang, category)
    occ_name = lib["occasions"][occasion]["name"].get(lang, occasion)
    try:
        text = _generate(model_id, _PROMPT[lang].format(category=cat_name, occasion=occ_name), seed, max_new_tokens)
    except Exception as exc:  # noqa: BLE001 - any model failure falls back to the library
        return base, [f"The copy model could not run ({type(exc).__name__}); showing template copy instead."]
    copy = parse_llm_copy(text, base, lang)
    if copy is None:
        return base, ["The copy model's answer was not usable; showing template copy instead."]
    warnings = [f.message for f in check_copy(copy)]
    return copy, warnings


def _generate(model_id: str, prompt: str, seed: int, max_new_tokens: int) -> str:
    """The model's reply to `prompt` (offline: a folder or an already cached hub id)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_id)
    model = AutoModelForCausalLM.from_pretrained(model_id)
    model.eval()
    if getattr(tokenizer, "chat_template", None):
        ids = tokenizer.apply_chat_template(
            [{"role": "user", "content": prompt}], add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
    else:
        ids = tokenizer(prompt, return_tensors="pt")
    torch.manual_seed(seed)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    with torch.no_grad():
        out = model.generate(
            **ids, max_new_tokens=max_new_tokens, do_sample=True, top_p=0.9, temperature=0.8, pad_token_id=pad
        )
    return tokenizer.decode(out[0][ids["input_ids"].shape[1] :], skip_special_tokens=True)


def _clip(text: str, layer: str, lang: str) -> str:
    """`text` cut to the layer's limit, at a space for English (no half words)."""
    limit = LLM_LIMITS[layer][0 if lang == "zh" else 1]
    text = " ".join(text.split()).strip(" \"'“”‘’「」")
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if lang == "en" and " " in cut and not text[limit].isspace():
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,，、;；:：")


def _usable(text: str) -> bool:
    """Real words: at least two letters or Chinese characters, and mostly not symbols."""
    wordy = len(_WORDY.findall(text))
    return wordy >= 2 and wordy >= 0.5 * len(text.replace(" ", ""))


def parse_llm_copy(text: str, base: CopyText, lang: str = "zh") -> CopyText | None:
    """The four lines of a model's reply as copy (each layer within `LLM_LIMITS`), or None if unusable."""
    lines = [_LABEL.sub("", ln.strip(" -*#\t")) for ln in text.strip().splitlines()]
    lines = [ln for ln in lines if ln.strip()]
    if not lines:
        return None
    headline = _clip(lines[0], "headline", lang)
    if not _usable(headline):
        return None
    subline = _clip(lines[1], "subline", lang) if len(lines) > 1 else ""
    points = base.selling_points
    if len(lines) > 2:
        parsed = [_clip(p, "point", lang) for p in re.split(r"[|｜/、；;]", lines[2])]
        parsed = [p for p in parsed if _usable(p)][:3]
        points = parsed or base.selling_points
    cta = _clip(lines[3], "cta", lang) if len(lines) > 3 else ""
    return base.model_copy(
        update={
            "headline": headline,
            "subline": subline if _usable(subline) else base.subline,
            "selling_points": points,
            "cta": cta if _usable(cta) else base.cta,
        }
    )
