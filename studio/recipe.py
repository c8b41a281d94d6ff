"""The recipe: every parameter needed to make a poster again, as one typed object.

The UI edits a recipe, the CLI runs one, the tests build posters from one, and
every exported file carries the recipe it was made from. It round-trips through
JSON exactly (`Recipe.from_json(r.to_json()) == r`).

Coordinates: relative values (0..1) describe intent that survives a change of
aspect ratio; pixel boxes in `OutputFile` are `[x0, y0, x1, y1]` in that file's
pixels, x1/y1 exclusive.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, ValidationInfo, field_validator

from studio.errors import StudioError
from studio.notes import Note

RECIPE_VERSION = 1
GENERATING_PROFILES = ("sd15", "sdxl", "zimage", "tiny", "tiny-zimage")  # profiles whose scenes a model paints
Box = tuple[int, int, int, int]


class _Part(BaseModel):
    # Unknown keys are mistakes (a typo in a hand-written recipe), not silently dropped.
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class CutoutSettings(_Part):
    """Background removal and mask refinement (tab 1, `python -m studio cutout`)."""

    model: str = "u2netp"
    alpha_matting: bool = False
    alpha_fg_threshold: int = Field(240, ge=0, le=255)
    alpha_bg_threshold: int = Field(10, ge=0, le=255)
    alpha_erode_px: int = Field(10, ge=0, le=64)
    edge_shift_px: int = Field(0, ge=-32, le=32)  # <0 erodes the mask, >0 dilates it
    feather_px: float = Field(0.0, ge=0.0, le=32.0)
    keep_main_object: bool = True  # drop islands that are not part of the product
    min_island_fraction: float = Field(0.002, ge=0.0, le=0.5)
    fill_holes: bool = False  # False keeps real holes (a cup's handle loop) transparent
    max_hole_fraction: float = Field(0.001, ge=0.0, le=0.5)  # holes smaller than this are specks, filled always
    decontaminate: bool = True  # remove background colour cast from edge pixels
    crop_margin: float = Field(0.04, ge=0.0, le=0.5)


class Placement(_Part):
    """Where the product stands on a canvas, relative to that canvas."""

    center_x: float = Field(0.5, ge=0.0, le=1.0)  # product box centre, fraction of width
    # None = automatic for each canvas: the scene's floor line (a podium's top, the
    # floor in front of the horizon) and a size that leaves room for the copy.
    floor_y: float | None = Field(None, ge=0.05, le=1.0)  # product box bottom, fraction of height
    scale: float | None = Field(None, gt=0.02, le=1.0)  # product fits in scale*width by scale*height
    rotation_deg: float = Field(0.0, ge=-180.0, le=180.0)


class SceneSettings(_Part):
    preset: str = "marble_counter"
    # procedural: no model; generated: diffusion around the product (falls back to
    # procedural on the `none` profile, and says so).
    backdrop: Literal["auto", "procedural", "generated"] = "auto"
    prompt: str = Field("", max_length=600)  # the seller's own words, added to the preset's
    negative_prompt: str = Field("", max_length=600)
    seed: int = Field(0, ge=0, le=2**32 - 1)
    steps: int | None = Field(None, ge=1, le=150)  # None: the preset's value
    guidance: float | None = Field(None, ge=0.0, le=30.0)
    control_strength: float | None = Field(None, ge=0.0, le=2.0)
    control_start: float = Field(0.0, ge=0.0, le=1.0)
    control_end: float = Field(1.0, ge=0.0, le=1.0)
    control_type: Literal["canny", "depth"] = "canny"
    shadow: bool = True
    reflection: bool = False


class StyleChoice(_Part):
    name: str = Field(min_length=1, max_length=200)
    weight: float = Field(0.8, ge=-2.0, le=2.0)


# The fields of CopyText that are the seller's words; the rest (font, layout, colours…) is styling.
# The one list: previews strip these, "has copy" reads these, the copy form edits these.
COPY_WORDS = ("headline", "subline", "selling_points", "price", "original_price", "badge", "cta")


class CopyText(_Part):
    """Marketing copy. Every layer is optional; empty strings are not drawn."""

    headline: str = Field("", max_length=60)
    subline: str = Field("", max_length=120)
    selling_points: list[str] = Field(default_factory=list, max_length=5)
    price: str = Field("", max_length=24)
    original_price: str = Field("", max_length=24)
    badge: str = Field("", max_length=16)
    cta: str = Field("", max_length=24)
    font: str = "noto_sans_sc"  # a font id or an uploaded font's "upload:<sha256>.<ext>", never a path
    layout: str = "auto"
    text_color: str = "auto"  # auto picks a colour (or a plate) with contrast >= 4.5:1
    currency: Literal["¥", "$"] = "¥"  # put before a bare number in price / original_price
    accent_color: str = "auto"  # price, badge pill and button colour; auto: a sale red
    text_effect: Literal["auto", "none", "shadow", "stroke", "gradient"] = "auto"
    vertical: bool = False  # headline set top-to-bottom (Chinese), columns right to left
    # The logo's content reference, "sha256:<hex>" of its bytes (studio/text/logo_store.py), never a path:
    # a path would read files on whatever machine opens the recipe. Drawn in a free corner.
    logo: str = ""

    @field_validator("font")
    @classmethod
    def _font_name(cls, value: str) -> str:
        from studio.text.fonts import FONT_PATH_NOTE, is_font_path

        if is_font_path(value):
            raise ValueError(FONT_PATH_NOTE)
        return value

    @field_validator("logo")
    @classmethod
    def _logo_ref(cls, value: str) -> str:
        from studio.text.logo_store import is_logo_ref

        if value and not is_logo_ref(value):
            raise ValueError(LOGO_PATH_NOTE)
        return value

    @field_validator("selling_points")
    @classmethod
    def _strip_points(cls, points: list[str]) -> list[str]:
        return [p.strip() for p in points if p.strip()]

    def words(self) -> dict[str, object]:
        """The seller's words (COPY_WORDS), without the styling fields."""
        return {name: getattr(self, name) for name in COPY_WORDS}

    def has_words(self) -> bool:
        """Whether there is any copy to draw (the one definition the pipeline and the UI use)."""
        return any(self.words().values())

    def without_words(self) -> "CopyText":
        """The same styling (font, layout, colours, currency, vertical…) with no words."""
        return self.model_copy(update={name: [] if name == "selling_points" else "" for name in COPY_WORDS})


LOGO_PATH_NOTE = (
    "The recipe named its logo by a file path, which is never read: the logo was left out; add it again. "
    "/ 配方里的标志是文件路径，不会被读取：已去掉标志，请重新上传。"
)


def _default_sections() -> list[str]:
    # The sections are data (presets/detail_sections, each with its `order`); read when a recipe is made.
    from studio.presets import ordered_ids

    return ordered_ids("detail_sections")


class SpecRow(_Part):
    """One line of the specs table (slot 5, the detail page's specs section): 材质 | 304不锈钢."""

    key: str = Field(min_length=1, max_length=12)
    value: str = Field(min_length=1, max_length=40)

    @field_validator("key", "value")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("a spec needs a name and a value / 参数名和参数值都不能为空")
        return value


class ListingFields(_Part):
    """What the main-image set and the detail page need beyond the poster's copy, entered once.

    The selling points themselves stay in `copy_text.selling_points` (one home); `point_icons`
    gives each its icon, by position. The brand's logo is `copy_text.logo`, as on posters.
    """

    point_icons: list[str] = Field(default_factory=list, max_length=5)  # icon id per point; "" = a numbered pill
    specs: list[SpecRow] = Field(default_factory=list, max_length=10)
    guarantees: list[str] = Field(default_factory=list, max_length=4)  # 7天无理由退换, 正品保障…
    notes: list[str] = Field(default_factory=list, max_length=6)  # size and usage notes, one line each
    brand: str = Field("", max_length=24)
    brand_line: str = Field("", max_length=40)  # a short line under the brand name in the footer
    # The detail crop (slot 3, close-ups): x0, y0, x1, y1 as fractions of the product's box; None = most textured.
    detail_region: tuple[float, float, float, float] | None = None
    scene_variant: str = ""  # slot 4's scene preset; "" = the first bundled scene unlike the hero's
    gallery: list[str] = Field(default_factory=list, max_length=3)  # the detail page's scenes; [] = automatic
    sections: list[str] = Field(default_factory=_default_sections, min_length=1, max_length=12)
    slot: str = ""  # which set slot or detail slice this recipe made ("" for a plain poster)

    @field_validator("guarantees", "notes")
    @classmethod
    def _lines(cls, lines: list[str], info: ValidationInfo) -> list[str]:
        cap = 20 if info.field_name == "guarantees" else 60
        lines = [line.strip() for line in lines if line.strip()]
        for line in lines:
            if len(line) > cap:
                raise ValueError(f"at most {cap} characters a line / 每行最多 {cap} 个字: {line[:12]}…")
        return lines

    @field_validator("point_icons")
    @classmethod
    def _icons(cls, icons: list[str]) -> list[str]:
        return [icon.strip() for icon in icons]

    @field_validator("detail_region")
    @classmethod
    def _region(cls, region: tuple[float, float, float, float] | None) -> tuple[float, float, float, float] | None:
        if region is None:
            return None
        x0, y0, x1, y1 = region
        if not (0.0 <= x0 < x1 <= 1.0 and 0.0 <= y0 < y1 <= 1.0) or (x1 - x0) < 0.05 or (y1 - y0) < 0.05:
            raise ValueError("the detail region is x0, y0, x1, y1 in 0..1, at least 0.05 each way / 细节区域无效")
        return region

    @field_validator("sections")
    @classmethod
    def _sections(cls, sections: list[str]) -> list[str]:
        known = _default_sections()
        unknown = [s for s in sections if s not in known]
        if unknown:
            raise ValueError(f"unknown section {unknown[0]!r}; choose from {', '.join(known)} / 未知的详情页模块")
        if len(set(sections)) != len(sections):
            raise ValueError("each section at most once / 每个模块只能出现一次")
        return sections


class ExportSettings(_Part):
    platforms: list[str] = Field(default_factory=lambda: ["taobao_main"], min_length=1)
    file_format: Literal["auto", "jpeg", "png", "webp"] = "auto"
    aigc_label: bool = True  # the visible "AI生成" mark; the metadata label is always written
    # Any product code the seller types, Chinese included; file names use studio.export.sku.sku_slug.
    sku: str = Field("poster", min_length=1, max_length=64)

    @field_validator("sku")
    @classmethod
    def _sku(cls, value: str) -> str:
        from studio.export.sku import check_sku

        return check_sku(value)


class ModelIds(_Part):
    profile: str = "none"
    base: str = ""
    controlnet: str = ""


class OutputFile(_Part):
    """One written image: what a marketplace upload or a re-layout needs to know."""

    file: str
    platform: str
    width: int
    height: int
    bytes: int = 0
    product_box: Box
    text_boxes: dict[str, Box] = Field(default_factory=dict)
    text_px: dict[str, int] | None = (
        None  # font size per text layer (legibility check); None: not laid out by the studio
    )
    upscale: float = 1.0  # product pixels per photo pixel on this file


VARIANT_NAME = re.compile(r"[A-Za-z0-9_\-]{1,40}")


class Recipe(_Part):
    version: int = RECIPE_VERSION
    variant: str = "A"
    source_sha256: str = ""  # of the original photo's bytes; ties the recipe to the product
    cutout: CutoutSettings = Field(default_factory=CutoutSettings)
    placement: Placement = Field(default_factory=Placement)
    scene: SceneSettings = Field(default_factory=SceneSettings)
    styles: list[StyleChoice] = Field(default_factory=list, max_length=3)
    copy_text: CopyText = Field(default_factory=CopyText)
    export: ExportSettings = Field(default_factory=ExportSettings)
    models: ModelIds = Field(default_factory=ModelIds)
    listing: ListingFields = Field(default_factory=ListingFields)  # the set and detail page's own fields
    outputs: list[OutputFile] = Field(default_factory=list)
    _load_notes: list[Note] = PrivateAttr(default_factory=list)

    @field_validator("variant")
    @classmethod
    def _variant(cls, value: str) -> str:
        # The variant names output files (`{sku}_{platform}_{variant}.jpg`, recipes/<variant>.json):
        # plain letters, digits, _ and - only, so a recipe can never write outside its folder.
        if not VARIANT_NAME.fullmatch(value):
            raise ValueError(
                "a variant is named with letters, digits, _ and - (at most 40) / 方案名只能用字母、数字、_ 和 -"
            )
        return value

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)

    def generates_scene(self, profile: str | None = None) -> bool:
        """Whether a model paints this recipe's scene (under `profile`, else the recorded one)."""
        return self.scene.backdrop != "procedural" and (profile or self.models.profile) in GENERATING_PROFILES

    def is_ai_made(self, *, white_background: bool = False, profile: str | None = None) -> bool:
        """Whether a poster of this recipe is AI-generated content (needs the AI labels).

        The one place that decides it: a model-painted scene, except on white-background slots,
        where nothing is generated.
        """
        return self.generates_scene(profile) and not white_background

    @classmethod
    def from_json(cls, text: str | bytes) -> "Recipe":
        try:
            data = json.loads(text)
        except (ValueError, TypeError) as exc:
            raise StudioError("This recipe file is not valid JSON.", hint=str(exc)) from None
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: object) -> "Recipe":
        if not isinstance(data, dict):
            raise StudioError("A recipe must be a JSON object.")
        if data.get("version", RECIPE_VERSION) > RECIPE_VERSION:
            raise StudioError("This recipe was made by a newer Poster Studio.", hint="Update the studio to open it.")
        data, notes = without_logo_path(data)
        try:
            recipe = cls.model_validate(data)
        except ValidationError as exc:
            raise StudioError("This recipe has a setting the studio cannot use.", hint=_first_problem(exc)) from None
        recipe._load_notes = notes
        return recipe

    def load_notes(self) -> list[Note]:
        """What opening this recipe left out (an old logo path), for the seller's message."""
        return list(self._load_notes)


def without_logo_path(data: dict[str, Any]) -> tuple[dict[str, Any], list[Note]]:
    """An old recipe's logo path dropped (never opened), with the note that says so."""
    from studio.text.fonts import FONT_PATH_NOTE, is_font_path
    from studio.text.logo_store import is_logo_ref

    copy_text = data.get("copy_text")
    if not isinstance(copy_text, dict):
        return data, []
    notes, copy_text = [], dict(copy_text)
    logo = copy_text.get("logo")
    if isinstance(logo, str) and logo and not is_logo_ref(logo):
        copy_text["logo"] = ""
        notes.append(Note("logo_path", "logo", LOGO_PATH_NOTE))
    font = copy_text.get("font")
    if isinstance(font, str) and is_font_path(font):
        copy_text.pop("font")  # the default: the bundled font
        notes.append(Note("font_path", "font", FONT_PATH_NOTE))
    return ({**data, "copy_text": copy_text}, notes) if notes else (data, [])


def _first_problem(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err.get("loc", ()))
    return f"{where}: {err.get('msg', 'invalid value')}"
