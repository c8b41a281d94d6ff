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
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from studio.errors import StudioError

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
    font: str = "noto_sans_sc"
    layout: str = "auto"
    text_color: str = "auto"  # auto picks a colour (or a plate) with contrast >= 4.5:1
    currency: Literal["¥", "$"] = "¥"  # put before a bare number in price / original_price
    accent_color: str = "auto"  # price, badge pill and button colour; auto: a sale red
    text_effect: Literal["auto", "none", "shadow", "stroke", "gradient"] = "auto"
    vertical: bool = False  # headline set top-to-bottom (Chinese), columns right to left
    logo: str = ""  # path to a logo image (PNG with transparency), drawn in a free corner

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
    outputs: list[OutputFile] = Field(default_factory=list)

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
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise StudioError("This recipe has a setting the studio cannot use.", hint=_first_problem(exc)) from None


def _first_problem(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err.get("loc", ()))
    return f"{where}: {err.get('msg', 'invalid value')}"
