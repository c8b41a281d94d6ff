"""The detail page's sections, each drawn at the page width (presets/detail_sections/*.json).

A section is an image the page's width wide and as tall as its content, with the boxes of its
title, its text and its product pixels (so the page can check them and slice between sections).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from PIL import Image, ImageDraw

from studio.errors import StudioError
from studio.layers import Cutout
from studio.listing.draw import ACCENT, Ink, draw_text, icon_disc, numbered_pill, plate
from studio.models import ModelManager
from studio.pipeline import PosterJob, SceneCache, render_job
from studio.presets import Platform, all_presets, get_preset
from studio.recipe import Box, Recipe
from studio.text.dropped import copy_lang

PAD = 0.06  # of the page width: the section's side and top padding


@dataclass
class SectionImage:
    id: str
    image: Image.Image  # RGB, page width × section height
    title: str  # what the section's heading says ("" when it has none)
    title_box: Box | None
    text_boxes: dict[str, Box] = field(default_factory=dict)
    text_px: dict[str, int] = field(default_factory=dict)
    product_boxes: list[Box] = field(default_factory=list)
    product: Image.Image | None = None  # RGBA, the section's size: the product's exact pixels, transparent elsewhere
    ai_made: bool = False
    notes: list[str] = field(default_factory=list)


def check_section_fields(recipe: Recipe, sections: list[str]) -> None:
    """Refuse, before any work, a page whose sections lack the seller's fields (one clear message)."""
    from studio.listing.icons import check_icon

    known = all_presets("detail_sections")
    needs = {
        "points": (recipe.copy_text.selling_points, "copy_text.selling_points", "卖点"),
        "specs": (recipe.listing.specs, "listing.specs", "产品参数"),
        "notes": (recipe.listing.notes, "listing.notes", "尺寸与使用说明"),
        "guarantee": (recipe.listing.guarantees, "listing.guarantees", "售后保障"),
        "brand": (recipe.listing.brand, "listing.brand", "品牌名"),
    }
    for sid in sections:
        if sid not in known:
            raise StudioError(
                f"Unknown detail-page section '{sid}' / 未知的详情页模块。", hint=f"Choose from {', '.join(known)}."
            )
        if sid in needs and not needs[sid][0]:
            _value, where, zh = needs[sid]
            raise StudioError(
                f"The {sid} section needs {where} / “{get_preset('detail_sections', sid)['name']['zh']}”模块需要填写{zh}。",
                hint="Fill it in, or leave the section out.",
            )
    for icon in recipe.listing.point_icons:
        check_icon(icon)
    for scene in recipe.listing.gallery:
        get_preset("scenes", scene)


def canvas_platform(page: Platform, size: tuple[int, int]) -> Platform:
    """A canvas of the page's family at one section's size (for render_job's scenes and products)."""
    return replace(page, width=size[0], height=size[1], rules=(), slice_height=0)


def gallery_scenes(recipe: Recipe, count: int) -> list[str]:
    """The gallery's scenes: the seller's, else the hero's scene and the next unlike it."""
    from studio.listing.slots import scene_variant

    if recipe.listing.gallery:
        return list(recipe.listing.gallery)
    chosen = [recipe.scene.preset, scene_variant(recipe)]
    scenes = [s for s in all_presets("scenes") if s not in chosen]
    return (chosen + scenes)[:count]


def _heading(image: Image.Image, preset: dict, recipe: Recipe, top: int, ink: Ink) -> tuple[str, Box, int, int]:
    """The section's title, centred, with an accent bar under it; (title, its box, px, bottom y)."""
    width = image.width
    title = preset.get("title", {}).get(copy_lang(recipe.copy_text), "")
    box, px = draw_text(
        image, title, (round(PAD * width), top, width - round(PAD * width), top + round(0.1 * width)),
        font=recipe.copy_text.font, ink=ink.text, start_px=round(0.058 * width), min_px=round(0.045 * width),
        weight=700, align="center",
    )  # fmt: skip
    bar_w, bar_y = round(0.08 * width), box[3] + round(0.018 * width)
    ImageDraw.Draw(image).rounded_rectangle(
        (width // 2 - bar_w // 2, bar_y, width // 2 + bar_w // 2, bar_y + max(3, width // 160)), radius=3, fill=ACCENT
    )
    return title, box, px, bar_y + round(0.05 * width)


def _blank(width: int, height: int, preset: dict) -> Image.Image:
    return Image.new("RGB", (width, height), Ink.on(preset.get("background", "#ffffff")).ground)


def render_section(
    models: ModelManager, cutout: Cutout, recipe: Recipe, sid: str, page: Platform, cache: SceneCache
) -> SectionImage:
    """One section at the page's width."""
    preset = get_preset("detail_sections", sid)
    draw = {
        "hero": _hero, "points": _points, "scenes": _scenes, "closeups": _closeups, "specs": _specs,
        "notes": _notes, "guarantee": _guarantee, "brand": _brand,
    }[sid]  # fmt: skip
    return draw(models, cutout, recipe, preset, page, cache)


def _poster_at(models: ModelManager, cutout: Cutout, recipe: Recipe, platform: Platform, cache: SceneCache):
    job = PosterJob(recipe=recipe, platform=platform, ai_made=recipe.is_ai_made(profile=models.profile))
    poster = render_job(models, cutout, job, cache=cache)
    from studio.listing.slots import _placed_as

    placed = _placed_as(cutout, recipe, platform, poster.product_box, cache)
    return poster, placed, job.ai_made


def _hero(models, cutout, recipe: Recipe, preset: dict, page: Platform, cache: SceneCache) -> SectionImage:
    width = page.width
    size = (width, round(width * float(preset.get("aspect", 1.25))))
    copy = recipe.copy_text.model_copy(update={"selling_points": []})  # the points have their own section
    poster, placed, ai = _poster_at(
        models, cutout, recipe.model_copy(update={"copy_text": copy}), canvas_platform(page, size), cache
    )
    title_box = poster.text_boxes.get("headline")
    return SectionImage(
        "hero", poster.image, recipe.copy_text.headline if title_box else "", title_box,
        text_boxes=dict(poster.text_boxes), text_px=dict(poster.text_px or {}), product_boxes=[poster.product_box],
        product=placed.rgba, ai_made=ai, notes=list(poster.warnings),
    )  # fmt: skip


def _points(models, cutout, recipe: Recipe, preset: dict, page: Platform, cache: SceneCache) -> SectionImage:
    width = page.width
    points = recipe.copy_text.selling_points
    columns = int(preset.get("columns", 2))
    pad = round(PAD * width)
    gap = round(0.03 * width)
    card_w = (width - 2 * pad - (columns - 1) * gap) // columns
    card_h = round(card_w * 0.62)
    rows = -(-len(points) // columns)
    head = round(0.2 * width)
    image = _blank(width, head + rows * (card_h + gap) + pad, preset)
    ink = Ink.on(image.getpixel((0, 0)))  # type: ignore[arg-type]
    title, tbox, tpx, top = _heading(image, preset, recipe, pad, ink)
    boxes, sizes = {"title": tbox}, {"title": tpx}
    card = Ink.on((255, 255, 255))
    for i, point in enumerate(points):
        r, c = divmod(i, columns)
        x0 = pad + c * (card_w + gap)
        y0 = top + r * (card_h + gap)
        plate(image, (x0, y0, x0 + card_w, y0 + card_h), card.ground, radius=gap // 2)
        disc = round(card_h * 0.38)
        centre = (x0 + card_w // 2, y0 + round(card_h * 0.3))
        icon = recipe.listing.point_icons[i] if i < len(recipe.listing.point_icons) else ""
        if icon:
            icon_disc(image, icon, centre, disc)
        else:
            numbered_pill(image, i + 1, centre, disc)
        name = f"point_{i + 1}"
        boxes[name], sizes[name] = draw_text(
            image, point, (x0 + gap // 2, y0 + round(card_h * 0.55), x0 + card_w - gap // 2, y0 + card_h - gap // 3),
            font=recipe.copy_text.font, ink=card.text, start_px=round(0.042 * width), min_px=round(0.03 * width),
            weight=600, align="center",
        )  # fmt: skip
    return SectionImage("points", image, title, tbox, text_boxes=boxes, text_px=sizes)


def _scenes(models, cutout, recipe: Recipe, preset: dict, page: Platform, cache: SceneCache) -> SectionImage:
    width = page.width
    pad = round(PAD * width)
    scenes = gallery_scenes(recipe, int(preset.get("count", 2)))
    shot = (width - 2 * pad, round((width - 2 * pad) * 0.75))
    head = round(0.2 * width)
    image = _blank(width, head + len(scenes) * (shot[1] + pad) + pad // 2, preset)
    product = Image.new("RGBA", image.size, (0, 0, 0, 0))
    ink = Ink.on(image.getpixel((0, 0)))  # type: ignore[arg-type]
    title, tbox, tpx, top = _heading(image, preset, recipe, pad, ink)
    boxes, sizes = {"title": tbox}, {"title": tpx}
    products: list[Box] = []
    ai_any = False
    notes: list[str] = []
    for i, scene in enumerate(scenes):
        drawn = recipe.model_copy(
            update={
                "scene": recipe.scene.model_copy(update={"preset": scene}),
                "copy_text": recipe.copy_text.without_words(),
            }
        )
        poster, placed, ai = _poster_at(models, cutout, drawn, canvas_platform(page, shot), cache)
        y = top + i * (shot[1] + pad)
        image.paste(poster.image, (pad, y))
        product.paste(placed.rgba, (pad, y))
        b = poster.product_box
        products.append((b[0] + pad, b[1] + y, b[2] + pad, b[3] + y))
        if "aigc_label" in poster.text_boxes:
            lb = poster.text_boxes["aigc_label"]
            boxes[f"aigc_label_{i + 1}"] = (lb[0] + pad, lb[1] + y, lb[2] + pad, lb[3] + y)
        ai_any = ai_any or ai
        notes.extend(poster.warnings)
    return SectionImage(
        "scenes", image, title, tbox, text_boxes=boxes, text_px=sizes, product_boxes=products, product=product,
        ai_made=ai_any, notes=notes,
    )  # fmt: skip


def _closeups(models, cutout, recipe: Recipe, preset: dict, page: Platform, cache: SceneCache) -> SectionImage:
    from studio.listing.crops import closeup, fit_aspect, region_box, textured_windows

    width = page.width
    pad = round(PAD * width)
    count = int(preset.get("count", 2))
    gap = round(0.03 * width)
    side = (width - 2 * pad - (count - 1) * gap) // count
    windows = textured_windows(cutout, 1.0, 0.42, 180, count=count)
    if recipe.listing.detail_region is not None:
        windows = [fit_aspect(region_box(cutout, recipe.listing.detail_region), 1.0, cutout.rgba.size), *windows][
            :count
        ]
    head = round(0.2 * width)
    image = _blank(width, head + side + pad, preset)
    product = Image.new("RGBA", image.size, (0, 0, 0, 0))
    ink = Ink.on(image.getpixel((0, 0)))  # type: ignore[arg-type]
    title, tbox, tpx, top = _heading(image, preset, recipe, pad, ink)
    boxes: list[Box] = []
    for i, window in enumerate(windows):
        zoomed, _zoom = closeup(cutout, window, (side, side))
        x = pad + i * (side + gap)
        image.paste(zoomed, (x, top))
        product.paste(zoomed.convert("RGBA"), (x, top))
        boxes.append((x, top, x + side, top + side))
    return SectionImage(
        "closeups", image, title, tbox, text_boxes={"title": tbox}, text_px={"title": tpx}, product_boxes=boxes,
        product=product,
    )  # fmt: skip


def _specs(models, cutout, recipe: Recipe, preset: dict, page: Platform, cache: SceneCache) -> SectionImage:
    from studio.recipe import Placement
    from studio.scene.placement import place_product

    width = page.width
    pad = round(PAD * width)
    rows = recipe.listing.specs
    row_h = round(0.085 * width)
    shot_h = round(0.5 * width)
    head = round(0.2 * width)
    image = _blank(width, head + shot_h + pad + len(rows) * row_h + pad, preset)
    ink = Ink.on(image.getpixel((0, 0)))  # type: ignore[arg-type]
    title, tbox, tpx, top = _heading(image, preset, recipe, pad, ink)
    shot = (width - 2 * pad, shot_h)
    placed = place_product(cutout, Placement(center_x=0.5, floor_y=0.95, scale=0.9), shot)
    product = Image.new("RGBA", image.size, (0, 0, 0, 0))
    product.paste(placed.rgba, (pad, top))
    image.paste(placed.rgba, (pad, top), placed.rgba)
    b = placed.box
    boxes, sizes = {"title": tbox}, {"title": tpx}
    draw = ImageDraw.Draw(image)
    y = top + shot_h + pad // 2
    split = pad + round((width - 2 * pad) * 0.34)
    for i, spec in enumerate(rows):
        fill = tuple(max(0, c - 10) for c in ink.ground) if i % 2 == 0 else ink.ground
        draw.rectangle((pad, y, width - pad, y + row_h), fill=fill)
        boxes[f"spec_key_{i + 1}"], sizes[f"spec_key_{i + 1}"] = draw_text(
            image, spec.key, (pad + pad // 2, y, split, y + row_h), font=recipe.copy_text.font, ink=(96, 100, 108),
            start_px=round(0.036 * width), min_px=round(0.028 * width),
        )  # fmt: skip
        boxes[f"spec_{i + 1}"], sizes[f"spec_{i + 1}"] = draw_text(
            image, spec.value, (split, y, width - pad - pad // 2, y + row_h), font=recipe.copy_text.font, ink=ink.text,
            start_px=round(0.038 * width), min_px=round(0.028 * width), weight=600,
        )  # fmt: skip
        y += row_h
    return SectionImage(
        "specs", image, title, tbox, text_boxes=boxes, text_px=sizes,
        product_boxes=[(b[0] + pad, b[1] + top, b[2] + pad, b[3] + top)], product=product,
    )  # fmt: skip


def _notes(models, cutout, recipe: Recipe, preset: dict, page: Platform, cache: SceneCache) -> SectionImage:
    width = page.width
    pad = round(PAD * width)
    lines = recipe.listing.notes
    row_h = round(0.1 * width)
    head = round(0.2 * width)
    image = _blank(width, head + len(lines) * row_h + pad, preset)
    ink = Ink.on(image.getpixel((0, 0)))  # type: ignore[arg-type]
    title, tbox, tpx, top = _heading(image, preset, recipe, pad, ink)
    boxes, sizes = {"title": tbox}, {"title": tpx}
    disc = round(row_h * 0.5)
    for i, line in enumerate(lines):
        y = top + i * row_h
        numbered_pill(image, i + 1, (pad + disc // 2, y + row_h // 2), disc)
        boxes[f"note_{i + 1}"], sizes[f"note_{i + 1}"] = draw_text(
            image, line, (pad + disc + pad // 2, y, width - pad, y + row_h), font=recipe.copy_text.font, ink=ink.text,
            start_px=round(0.036 * width), min_px=round(0.028 * width),
        )  # fmt: skip
    return SectionImage("notes", image, title, tbox, text_boxes=boxes, text_px=sizes)


def guarantee_icon(line: str, preset: dict) -> str:
    """The icon for one guarantee line: the first keyword group (preset `icons`) the line mentions."""
    text = line.lower()
    for group in preset.get("icons", []):
        if any(word in text for word in group["words"]):
            return str(group["icon"])
    return str(preset.get("default_icon", "check"))


def _guarantee(models, cutout, recipe: Recipe, preset: dict, page: Platform, cache: SceneCache) -> SectionImage:
    width = page.width
    pad = round(PAD * width)
    lines = recipe.listing.guarantees
    head = round(0.2 * width)
    cell = (width - 2 * pad) // len(lines)
    badge_h = round(0.2 * width)
    image = _blank(width, head + badge_h + pad, preset)
    ink = Ink.on(image.getpixel((0, 0)))  # type: ignore[arg-type]
    title, tbox, tpx, top = _heading(image, preset, recipe, pad, ink)
    boxes, sizes = {"title": tbox}, {"title": tpx}
    disc = round(badge_h * 0.42)
    for i, line in enumerate(lines):
        x0 = pad + i * cell
        icon_disc(image, guarantee_icon(line, preset), (x0 + cell // 2, top + disc // 2), disc)
        boxes[f"guarantee_{i + 1}"], sizes[f"guarantee_{i + 1}"] = draw_text(
            image, line, (x0 + 4, top + disc + pad // 4, x0 + cell - 4, top + badge_h), font=recipe.copy_text.font,
            ink=ink.text, start_px=round(0.034 * width), min_px=round(0.026 * width), weight=600, align="center",
            valign="top",
        )  # fmt: skip
    return SectionImage("guarantee", image, title, tbox, text_boxes=boxes, text_px=sizes)


def _brand(models, cutout, recipe: Recipe, preset: dict, page: Platform, cache: SceneCache) -> SectionImage:
    from studio.text.logo import fit_logo, load_logo

    width = page.width
    pad = round(PAD * width)
    image = _blank(width, round(0.36 * width), preset)
    ink = Ink.on(image.getpixel((0, 0)))  # type: ignore[arg-type]
    notes: list[str] = []
    top = pad
    boxes: dict[str, Box] = {}
    if recipe.copy_text.logo:
        logo, warning = load_logo(recipe.copy_text.logo)
        if logo is not None:
            logo = fit_logo(logo, width, 0.1)
            image.paste(logo, ((width - logo.width) // 2, top), logo)
            boxes["logo"] = ((width - logo.width) // 2, top, (width + logo.width) // 2, top + logo.height)
            top += logo.height + pad // 3
        elif warning:
            notes.append(warning)
    rest = image.height - top - pad
    name_box, name_px = draw_text(
        image, recipe.listing.brand, (pad, top, width - pad, top + round(rest * 0.6)), font=recipe.copy_text.font,
        ink=ink.text, start_px=round(0.07 * width), min_px=round(0.045 * width), weight=700, align="center",
    )  # fmt: skip
    boxes["title"] = name_box
    sizes = {"title": name_px}
    if recipe.listing.brand_line:
        boxes["brand_line"], sizes["brand_line"] = draw_text(
            image, recipe.listing.brand_line, (pad, name_box[3] + pad // 4, width - pad, image.height - pad // 2),
            font=recipe.copy_text.font, ink=ink.text, start_px=round(0.034 * width), min_px=round(0.026 * width),
            align="center", valign="top",
        )  # fmt: skip
    return SectionImage("brand", image, recipe.listing.brand, name_box, text_boxes=boxes, text_px=sizes, notes=notes)
