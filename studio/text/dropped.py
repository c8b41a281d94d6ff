"""Nothing the seller typed goes missing silently: which elements a poster lacks, said in the seller's language.

The seller's language is the copy's own: copy with Chinese characters gets Chinese messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from studio.recipe import CopyText
from studio.text.plan import WORTH, Plan

# A dropped element costs a layout more than any size gain can win back: re-laying beats dropping.
DROP_PENALTY = 10.0
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_NAMES = {
    "en": {
        "headline": "headline",
        "subline": "subline",
        "price": "price",
        "badge": "badge",
        "cta": "button",
        "logo": "logo",
        "point": "selling point {n}",
    },
    "zh": {
        "headline": "标题",
        "subline": "副标题",
        "price": "价格",
        "badge": "角标",
        "cta": "按钮",
        "logo": "标志",
        "point": "卖点{n}",
    },
}


def copy_lang(copy: CopyText) -> str:
    """'zh' when the seller wrote any Chinese, else 'en'."""
    text = " ".join([copy.headline, copy.subline, *copy.selling_points, copy.price, copy.badge, copy.cta])
    return "zh" if _CJK.search(text) else "en"


def element_label(name: str, lang: str) -> str:
    names = _NAMES.get(lang, _NAMES["en"])
    if name.startswith("point_"):
        return names["point"].format(n=name.split("_")[1])
    return names.get(name, name)


def expected_elements(copy: CopyText) -> list[str]:
    """Every layer the seller's copy asks for, in reading order (the logo too)."""
    from studio.text.layout import copy_items

    names = list(copy_items(copy))
    return [*names, "logo"] if copy.logo else names


def missing_elements(copy: CopyText, drawn: Iterable[str]) -> list[str]:
    have = set(drawn)
    return [name for name in expected_elements(copy) if name not in have]


def plan_value(plan: Plan) -> float:
    """A layout's score, less a large cost per element it could not hold."""
    return plan.score - DROP_PENALTY * sum(WORTH["points" if n.startswith("point_") else n] for n in plan.dropped)


def dropped_warning(copy: CopyText, name: str) -> str:
    lang = copy_lang(copy)
    if lang == "zh":
        return f"{element_label(name, lang)}在此尺寸放不下，已省略：请缩短文字或换一个布局。"
    return f"The {element_label(name, lang)} did not fit next to the product and was left out; shorten it or choose another layout."


def relaid_warning(copy: CopyText, chosen: str, used: str) -> str:
    if copy_lang(copy) == "zh":
        return f"布局 {chosen} 放不下全部文案，此尺寸改用 {used}。"
    return f"The layout {chosen} cannot hold all the copy at this size; used {used} instead."


def missing_reason(copy: CopyText, missing: list[str]) -> str:
    lang = copy_lang(copy)
    labels = ("、" if lang == "zh" else ", ").join(element_label(n, lang) for n in missing)
    if lang == "zh":
        return f"文案缺失：{labels} 未能放入这张图"
    return f"copy left out of this file: {labels}"


def copy_complete_row(copy: CopyText, text_boxes: Mapping[str, object] | None, allows_text: bool) -> dict:
    """The compliance row: every element the seller typed is on this file (platforms that allow text)."""
    if not allows_text:
        return {"status": "passed", "reason": "this slot takes no text"}
    if text_boxes is None:
        return {"status": "not_checked", "reason": "the text layers are unknown"}
    missing = missing_elements(copy, text_boxes)
    if missing:
        return {"status": "failed", "reason": missing_reason(copy, missing), "missing": missing}
    lang = copy_lang(copy)
    return {
        "status": "passed",
        "reason": "全部文案都在图上" if lang == "zh" else "every element of the copy is on the file",
    }
