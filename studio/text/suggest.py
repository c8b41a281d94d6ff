"""Copy suggestions: an offline template library by category and occasion, and an optional local LLM.

The library (presets/copy_templates.json) needs no model and is kept clear of
极限词. `suggest_copy_llm` asks a local causal language model through
transformers (the model id is the caller's setting) and falls back to the library.
"""

from __future__ import annotations

import json
import random
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


def _pick(rng: random.Random, options: list[str]) -> str:
    return rng.choice(options) if options else ""


def suggest_copy(category: str, occasion: str, lang: str = "zh", *, seed: int = 0) -> CopyText:
    """A ready-to-edit copy for this kind of product and occasion; `seed` picks among the variants."""
    lib = _library(str(TEMPLATES_FILE))
    if category not in lib["categories"]:
        raise StudioError(f"Unknown product category '{category}'.", hint=f"Choose one of: {', '.join(lib['categories'])}.")
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

    Returns the copy and warnings (model unavailable, output unusable, 极限词 it wrote).
    """
    from studio.text.adwords import check_copy

    base = suggest_copy(category, occasion, lang, seed=seed)
    lib = _library(str(TEMPLATES_FILE))
    cat_name = lib["categories"][category]["name"].get(lang, category)
    occ_name = lib["occasions"][occasion]["name"].get(lang, occasion)
    try:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(model_id)
        model = AutoModelForCausalLM.from_pretrained(model_id)
        torch.manual_seed(seed)
        prompt = _PROMPT[lang].format(category=cat_name, occasion=occ_name)
        inputs = tokenizer(prompt, return_tensors="pt")
        with torch.no_grad():
            out = model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=True, top_p=0.9, temperature=0.8,
                                 pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id)
        text = tokenizer.decode(out[0][inputs["input_ids"].shape[1]:], skip_special_tokens=True)
    except Exception as exc:  # noqa: BLE001 - any model failure falls back to the library
        return base, [f"The copy model could not run ({type(exc).__name__}); showing template copy instead."]
    copy = _parse_llm(text, base)
    if copy is None:
        return base, ["The copy model's answer was not usable; showing template copy instead."]
    warnings = [f.message for f in check_copy(copy)]
    return copy, warnings


def _parse_llm(text: str, base: CopyText) -> CopyText | None:
    lines = [ln.strip(" -*#\t") for ln in text.strip().splitlines() if ln.strip(" -*#\t")]
    if len(lines) < 2:
        return None
    strip_label = lambda s: s.split("：", 1)[-1].split(":", 1)[-1].strip()  # noqa: E731
    headline = strip_label(lines[0])[:60]
    subline = strip_label(lines[1])[:120]
    points = [p.strip()[:40] for p in strip_label(lines[2]).split("|")][:5] if len(lines) > 2 else base.selling_points
    cta = strip_label(lines[3])[:24] if len(lines) > 3 else base.cta
    if not headline:
        return None
    return base.model_copy(update={"headline": headline, "subline": subline, "selling_points": [p for p in points if p], "cta": cta or base.cta})
