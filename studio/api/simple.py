"""The one-step public calls: remove_background, check_copy and ab_stats.

Each wraps the core function the UI tab uses (studio.cutout, studio.text.adwords,
studio.export.abtest) with the public API's input checks and error codes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.api.errors import ApiError, Language, api_step, budget_step
from studio.errors import StudioError
from studio.limits import new_output_folder

if TYPE_CHECKING:
    from PIL import Image

    from studio.models import ModelManager
    from studio.settings import Budgets

MAX_COPY_CHARS = 2000  # far more than any poster carries; keeps the check cheap for any caller
# The kinds of presets/ad_words.json, in Chinese (its own descriptions are English).
KIND_NAMES_ZH = {
    "superlative": "广告法禁止的极限词（最…）",
    "first_only": "“第一/唯一”类说法",
    "rank_authority": "需要证明或被禁止的排名、权威说法",
    "absolute": "绝对化用语",
    "urgency": "平台视为误导的催促用语",
    "medical": "医疗用语（非医疗商品不得使用）",
}


def remove_background(
    photo: str | Path | bytes | Image.Image,
    *,
    models: ModelManager,
    model: str = "u2netp",
    edge_shift: int = 0,
    feather: float = 0.0,
    fill_holes: bool = False,
    alpha_matting: bool = False,
    keep_main_object: bool = True,
    decontaminate: bool = True,
    out_dir: Path | None = None,
    language: Language = "en",
) -> Path:
    """The product cut out of `photo`: an RGBA PNG cropped to the product with a margin."""
    from pydantic import ValidationError

    from studio.api.posters import check_choices, parse_recipe
    from studio.imageio import load_image
    from studio.pipeline import cutout_from_photo
    from studio.recipe import CutoutSettings, Recipe

    if photo is None or photo == "":
        raise ApiError("product_missing", language)
    try:
        settings = CutoutSettings(model=model, edge_shift_px=edge_shift, feather_px=feather, fill_holes=fill_holes,
                                  alpha_matting=alpha_matting, keep_main_object=keep_main_object,
                                  decontaminate=decontaminate)  # fmt: skip
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err.get("loc", ())) or "settings"
        raise ApiError("recipe_invalid", language, detail=str(err.get("msg", "")), where=where) from None
    recipe = parse_recipe(Recipe(cutout=settings), language)
    check_choices(recipe, language)
    from studio.budgets import check_images

    budgets = models.settings.budgets
    with budget_step(language):
        check_images([photo], budgets)
    with api_step("image_unreadable", language):
        loaded = load_image(photo, max_pixels=budgets.image_pixels)  # type: ignore[arg-type]
    try:
        cutout, _ = cutout_from_photo(models, photo, recipe)
    except StudioError as exc:
        code = "no_product" if "No product" in exc.message else "cutout_failed"
        raise ApiError(code, language, detail=str(exc)) from None
    folder = Path(out_dir) if out_dir is not None else new_output_folder("cutouts-api-")
    folder.mkdir(parents=True, exist_ok=True)
    from studio.cutout.batch import safe_stem

    path = folder / f"{safe_stem(loaded.name)}_cutout.png"
    cutout.rgba.save(path, format="PNG")
    return path


def check_copy(text: str, *, language: Language = "en") -> list[dict[str, Any]]:
    """Every word in `text` that advertising law or the marketplaces reject, with a suggested replacement."""
    from studio.text.adwords import check_ad_words

    text = "" if text is None else str(text)
    if len(text) > MAX_COPY_CHARS:
        raise ApiError("text_too_long", language, limit=MAX_COPY_CHARS)
    findings = []
    for flag in check_ad_words(text):
        message = flag.message
        if language == "zh":
            kind = KIND_NAMES_ZH.get(flag.kind, "平台不接受的用语")
            message = f"“{flag.word}”属于{kind}" + (f"，建议改为“{flag.suggestion}”。" if flag.suggestion else "。")
        findings.append({"word": flag.word, "start": flag.start, "end": flag.end, "kind": flag.kind,
                         "suggestion": flag.suggestion, "message": message})  # fmt: skip
    return findings


def ab_stats(results_csv: str, *, language: Language = "en", budgets: Budgets | None = None) -> dict[str, Any]:
    """The A/B analysis of a results table given as CSV text (variant, impressions, clicks[, orders])."""
    from studio.export.abtest import ab_stats as analyse
    from studio.export.abtest import read_results_csv

    text = "" if results_csv is None else str(results_csv).lstrip("\ufeff")
    # CSV text only, never a file name: a header line and at least one row always hold a line break.
    if "\n" not in text.strip():
        raise ApiError("results_invalid", language, detail="Give the CSV text: a header line and one row per variant.")
    from studio.budgets import check_csv_rows
    from studio.settings import PUBLIC_BUDGETS

    with budget_step(language):  # rows counted before the CSV is parsed
        check_csv_rows(text, budgets or PUBLIC_BUDGETS)
    with api_step("results_invalid", language):
        return analyse(read_results_csv(text))
