"""Stable error codes for the public API, each with a Chinese and an English message.

A script branches on `ApiError.code`; a person reads `message`, in the language the
request asked for. Codes never change meaning once published; new ones may be added.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from studio.errors import StudioError
from studio.progress import Cancelled

Language = Literal["zh", "en"]

# code → (Chinese, English). Placeholders are filled from the error's facts (ids, field paths).
ERROR_MESSAGES: dict[str, tuple[str, str]] = {
    "product_missing": ("请提供商品照片或透明底抠图。", "Give a product photo or an RGBA cut-out."),
    "image_unreadable": (
        "无法读取这张图片，请使用 JPEG、PNG 或 WebP。",
        "This image cannot be read; use a JPEG, PNG or WebP.",
    ),
    "no_product": (
        "照片中没有找到商品，请换一张商品大而清晰、背景简单的照片。",
        "No product was found in this photo; use one where the product is large and in focus.",
    ),
    "cutout_failed": ("抠图失败。", "Background removal failed."),
    "unknown_cutout_model": (
        "未知的抠图模型“{value}”。可选：{choices}。",
        "Unknown background-removal model '{value}'. Choose one of: {choices}.",
    ),
    "recipe_not_json": (
        "配方不是有效的 JSON（第 {line} 行附近）。",
        "The recipe is not valid JSON (near line {line}).",
    ),
    "recipe_not_object": (
        "配方必须是一个 JSON 对象（与 recipes/<变体>.json 相同）。",
        "The recipe must be a JSON object (the schema of recipes/<variant>.json).",
    ),
    "recipe_too_new": (
        "这个配方来自更新版本的海报工作室，请先升级。",
        "This recipe was made by a newer Poster Studio; update the studio to use it.",
    ),
    "recipe_invalid": ("配方中有无法使用的设置：{where}。", "The recipe has a setting the studio cannot use: {where}."),
    "unknown_platform": (
        "未知的平台“{value}”。可选：{choices}。",
        "Unknown platform '{value}'. Choose one of: {choices}.",
    ),
    "unknown_scene": ("未知的场景“{value}”。可选：{choices}。", "Unknown scene '{value}'. Choose one of: {choices}."),
    "unknown_layout": (
        "未知的版式“{value}”。可选：auto, {choices}。",
        "Unknown layout '{value}'. Choose one of: auto, {choices}.",
    ),
    "bad_variant_count": ("变体数量须在 1 到 {limit} 之间。", "The number of variants must be between 1 and {limit}."),
    "posters_failed": ("海报生成失败。", "The posters could not be made."),
    "text_too_long": ("文案太长：最多 {limit} 个字符。", "The text is too long: at most {limit} characters."),
    "results_invalid": (
        "A/B 结果表无法使用，第一行应为：variant,impressions,clicks[,orders]。",
        "The A/B results cannot be used; the first line should be: variant,impressions,clicks[,orders].",
    ),
    # A budget (studio/budgets.py): the message names what was too much and the limit.
    "over_budget": ("{zh}", "{en}"),
    "unknown_marketplace": (
        "未知的平台“{value}”。可选：{choices}。",
        "Unknown marketplace '{value}'. Choose one of: {choices}.",
    ),
    "unknown_section": (
        "未知的详情页模块“{value}”。可选：{choices}。",
        "Unknown detail-page section '{value}'. Choose one of: {choices}.",
    ),
    "bad_page_width": ("详情页宽度须在 {low} 到 {high} 像素之间。", "The page width must be {low} to {high} pixels."),
    "listing_fields_missing": (
        "套图或详情页缺少需要填写的内容。",
        "The set or the detail page needs fields the recipe does not have.",
    ),
    "set_failed": ("套图生成失败。", "The main-image set could not be made."),
    "detail_page_failed": ("详情页生成失败。", "The detail page could not be made."),
    "invalid_input": ("输入无法使用。", "This input cannot be used."),
    "internal_error": ("服务器内部出错，请稍后重试。", "Something went wrong on our side; please try again."),
}


# Codes for a failure deep in the core: the core's own words are the only specifics, so every language gets them.
GENERIC_CODES = (
    "cutout_failed", "posters_failed", "invalid_input", "listing_fields_missing", "set_failed", "detail_page_failed",
)  # fmt: skip


class ApiError(StudioError):
    """A refused request: a stable `code`, its message in `language`, and the core's own words as `detail`."""

    def __init__(self, code: str, language: Language = "en", *, detail: str = "", **facts: object) -> None:
        zh, en = ERROR_MESSAGES[code]
        template = zh if language == "zh" else en
        text = template.format(**facts) if facts else template
        # The core speaks English: its detail is left out of a Chinese message, unless the code alone says too little.
        shown = language == "en" or code in GENERIC_CODES
        hint = detail if shown and detail and detail not in text else ""
        super().__init__(f"[{code}] {text}", hint=hint)
        self.code = code
        self.language = language
        self.detail = detail


def pick_language(requested: str | None, accept_language: str | None = None) -> Language:
    """zh or en: the explicit choice if it is one, else the first language of an Accept-Language header."""
    choice = (requested or "").strip().lower()
    if choice.startswith("zh"):
        return "zh"
    if choice.startswith("en"):
        return "en"
    first = (accept_language or "").split(",")[0].strip().lower()
    return "zh" if first.startswith("zh") else "en"


@contextmanager
def budget_step(language: Language) -> Iterator[None]:
    """A BudgetExceeded inside becomes ApiError("over_budget"), in the caller's language."""
    from studio.budgets import BudgetExceeded

    try:
        yield
    except BudgetExceeded as exc:
        raise ApiError("over_budget", language, zh=exc.text("zh"), en=exc.text("en")) from None


@contextmanager
def api_step(code: str, language: Language) -> Iterator[None]:
    """Any StudioError inside becomes ApiError(code) with the core's message as its detail."""
    try:
        yield
    except (ApiError, Cancelled):  # a stop is not a failure of this step
        raise
    except StudioError as exc:
        raise ApiError(code, language, detail=str(exc)) from None
