"""Budget checks: sizes and counts read from headers and lengths, before anything is decoded or looped over.

Settings.budgets holds the numbers (stricter in public modes); every entry point (the public API, the UI's
events and upload guard, the CLI) calls these same functions, so one request is refused the same way
everywhere: one `BudgetExceeded` whose message says, in Chinese and English, what was too much and the limit.
Nothing here imports gradio or torch.
"""

from __future__ import annotations

import base64
import binascii
import io
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from studio.errors import StudioError
from studio.settings import MB, Budgets

if TYPE_CHECKING:
    from studio.recipe import CopyText, Recipe

# budget field → (Chinese, English) name of what it counts, and how to show its numbers.
WHAT: dict[str, tuple[str, str]] = {
    "image_pixels": ("每张图片的像素", "pixels in one image"),
    "request_pixels": ("一次请求中所有图片的像素", "pixels in all images of one request"),
    "upload_bytes": ("每个上传文件的大小", "bytes in one uploaded file"),
    "ab_rows": ("A/B 结果表的行数", "rows in one A/B results file"),
    "batch_photos": ("一次批量抠图的照片数", "photos in one batch cut-out"),
    "platforms_per_job": ("一次导出的平台数（去重后）", "platforms in one export (duplicates dropped)"),
    "posters_per_job": ("一次导出的海报数（变体 × 平台）", "posters in one export (variants × platforms)"),
    "project_recipes": ("一个项目中的配方数", "recipes in one project"),
    "project_cutouts": ("一个项目中的抠图数", "cut-outs in one project"),
    "copy_field_chars": ("每一栏文案的字数", "characters in one copy field"),
    "queued_jobs_per_user": ("每人同时排队或运行的任务数", "jobs one person may have waiting or running"),
    "upload_bytes_per_user": ("每人保存的上传文件总量", "bytes of uploads one person may keep"),
    "upload_bytes_total": ("本工作室的上传文件总量", "bytes of uploads this studio keeps"),
}
_PIXELS = ("image_pixels", "request_pixels")
_BYTES = ("upload_bytes", "upload_bytes_per_user", "upload_bytes_total")


class BudgetExceeded(StudioError):
    """A request asked for more than a budget allows; nothing was decoded or started."""

    def __init__(self, kind: str, limit: int, given: int, *, where: str = "") -> None:
        self.kind, self.limit, self.given, self.where = kind, int(limit), int(given), where
        super().__init__(self.text("zh") + " " + self.text("en"))

    def text(self, language: str) -> str:
        """The message in one language (zh or en)."""
        zh, en = WHAT[self.kind]
        limit, given = _shown(self.kind, self.limit, language), _shown(self.kind, self.given, language)
        where = f"（{self.where}）" if self.where and language == "zh" else f" ({self.where})" if self.where else ""
        if language == "zh":
            return f"超出限额：{zh}{where}最多 {limit}，这次是 {given}。请减少后再试，已做的内容都还在。"
        return f"Over a limit: at most {limit} {en}{where}, this was {given}. Please ask for less; your work is kept."


def _shown(kind: str, value: int, language: str) -> str:
    if kind in _PIXELS:
        return f"{value / 1e4:.0f} 万" if language == "zh" else f"{value / 1e6:.1f} million"
    if kind in _BYTES:
        return f"{value / MB:.0f} MB" if value >= MB else f"{value / 1024:.0f} KB"
    return str(value)


def check_count(kind: str, given: int, budgets: Budgets, *, where: str = "") -> None:
    """Refuse `given` when it is over the budget `kind` (0 = no limit)."""
    limit = int(getattr(budgets, kind))
    if limit and given > limit:
        raise BudgetExceeded(kind, limit, given, where=where)


# ---- images: from the header, never decoded here ------------------------------------------------------
def header_size(source: object) -> tuple[int, int] | None:
    """Width and height from an image file's header (nothing decoded), or None when it is no image Pillow knows."""
    from PIL import Image

    if isinstance(source, Image.Image):
        return source.size
    if not isinstance(source, (str, Path, bytes, bytearray)):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the size is checked below, whatever Pillow thinks of it
            handle = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else Path(source).open("rb")
            with handle, Image.open(handle) as img:
                return int(img.size[0]), int(img.size[1])
    except Image.DecompressionBombError:
        return (1 << 31, 1)  # Pillow refused it unread: more pixels than any budget
    except Exception:  # not an image, unreadable: the loader says so in its own words
        return None


def check_images(sources: Iterable[object], budgets: Budgets) -> int:
    """Every image under `image_pixels` and all of them together under `request_pixels`; returns the total."""
    total = 0
    for source in sources:
        if source is None or source == "":
            continue
        size = header_size(source)
        if size is None:
            continue
        pixels = size[0] * size[1]
        check_count("image_pixels", pixels, budgets)
        total += pixels
        check_count("request_pixels", total, budgets)
    return total


def data_url_bytes(url: str, budgets: Budgets) -> bytes:
    """The bytes of a `data:` URL, after checking its length against the upload limit (before base64 decoding)."""
    head, _, payload = url.partition(",")
    encoded = len(payload) - payload.count("=")
    check_count("upload_bytes", encoded * 3 // 4, budgets)
    try:
        if ";base64" in head:
            return base64.b64decode(payload, validate=False)
        from urllib.parse import unquote_to_bytes

        return unquote_to_bytes(payload)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise StudioError("This image could not be read (a broken data: URL).", hint="Try a JPEG or PNG.") from None


# ---- counts ------------------------------------------------------------------------------------------
def check_csv_rows(text: str, budgets: Budgets) -> None:
    """An A/B results table's rows, counted from its line breaks before the CSV is parsed."""
    rows = sum(1 for line in str(text).splitlines() if line.strip()) - 1  # the header line is no row
    check_count("ab_rows", rows, budgets)


def check_csv_file(path: str | Path, budgets: Budgets) -> None:
    """The same for a results file: its size first (a row is never 1 KB), then its lines."""
    size = Path(path).stat().st_size
    if budgets.ab_rows and size > (budgets.ab_rows + 1) * 1024:
        raise BudgetExceeded("ab_rows", budgets.ab_rows, size // 1024)
    with Path(path).open("rb") as handle:
        rows = sum(1 for line in handle if line.strip()) - 1
    check_count("ab_rows", rows, budgets)


def budget_recipe(recipe: Recipe, budgets: Budgets, *, variants: int = 1) -> Recipe:
    """The recipe with its platforms deduplicated (order kept), refused when the job or its copy is over budget."""
    platforms = list(dict.fromkeys(recipe.export.platforms))
    check_count("platforms_per_job", len(platforms), budgets)
    check_count("posters_per_job", len(platforms) * max(1, int(variants)), budgets)
    check_copy_text(recipe.copy_text, budgets)
    if platforms == recipe.export.platforms:
        return recipe
    return recipe.model_copy(update={"export": recipe.export.model_copy(update={"platforms": platforms})})


def check_copy_text(copy_text: CopyText, budgets: Budgets) -> None:
    """Every copy field, each selling point included, under `copy_field_chars`."""
    for name, value in copy_text.words().items():
        for text in value if isinstance(value, list) else [value]:
            check_count("copy_field_chars", len(str(text)), budgets, where=name)
