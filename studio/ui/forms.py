"""One form object per tab: the values its widgets show, and how they map onto the session recipe.

A form never rebuilds the recipe: `apply` returns the recipe with only the fields the tab
shows changed (depth control, vertical copy, currency, accent colour… survive), and
`of` reads a recipe back into widget values (reopen, reload). Widget order = the dataclass field order.
No gradio here: tests build and apply forms without a UI.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, field, fields
from typing import Any, ClassVar

from pydantic import ValidationError

from studio.presets import all_presets
from studio.recipe import Recipe, StyleChoice

MAX_STYLES = 3


class _Form:
    TAB: ClassVar[str] = ""

    @classmethod
    def widgets(cls) -> tuple[str, ...]:
        """The form's widgets, in field order: the dataclass fields are the one list that names them."""
        return tuple(f.name for f in fields(cls))  # type: ignore[arg-type]  # subclasses are dataclasses

    @classmethod
    def from_values(cls, *values: Any) -> Any:
        """The form from its widgets' values, in field order (missing trailing values: defaults)."""
        return cls(**dict(zip(cls.widgets(), values)))  # type: ignore[call-arg]

    def widget_values(self) -> list[Any]:
        return [getattr(self, name) for name in self.widgets()]

    def extras(self) -> dict[str, Any]:
        """Values that are not recipe fields (kept in the session for a reload)."""
        return {}

    def apply(self, recipe: Recipe) -> Recipe:  # pragma: no cover - every form overrides it
        raise NotImplementedError


def _number(value: Any, default: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _keep_auto(old: Any, new: Any, auto_value: Any) -> Any:
    """A recipe's None ("the preset's value") stays None while the widget shows that very value."""
    return None if old is None and new == auto_value else new


@dataclass
class CutoutForm(_Form):
    TAB: ClassVar[str] = "cutout"
    model: str = "u2netp"
    edge_shift: int = 0
    feather: float = 0.0
    keep_main: bool = True
    fill_holes: bool = False
    decontaminate: bool = True
    alpha_matting: bool = False

    def apply(self, recipe: Recipe) -> Recipe:
        cutout = recipe.cutout.model_copy(
            update={
                "model": self.model or "u2netp",
                "edge_shift_px": int(_number(self.edge_shift, 0)),
                "feather_px": _number(self.feather, 0.0),
                "keep_main_object": bool(self.keep_main),
                "fill_holes": bool(self.fill_holes),
                "decontaminate": bool(self.decontaminate),
                "alpha_matting": bool(self.alpha_matting),
            }
        )
        return recipe.model_copy(update={"cutout": type(recipe.cutout).model_validate(cutout.model_dump())})

    @classmethod
    def of(cls, recipe: Recipe, extras: dict[str, Any] | None = None) -> "CutoutForm":
        c = recipe.cutout
        return cls(
            c.model, c.edge_shift_px, c.feather_px, c.keep_main_object, c.fill_holes, c.decontaminate, c.alpha_matting
        )


@dataclass
class SceneForm(_Form):
    TAB: ClassVar[str] = "scene"
    preset: str = "marble_counter"
    backdrop: str = "auto"
    prompt: str = ""
    seed: int = 0
    n_variants: int = 1
    center_x: float = 0.5
    floor_y: float = 0.0  # 0 = automatic for each canvas
    scale: float = 0.0  # 0 = automatic for each canvas
    rotation: float = 0.0
    shadow: bool = True
    reflection: bool = False
    negative: str = ""
    steps: int = 25
    guidance: float = 7.0
    control_strength: float = 0.8
    control_start: float = 0.0
    control_end: float = 1.0
    preview_platform: str = "taobao_main"
    # The studio's diffusion profile: its sampler's defaults are what "auto" steps and guidance mean
    # (Z-Image Turbo: 8 steps, no guidance; SD: the scene preset's). Set by `for_profile`, never a widget.
    PROFILE: ClassVar[str] = ""

    @classmethod
    def for_profile(cls, profile: str) -> type["SceneForm"]:
        """The form class whose auto steps and guidance are `profile`'s (one class per profile)."""
        return _scene_form_for(profile)

    @classmethod
    def auto_sampler(cls, preset_id: str) -> tuple[int, float]:
        """(steps, guidance) a scene runs with when the recipe leaves them to the studio."""
        from studio.models.profiles import scene_guidance, scene_steps

        preset = all_presets("scenes").get(preset_id, {})
        return scene_steps(None, preset, cls.PROFILE), scene_guidance(None, preset, cls.PROFILE)

    def extras(self) -> dict[str, Any]:
        return {"n_variants": self.n_variants, "preview_platform": self.preview_platform}

    def apply(self, recipe: Recipe) -> Recipe:
        old = recipe.scene
        preset = all_presets("scenes").get(self.preset, {})
        auto_steps, auto_guidance = self.auto_sampler(self.preset)
        start = _number(self.control_start, 0.0)
        scene = old.model_copy(
            update={
                "preset": self.preset or old.preset,
                "backdrop": self.backdrop or "auto",
                "prompt": self.prompt or "",
                "negative_prompt": self.negative or "",
                "seed": int(_number(self.seed, 0)),
                "steps": _keep_auto(old.steps, int(_number(self.steps, auto_steps)), auto_steps),
                "guidance": _keep_auto(old.guidance, _number(self.guidance, auto_guidance), auto_guidance),
                "control_strength": _keep_auto(
                    old.control_strength, _number(self.control_strength, 0.8), preset.get("control_strength", 0.8)
                ),
                "control_start": start,
                "control_end": max(start, _number(self.control_end, 1.0)),
                "shadow": bool(self.shadow),
                "reflection": bool(self.reflection),
            }
        )  # control_type etc. kept
        placement = recipe.placement.model_copy(
            update={
                "center_x": _number(self.center_x, 0.5),
                "floor_y": _number(self.floor_y, 0.0) or None,
                "scale": _number(self.scale, 0.0) or None,
                "rotation_deg": _number(self.rotation, 0.0),
            }
        )
        return Recipe.model_validate(
            {**recipe.model_dump(), "scene": scene.model_dump(), "placement": placement.model_dump()}
        )

    @classmethod
    def of(cls, recipe: Recipe, extras: dict[str, Any] | None = None) -> "SceneForm":
        s, p, extras = recipe.scene, recipe.placement, extras or {}
        preset = all_presets("scenes").get(s.preset, {})
        auto_steps, auto_guidance = cls.auto_sampler(s.preset)
        return cls(
            preset=s.preset,
            backdrop=s.backdrop,
            prompt=s.prompt,
            seed=s.seed,
            n_variants=int(extras.get("n_variants", 1)),
            center_x=p.center_x,
            floor_y=p.floor_y or 0.0,
            scale=p.scale or 0.0,
            rotation=p.rotation_deg,
            shadow=s.shadow,
            reflection=s.reflection,
            negative=s.negative_prompt,
            steps=s.steps if s.steps is not None else auto_steps,
            guidance=s.guidance if s.guidance is not None else auto_guidance,
            control_strength=(
                s.control_strength if s.control_strength is not None else preset.get("control_strength", 0.8)
            ),
            control_start=s.control_start,
            control_end=s.control_end,
            preview_platform=extras.get("preview_platform", "taobao_main"),
        )


@functools.cache
def _scene_form_for(profile: str) -> type[SceneForm]:
    return type(f"SceneForm_{profile or 'default'}", (SceneForm,), {"PROFILE": profile, "__doc__": SceneForm.__doc__})


@dataclass
class StyleForm(_Form):
    TAB: ClassVar[str] = "style"
    name_1: str = ""
    name_2: str = ""
    name_3: str = ""
    weight_1: float = 0.8
    weight_2: float = 0.8
    weight_3: float = 0.8

    def choices(self) -> list[StyleChoice]:
        names = (self.name_1, self.name_2, self.name_3)
        weights = (self.weight_1, self.weight_2, self.weight_3)
        return [StyleChoice(name=n, weight=_number(w, 0.8)) for n, w in zip(names, weights) if n]

    def apply(self, recipe: Recipe) -> Recipe:
        return Recipe.model_validate({**recipe.model_dump(), "styles": [s.model_dump() for s in self.choices()]})

    @classmethod
    def of(cls, recipe: Recipe, extras: dict[str, Any] | None = None) -> "StyleForm":
        styles = list(recipe.styles)[:MAX_STYLES]
        names = [s.name for s in styles] + [""] * (MAX_STYLES - len(styles))
        weights = [s.weight for s in styles] + [0.8] * (MAX_STYLES - len(styles))
        return cls(*names, *weights)


@dataclass
class CopyForm(_Form):
    TAB: ClassVar[str] = "copy"
    headline: str = ""
    subline: str = ""
    points: str = ""  # one selling point per line
    price: str = ""
    original_price: str = ""
    badge: str = ""
    cta: str = ""
    layout: str = "auto"
    font: str = "noto_sans_sc"
    preview_platform: str = "taobao_main"
    logo: str | None = None

    def extras(self) -> dict[str, Any]:
        return {"preview_platform": self.preview_platform}

    def apply(self, recipe: Recipe) -> Recipe:
        copy_text = recipe.copy_text.model_copy(
            update={
                "headline": self.headline or "",
                "subline": self.subline or "",
                "selling_points": [p.strip() for p in (self.points or "").splitlines() if p.strip()][:5],
                "price": self.price or "",
                "original_price": self.original_price or "",
                "badge": self.badge or "",
                "cta": self.cta or "",
                "layout": self.layout or "auto",
                "font": self.font or "noto_sans_sc",
                "logo": _logo_ref(self.logo),
            }
        )  # text colour, currency, accent, effect, vertical: kept as they are
        return Recipe.model_validate({**recipe.model_dump(), "copy_text": copy_text.model_dump()})

    @classmethod
    def of(cls, recipe: Recipe, extras: dict[str, Any] | None = None) -> "CopyForm":
        c, extras = recipe.copy_text, extras or {}
        return cls(
            c.headline,
            c.subline,
            "\n".join(c.selling_points),
            c.price,
            c.original_price,
            c.badge,
            c.cta,
            c.layout,
            c.font,
            extras.get("preview_platform", "taobao_main"),
            _logo_shown(c.logo),
        )


def _logo_ref(value: str | None) -> str:
    """The logo widget's file (this session's upload) as the recipe's content reference; a reference stays."""
    from studio.text.logo_store import is_logo_ref, logo_from_file

    if not value:
        return ""
    return value if is_logo_ref(value) else logo_from_file(value)


def _logo_shown(ref: str) -> str | None:
    from studio.text.logo_store import logo_file

    return logo_file(ref) if ref else None


@dataclass
class ExportForm(_Form):
    TAB: ClassVar[str] = "export"
    platforms: list[str] = field(default_factory=lambda: ["taobao_main"])
    n_variants: int = 2
    factor: str = "seed"
    values: str = ""
    sku: str = "poster"
    file_format: str = "auto"
    ai_label: bool = True
    scenes: list[str] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)
    headlines: str = ""
    layouts: list[str] = field(default_factory=list)
    grid_first: str = "scene"
    grid_second: str = "copy"
    # This export's Content Credentials and the AIGC label's ContentProducer (the shop): studio settings the
    # seller may change per export, not recipe fields (handlers.export_settings decides them once).
    c2pa: bool = False
    producer: str = ""

    def extras(self) -> dict[str, Any]:
        keep = (
            "n_variants",
            "factor",
            "values",
            "scenes",
            "styles",
            "headlines",
            "layouts",
            "grid_first",
            "grid_second",
            "c2pa",
            "producer",
        )
        return {k: v for k, v in asdict(self).items() if k in keep}

    def apply(self, recipe: Recipe) -> Recipe:
        """Raises StudioError-worthy ValidationError on a bad SKU or no platform (export says so)."""
        export = recipe.export.model_dump() | {
            "platforms": list(self.platforms or []),
            "sku": (self.sku or "poster").strip(),
            "file_format": self.file_format or "auto",
            "aigc_label": bool(self.ai_label),
        }
        return Recipe.model_validate({**recipe.model_dump(), "export": export})

    @classmethod
    def of(cls, recipe: Recipe, extras: dict[str, Any] | None = None) -> "ExportForm":
        e = recipe.export
        known = {f.name for f in fields(cls)}
        kept = {k: v for k, v in (extras or {}).items() if k in known}
        return cls(
            **{
                **kept,
                "platforms": list(e.platforms),
                "sku": e.sku,
                "file_format": e.file_format,
                "ai_label": e.aigc_label,
            }
        )


MAX_POINTS = 5  # CopyText.selling_points holds at most five
SPEC_SEPARATORS = ("：", ":", "|", "\t", "=")  # 材质：304不锈钢, Material: steel, 容量|500ml


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def parse_specs(text: str | None) -> list[dict[str, str]]:
    """One spec a line, its name and value split at the first ':' / '：' / '|' / tab / '='."""
    specs = []
    for line in _lines(text):
        cut = min((i for i in (line.find(sep) for sep in SPEC_SEPARATORS) if i > 0), default=-1)
        if cut < 0:
            raise ValueError(f"a spec is 'name: value' ({line[:12]}) / 参数请写成“名称：数值”（{line[:12]}）")
        specs.append({"key": line[:cut].strip(), "value": line[cut + 1 :].strip()})
    return specs


def parse_region(text: str | None) -> tuple[float, float, float, float] | None:
    """'x0, y0, x1, y1' in 0..1 of the product's box; empty = the most textured region (the core picks)."""
    parts = [p for p in (text or "").replace("，", ",").replace(" ", ",").split(",") if p]
    if not parts:
        return None
    try:
        x0, y0, x1, y1 = (float(p) for p in parts)
    except ValueError:
        raise ValueError(
            "the detail region is four numbers x0, y0, x1, y1 / 细节区域请填四个数：x0, y0, x1, y1"
        ) from None
    return (x0, y0, x1, y1)


def parse_sections(text: str | None) -> list[str]:
    return [s.strip() for s in (text or "").replace("，", ",").split(",") if s.strip()]


def _default_section_text() -> str:
    from studio.presets import ordered_ids

    return ",".join(ordered_ids("detail_sections"))


@dataclass
class ListingForm(_Form):
    """Tab ⑦: the seller's listing fields, entered once for every set slot and page section, and the page order.

    The selling points are `copy_text.selling_points` (the copy tab shows the same list); point_N's icon is
    icon_N ("" = a numbered pill). The logo is the copy tab's. `sections` is the page order, ids comma-separated.
    """

    TAB: ClassVar[str] = "listing"
    point_1: str = ""
    point_2: str = ""
    point_3: str = ""
    point_4: str = ""
    point_5: str = ""
    icon_1: str = ""
    icon_2: str = ""
    icon_3: str = ""
    icon_4: str = ""
    icon_5: str = ""
    specs: str = ""  # one "name: value" a line
    guarantees: str = ""  # one a line
    notes: str = ""  # one a line
    brand: str = ""
    brand_line: str = ""
    gallery: list[str] = field(default_factory=list)  # scene presets of the scene gallery; [] = automatic
    detail_region: str = ""  # "x0, y0, x1, y1"; "" = the most textured region
    sections: str = field(default_factory=_default_section_text)
    marketplaces: list[str] = field(default_factory=lambda: ["taobao_main"])  # for the set (UI only)
    page_marketplace: str = "taobao_main"  # for the detail page (UI only)

    def points(self) -> list[tuple[str, str]]:
        """(point, icon) for every filled row, in order: an empty row is skipped with its icon."""
        texts = (self.point_1, self.point_2, self.point_3, self.point_4, self.point_5)
        icons = (self.icon_1, self.icon_2, self.icon_3, self.icon_4, self.icon_5)
        return [((t or "").strip(), (i or "").strip()) for t, i in zip(texts, icons) if (t or "").strip()]

    def extras(self) -> dict[str, Any]:
        return {"marketplaces": list(self.marketplaces or []), "page_marketplace": self.page_marketplace}

    def apply(self, recipe: Recipe) -> Recipe:
        """Raises ValueError / ValidationError on a bad line (the tab's handlers say which, in the seller's words)."""
        pairs = self.points()
        icons = [icon for _p, icon in pairs]
        listing = recipe.listing.model_dump() | {
            "point_icons": icons if any(icons) else [],
            "specs": parse_specs(self.specs),
            "guarantees": _lines(self.guarantees),
            "notes": _lines(self.notes),
            "brand": (self.brand or "").strip(),
            "brand_line": (self.brand_line or "").strip(),
            "gallery": list(self.gallery or []),
            "detail_region": parse_region(self.detail_region),
            "sections": parse_sections(self.sections),
        }
        copy_text = recipe.copy_text.model_dump() | {"selling_points": [p for p, _i in pairs]}
        return Recipe.model_validate({**recipe.model_dump(), "copy_text": copy_text, "listing": listing})

    @classmethod
    def of(cls, recipe: Recipe, extras: dict[str, Any] | None = None) -> "ListingForm":
        lst, extras = recipe.listing, extras or {}
        points = list(recipe.copy_text.selling_points)[:MAX_POINTS]
        icons = list(lst.point_icons)[: len(points)]
        points += [""] * (MAX_POINTS - len(points))
        icons += [""] * (MAX_POINTS - len(icons))
        region = "" if lst.detail_region is None else ", ".join(f"{v:g}" for v in lst.detail_region)
        rows = {f"point_{n}": p for n, p in enumerate(points, 1)} | {f"icon_{n}": i for n, i in enumerate(icons, 1)}
        return cls(
            **rows,
            specs="\n".join(f"{s.key}: {s.value}" for s in lst.specs),
            guarantees="\n".join(lst.guarantees),
            notes="\n".join(lst.notes),
            brand=lst.brand,
            brand_line=lst.brand_line,
            gallery=list(lst.gallery),
            detail_region=region,
            sections=",".join(lst.sections),
            marketplaces=list(extras.get("marketplaces", ["taobao_main"])),
            page_marketplace=str(extras.get("page_marketplace", "taobao_main")),
        )


FORMS: tuple[type[_Form], ...] = (CutoutForm, SceneForm, StyleForm, CopyForm, ExportForm, ListingForm)


@dataclass
class BatchForm(_Form):
    """Tab ⑥: a catalogue and its photos. Not a recipe form: the rows carry the recipes (base: Recipe())."""

    TAB: ClassVar[str] = "batch"
    catalogue: Any = None  # the uploaded CSV/XLSX (a path, or Gradio's file object)
    photos_zip: Any = None  # the uploaded zip of photos
    photos_folder: str = ""  # a folder on this computer (local runs only)
    variants: float = 1

    def apply(self, recipe: Recipe) -> Recipe:
        return recipe


def sync_form(session: Any, form: _Form) -> bool:
    """Write what a tab shows into the session recipe (its fields only). False when a value is not valid yet
    (an empty platform list, a half-typed SKU): the recipe keeps its last valid value, the export says why."""
    with session._lock:
        session.ui[form.TAB] = {**session.ui.get(form.TAB, {}), **form.extras()}
        try:
            recipe = form.apply(session.recipe)
        except (ValidationError, ValueError, TypeError):
            return False
        if recipe != session.recipe:
            session.recipe = recipe
            session.changed()  # a running job's result no longer describes this recipe
        return True


def forms_of(session: Any) -> dict[str, _Form]:
    """Every tab's form, read back from the session (reopen, reload, get_recipe → set_recipe)."""
    return {f.TAB: f.of(session.recipe, session.ui.get(f.TAB)) for f in FORMS}  # type: ignore[attr-defined]
