"""One slot of the main-image set, rendered in memory (the set writes it; the UI previews it).

Kinds (presets/set_slots/*.json `kind`):
- poster: the hero, as `render_job` makes it; white: the marketplace's white-background slot;
- scene: the hero in another scene preset, headline and subline only;
- points / specs: the product on one side, a panel of icon cards or a table on the other;
- detail: a region of the seller's own photo, zoomed, with a title band.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from PIL import Image

from studio.errors import StudioError
from studio.layers import Cutout, PlacedProduct, Poster
from studio.listing.draw import ACCENT, Ink, draw_text, icon_disc, numbered_pill, plate
from studio.listing.market import Marketplace, resolve_marketplace
from studio.models import ModelManager
from studio.pipeline import PosterJob, SceneCache, placed_for, render_job
from studio.presets import Platform, all_presets, get_preset, ordered_ids, preset_ids
from studio.recipe import Box, Recipe
from studio.text.dropped import copy_lang
from studio.text.space import intersects

MARGIN = 0.05  # of the canvas's short side
SIDE_MAX = 0.46  # the product's width on a points/specs slot, at most, as a share of the canvas


@dataclass
class SlotImage:
    """One rendered slot: its poster (image, boxes, notes), the recipe that remakes it and its product pixels."""

    slot: str
    kind: str
    recipe: Recipe  # the set's recipe with variant "NN-slot", listing.slot and this platform
    platform: Platform
    poster: Poster
    ai_made: bool
    # Where the product's exact pixels are: an RGBA canvas-size image, transparent elsewhere (what fidelity
    # is judged against), and the box text must stay out of.
    product: Image.Image
    judge_copy: bool = False  # whether the seller's whole copy is on it (the hero): compliance checks copy_complete


def slot_recipe(recipe: Recipe, market: Marketplace, slot: str) -> Recipe:
    """The recipe that remakes one slot of the set: variant "NN-slot", this platform, listing.slot."""
    index = market.slot_ids().index(slot) + 1
    platform = market.platform_for(slot)
    return recipe.model_copy(
        update={
            "variant": f"{index:02d}-{slot}",
            "export": recipe.export.model_copy(update={"platforms": [platform.id]}),
            "listing": recipe.listing.model_copy(update={"slot": slot}),
            "outputs": [],
        }
    )


def scene_variant(recipe: Recipe) -> str:
    """Slot 4's scene: the seller's choice, else the first bundled scene of another category than the hero's."""
    if recipe.listing.scene_variant:
        get_preset("scenes", recipe.listing.scene_variant)
        return recipe.listing.scene_variant
    scenes = all_presets("scenes")
    hero = scenes.get(recipe.scene.preset, {})
    others = [sid for sid in preset_ids("scenes") if sid != recipe.scene.preset]
    unlike = [sid for sid in others if scenes[sid].get("category") != hero.get("category")]
    return (unlike or others)[0]


def check_slot_fields(recipe: Recipe, slots: list[str]) -> None:
    """Refuse, before any work, a set whose slots lack the seller's fields (one message naming them)."""
    from studio.listing.icons import check_icon

    presets = all_presets("set_slots")
    for icon in recipe.listing.point_icons:
        check_icon(icon)
    for slot in slots:
        if slot not in presets:
            raise StudioError(
                f"Unknown set slot '{slot}' / 未知的套图位。",
                hint=f"Choose from {', '.join(ordered_ids('set_slots'))}.",
            )
        preset = presets[slot]
        points = recipe.copy_text.selling_points
        if preset["kind"] == "points" and len(points) < int(preset.get("min_points", 3)):
            raise StudioError(
                f"The selling-points image needs at least {preset.get('min_points', 3)} selling points "
                f"(it has {len(points)}) / 卖点图至少需要 {preset.get('min_points', 3)} 条卖点。",
                hint="Add them under copy_text.selling_points.",
            )
        if preset["kind"] == "specs" and not recipe.listing.specs:
            raise StudioError(
                "The specs image needs at least one spec (listing.specs) / 参数图至少需要一条产品参数。",
                hint='e.g. {"key": "容量", "value": "500ml"}',
            )


def render_set_slot(
    models: ModelManager,
    cutout: Cutout,
    recipe: Recipe,
    marketplace: str | Marketplace,
    slot: str,
    *,
    cache: SceneCache | None = None,
) -> SlotImage:
    """One slot of the set for one marketplace (slot ids: `list_set_slots(marketplace)`)."""
    market = marketplace if isinstance(marketplace, Marketplace) else resolve_marketplace(marketplace)
    if slot not in market.slot_ids():
        raise StudioError(
            f"{market.id} has no set slot '{slot}' / 该平台没有这个套图位。",
            hint=f"Choose from {', '.join(market.slot_ids())}.",
        )
    check_slot_fields(recipe, [slot])
    cache = cache if cache is not None else SceneCache()
    mine = slot_recipe(recipe, market, slot)
    platform = market.platform_for(slot)
    kind = get_preset("set_slots", slot)["kind"]
    preset = get_preset("set_slots", slot)
    if kind in ("poster", "white"):
        return _poster_slot(models, cutout, mine, platform, cache, slot, kind, judge_copy=kind == "poster")
    if kind == "scene":
        words = mine.copy_text.without_words().model_copy(
            update={"headline": mine.copy_text.headline, "subline": mine.copy_text.subline}
        )
        drawn = mine.model_copy(
            update={"scene": mine.scene.model_copy(update={"preset": scene_variant(mine)}), "copy_text": words}
        )
        made = _poster_slot(models, cutout, drawn, platform, cache, slot, kind, judge_copy=False)
        return replace(made, recipe=mine)
    if kind == "detail":
        return _detail_slot(cutout, mine, platform, preset, slot)
    return _panel_slot(models, cutout, mine, platform, cache, preset, slot, kind)


def _job(recipe: Recipe, platform: Platform, models: ModelManager) -> PosterJob:
    return PosterJob(
        recipe=recipe,
        platform=platform,
        ai_made=recipe.is_ai_made(white_background=platform.white_background, profile=models.profile),
    )


def _placed_as(cutout: Cutout, recipe: Recipe, platform: Platform, box: Box, cache: SceneCache) -> PlacedProduct:
    """The placed product whose box the poster reports (render_job may have shrunk it to fit the copy)."""
    from studio.pipeline import SHRINK_TO_FIT, _scaled_product

    placed = placed_for(cutout, recipe, platform, cache)
    for factor in SHRINK_TO_FIT:
        if tuple(placed.box) == tuple(box):
            break
        placed = placed_for(cutout, _scaled_product(cutout, recipe, platform, factor), platform, cache)
    return placed


def _poster_slot(
    models: ModelManager,
    cutout: Cutout,
    recipe: Recipe,
    platform: Platform,
    cache: SceneCache,
    slot: str,
    kind: str,
    *,
    judge_copy: bool,
) -> SlotImage:
    job = _job(recipe, platform, models)
    poster = render_job(models, cutout, job, cache=cache)
    placed = _placed_as(cutout, recipe, platform, poster.product_box, cache)
    return SlotImage(slot, kind, recipe, platform, poster, job.ai_made, placed.rgba, judge_copy=judge_copy)


def _side_recipe(cutout: Cutout, recipe: Recipe, platform: Platform, side: str, scale: float) -> Recipe:
    """The recipe with the product on one side, no narrower panel beside it than the canvas allows."""
    from studio.pipeline import resolve_placement

    centre = 0.72 if side == "right" else 0.28
    for _ in range(4):
        trial = recipe.model_copy(
            update={
                "placement": recipe.placement.model_copy(
                    update={"center_x": centre, "scale": scale, "rotation_deg": 0.0}
                ),
                "copy_text": recipe.copy_text.without_words(),
                "export": recipe.export.model_copy(update={"aigc_label": False}),  # drawn last, clear of the panel
            }
        )
        placement = resolve_placement(cutout, trial, platform)
        from studio.scene.placement import product_rect

        rect, _ = product_rect(cutout.box, placement, platform.size)
        if rect[2] - rect[0] <= SIDE_MAX * platform.width:
            return trial
        scale *= SIDE_MAX * platform.width / (rect[2] - rect[0])
    return trial


def _panel_slot(
    models: ModelManager,
    cutout: Cutout,
    recipe: Recipe,
    platform: Platform,
    cache: SceneCache,
    preset: dict,
    slot: str,
    kind: str,
) -> SlotImage:
    side = preset.get("product_side", "right")
    drawn = _side_recipe(cutout, recipe, platform, side, float(preset.get("product_scale", 0.55)))
    job = _job(drawn, platform, models)
    base = render_job(models, cutout, job, cache=cache)
    placed = placed_for(cutout, drawn, platform, cache)
    image = base.image.copy()
    width, height = platform.size
    margin = round(MARGIN * min(platform.size))
    px0, _py0, px1, _py1 = placed.box
    panel = (
        (margin, margin, px0 - margin // 2, height - margin)
        if side == "right"
        else (px1 + margin // 2, margin, width - margin, height - margin)
    )
    lang = copy_lang(recipe.copy_text)
    colour = Ink.on(preset.get("panel", "#ffffff")).ground
    pad = margin // 2
    short = min(platform.size)
    title_h = round(0.11 * short)
    # The panel as tall as its content, centred on the product's height: no empty card below the rows.
    count = len(recipe.copy_text.selling_points[: int(preset.get("max_points", 5))]) if kind == "points" else len(
        recipe.listing.specs[: int(preset.get("max_rows", 8))]
    )  # fmt: skip
    content = title_h + pad + count * round((0.16 if kind == "points" else 0.095) * short)
    wanted = min(panel[3] - panel[1], content + 2 * pad)
    centre = (placed.box[1] + placed.box[3]) // 2
    top_y = min(max(margin, centre - wanted // 2), height - margin - wanted)
    panel = (panel[0], top_y, panel[2], top_y + wanted)
    plate(image, panel, colour, alpha=float(preset.get("panel_alpha", 0.9)), radius=margin // 2)
    ink = Ink.on(colour)
    boxes: dict[str, Box] = {}
    sizes: dict[str, int] = {}
    x0, y0, x1, y1 = panel[0] + pad, panel[1] + pad, panel[2] - pad, panel[3] - pad
    title = preset.get("title", {}).get(lang, "")
    boxes["title"], sizes["title"] = draw_text(
        image, title, (x0, y0, x1, y0 + title_h), font=recipe.copy_text.font, ink=ink.text,
        start_px=round(0.07 * short), min_px=round(0.05 * short), weight=700,
    )  # fmt: skip
    top = y0 + title_h + pad
    if kind == "points":
        _point_cards(image, recipe, (x0, top, x1, y1), short, ink, boxes, sizes, int(preset.get("max_points", 5)))
    else:
        _spec_rows(image, recipe, (x0, top, x1, y1), short, ink, boxes, sizes, int(preset.get("max_rows", 8)))
    text_boxes = dict(boxes)
    if recipe.export.aigc_label and job.ai_made:
        from studio.export.labels import add_visible_label

        image, label = add_visible_label(image, avoid=[placed.box, panel])
        text_boxes["aigc_label"] = label
    if any(intersects(b, placed.box) for b in text_boxes.values()):
        raise StudioError(f"The {slot} slot's text would cover the product.", hint="Make the product smaller.")
    poster = replace(base, image=image, text_boxes=text_boxes, text_px=sizes, product_box=placed.box)
    return SlotImage(slot, kind, recipe, platform, poster, job.ai_made, placed.rgba)


def _point_cards(image, recipe: Recipe, area: Box, short: int, ink: Ink, boxes: dict, sizes: dict, most: int) -> None:
    points = recipe.copy_text.selling_points[:most]
    x0, y0, x1, y1 = area
    row = min(round(0.16 * short), (y1 - y0) // max(1, len(points)))
    disc = round(row * 0.62)
    for i, point in enumerate(points):
        top = y0 + i * row
        centre = (x0 + disc // 2, top + row // 2)
        icon = recipe.listing.point_icons[i] if i < len(recipe.listing.point_icons) else ""
        if icon:
            icon_disc(image, icon, centre, disc, ACCENT)
        else:
            numbered_pill(image, i + 1, centre, disc, ACCENT)
        name = f"point_{i + 1}"
        boxes[name], sizes[name] = draw_text(
            image, point, (x0 + disc + disc // 3, top, x1, top + row), font=recipe.copy_text.font, ink=ink.text,
            start_px=round(0.05 * short), min_px=round(0.032 * short), weight=600,
        )  # fmt: skip


def _spec_rows(image, recipe: Recipe, area: Box, short: int, ink: Ink, boxes: dict, sizes: dict, most: int) -> None:
    from PIL import ImageDraw

    rows = recipe.listing.specs[:most]
    x0, y0, x1, y1 = area
    row = min(round(0.095 * short), (y1 - y0) // max(1, len(rows)))
    split = x0 + round((x1 - x0) * 0.38)
    draw = ImageDraw.Draw(image)
    for i, spec in enumerate(rows):
        top = y0 + i * row
        if i % 2 == 0:
            draw.rectangle((x0, top, x1, top + row), fill=tuple(max(0, c - 12) for c in ink.ground))
        draw.line((x0, top + row, x1, top + row), fill=tuple(max(0, c - 40) for c in ink.ground), width=1)
        pad = max(4, row // 6)
        key, value = f"spec_key_{i + 1}", f"spec_{i + 1}"
        boxes[key], sizes[key] = draw_text(
            image, spec.key, (x0 + pad, top, split - pad, top + row), font=recipe.copy_text.font,
            ink=(110, 114, 120) if sum(ink.text) < 300 else ink.text, start_px=round(0.038 * short),
            min_px=round(0.028 * short), weight=500,
        )  # fmt: skip
        boxes[value], sizes[value] = draw_text(
            image, spec.value, (split + pad, top, x1 - pad, top + row), font=recipe.copy_text.font, ink=ink.text,
            start_px=round(0.04 * short), min_px=round(0.028 * short), weight=600,
        )  # fmt: skip


def _detail_slot(cutout: Cutout, recipe: Recipe, platform: Platform, preset: dict, slot: str) -> SlotImage:
    from studio.listing.crops import closeup, fit_aspect, region_box, textured_windows

    width, height = platform.size
    band = round(float(preset.get("band", 0.16)) * height)
    area = (0, 0, width, height - band)
    aspect = width / (height - band)
    if recipe.listing.detail_region is not None:
        box = fit_aspect(region_box(cutout, recipe.listing.detail_region), aspect, cutout.rgba.size)
    else:
        box = textured_windows(cutout, aspect, float(preset.get("window", 0.42)), int(preset.get("min_photo_px", 220)))[
            0
        ]
    zoomed, zoom = closeup(cutout, box, (width, height - band))
    image = Image.new("RGB", platform.size, (255, 255, 255))
    image.paste(zoomed, (0, 0))
    lang = copy_lang(recipe.copy_text)
    short = min(platform.size)
    margin = round(MARGIN * short)
    ink = Ink.on((255, 255, 255))
    title = preset.get("title", {}).get(lang, "")
    boxes: dict[str, Box] = {}
    sizes: dict[str, int] = {}
    boxes["title"], sizes["title"] = draw_text(
        image, title, (margin, height - band, width - margin, height), font=recipe.copy_text.font, ink=ink.text,
        start_px=round(0.065 * short), min_px=round(0.045 * short), weight=700, align="center",
    )  # fmt: skip
    product = Image.new("RGBA", platform.size, (0, 0, 0, 0))
    product.paste(zoomed.convert("RGBA"), (0, 0))
    poster = Poster(
        image=image, platform=platform.id, product_box=area, text_boxes=boxes, text_px=sizes,
        upscale=round(zoom, 2),
    )  # fmt: skip
    return SlotImage(slot, "detail", recipe, platform, poster, False, product)
