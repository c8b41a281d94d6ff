"""`python -m studio`: the headless twin of the app. Argument parsing only; the work
is done by the same core functions the UI calls (studio.pipeline and friends).

A seller's mistake prints one line on stderr and exits 2; an unexpected failure
prints one line and exits 1 (STUDIO_DEBUG=1 shows the traceback).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Sequence

from studio.errors import StudioError
from studio.settings import DTYPES, PROFILES

BATCH_COLUMNS_HELP = """\
catalogue columns (one row per SKU; empty cells take the --recipe's values):
  sku, photo                  the product code and its photo (a path inside --photos)
  headline, subline, price, original_price, badge, cta, selling_points (a;b;c),
  scene, layout, styles (name:weight;…), platforms (a;b), variants, seed, …
                              the poster's recipe fields, as `poster` takes them
  set                         marketplaces whose main-image set (套图) the SKU also gets: taobao;jd
  detail_page                 the detail page (详情页): sections in order (hero,points,specs,guarantee)
                              or yes for the recipe's; made for detail_platform, else the first
                              set marketplace, else taobao
  point_icons, specs (容量=500ml;材质=PET), guarantees (a;b), usage_notes (a;b), brand, brand_line,
  scene_variant, gallery (scene;scene), detail_region (x0,y0,x1,y1)
                              the set's and the page's seller fields (recipe.listing)
A set lands in DIR/<sku>/set_<marketplace>/, a page in DIR/<sku>/detail_page_<marketplace>/,
each with its own manifest.csv and posters.zip.
"""


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m studio",
        description="Poster Studio, headless: cut out products and make platform-exact posters.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    cut = sub.add_parser("cutout", help="remove the background of one or more photos")
    cut.add_argument("images", nargs="+", metavar="IMAGE")
    cut.add_argument("--out", required=True, type=Path, metavar="DIR")
    cut.add_argument("--model", default=None, help="background-removal model (default u2netp)")
    cut.add_argument("--zip", action="store_true", help="also write DIR/cutouts.zip")
    _add_cutout_flags(cut)

    poster = sub.add_parser("poster", help="make posters for one product")
    poster.add_argument("--product", required=True, metavar="IMAGE", help="the product photo")
    poster.add_argument(
        "--recipe", type=Path, metavar="FILE", help="start from a saved recipe (.json) or a poster made here"
    )
    poster.add_argument("--scene", metavar="PRESET", help="scene preset id (see `presets`)")
    poster.add_argument("--backdrop", choices=["auto", "procedural", "generated"])
    poster.add_argument("--prompt", help="your own words for the scene")
    poster.add_argument("--negative-prompt")
    poster.add_argument("--lora", action="append", default=None, metavar="NAME[:WEIGHT]", help="a style; repeat to mix")
    poster.add_argument("--headline")
    poster.add_argument("--subline")
    poster.add_argument("--point", action="append", default=None, metavar="TEXT", help="a selling point; repeat")
    poster.add_argument("--price")
    poster.add_argument("--original-price")
    poster.add_argument("--badge")
    poster.add_argument("--cta", help="call to action, e.g. 立即抢购")
    poster.add_argument("--layout", help="layout preset id or auto")
    poster.add_argument("--font", help="font id or path")
    poster.add_argument("--logo", metavar="IMAGE", help="your logo (PNG with transparency), set in a free corner")
    poster.add_argument("--currency", choices=["¥", "$"])
    poster.add_argument("--accent-color", metavar="#RRGGBB", help="price, badge and button colour")
    poster.add_argument("--text-effect", choices=["auto", "none", "shadow", "stroke", "gradient"])
    poster.add_argument("--vertical", action="store_true", default=None, help="set the headline top to bottom")
    poster.add_argument("--platform", action="append", default=None, metavar="NAME", help="repeat for several")
    poster.add_argument("--variants", type=int, default=1, metavar="N", help="number of A/B variants (seeds)")
    poster.add_argument("--seed", type=int)
    poster.add_argument("--steps", type=int)
    poster.add_argument("--sku", help="product code used in file names")
    poster.add_argument("--format", choices=["auto", "jpeg", "png", "webp"])
    poster.add_argument("--no-ai-label", action="store_true", help="leave the visible AI生成 mark off")
    poster.add_argument("--producer", metavar="SHOP", help="your shop name or ID for the AI label's ContentProducer")
    poster.add_argument("--propagator", metavar="SHOP", help="who publishes the files (AI label's ContentPropagator)")
    poster.add_argument(
        "--c2pa", action="store_true", default=None, help="sign each file with Content Credentials (needs c2pa-python)"
    )
    poster.add_argument("--c2pa-cert", type=Path, metavar="PEM", help="your certificate chain (default: self-signed)")
    poster.add_argument("--c2pa-key", type=Path, metavar="PEM", help="the certificate's private key")
    poster.add_argument("--out", required=True, type=Path, metavar="DIR")
    _add_model_flags(poster)
    _add_cutout_flags(poster)

    batch = sub.add_parser(
        "batch",
        help="make posters for every SKU of a catalogue (CSV or XLSX)",
        epilog=BATCH_COLUMNS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    batch.add_argument("catalog", type=Path, metavar="CATALOG", help="CSV or XLSX: one row per SKU (sku, photo, …)")
    batch.add_argument("--photos", required=True, type=Path, metavar="DIR|ZIP", help="folder or zip of the photos")
    batch.add_argument("--out", required=True, type=Path, metavar="DIR")
    batch.add_argument("--recipe", type=Path, metavar="FILE", help="the base recipe empty cells fall back to")
    batch.add_argument("--variants", type=int, default=1, metavar="N", help="variants for rows without a variants cell")
    batch.add_argument("--workers", type=int, default=1, metavar="N", help="local worker processes (default 1)")
    batch.add_argument("--ray", metavar="auto|ADDRESS", help="run on Ray: a local instance (auto) or a cluster")
    batch.add_argument("--producer", metavar="SHOP", help="your shop name or ID for the AI label's ContentProducer")
    batch.add_argument("--propagator", metavar="SHOP", help="who publishes the files (AI label's ContentPropagator)")
    _add_model_flags(batch)
    listing = sub.add_parser("set", help="make the main-image set (套图) for one marketplace")
    _add_listing_flags(listing)
    listing.add_argument(
        "--slots",
        metavar="IDS",
        help="comma-separated slot ids (default: all, e.g. hero,points,detail,scene,specs,white)",
    )

    page = sub.add_parser("detail-page", help="make the detail page (详情页), whole and in slices")
    _add_listing_flags(page)
    page.add_argument(
        "--sections", metavar="IDS", help="comma-separated section ids in page order (default: the recipe's)"
    )
    page.add_argument("--width", type=int, metavar="PX", help="page width (default: the marketplace's, 750 or 790)")

    presets = sub.add_parser("presets", help="list scenes, layouts and platforms")
    presets.add_argument("--json", action="store_true", help="machine-readable output")

    ab = sub.add_parser("ab-stats", help="which poster variant wins, from a results CSV")
    ab.add_argument("results", metavar="RESULTS.csv", help="columns: variant, impressions, clicks[, orders]")
    ab.add_argument(
        "--min-lift",
        type=float,
        default=None,
        metavar="FRACTION",
        help="smallest relative click-rate lift worth detecting (default 0.2 = +20%%)",
    )
    ab.add_argument(
        "--design",
        choices=["split", "rotation"],
        default="split",
        help="split: a random split (marketplace experiment tool); rotation: posters shown one after another",
    )
    ab.add_argument("--alpha", type=float, default=None, help="significance level (default 0.05)")
    return parser


def _add_listing_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--product", required=True, metavar="IMAGE", help="the product photo")
    p.add_argument("--recipe", type=Path, metavar="FILE", help="a saved recipe (.json) with the listing fields")
    p.add_argument("--platform", default="taobao", metavar="NAME", help="taobao, tmall, jd or pdd (default taobao)")
    p.add_argument("--logo", metavar="IMAGE", help="your logo (PNG with transparency)")
    p.add_argument("--out", required=True, type=Path, metavar="DIR")
    _add_model_flags(p)


def _add_model_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--profile", choices=PROFILES, help="model profile (default: STUDIO_PROFILE or auto)")
    p.add_argument("--base-model", help="hub id, local diffusers folder or .safetensors file")
    p.add_argument("--controlnet", help="hub id or local diffusers folder")
    p.add_argument("--lora-dir", type=Path)
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], help="where diffusion runs (default auto)")
    p.add_argument("--dtype", choices=DTYPES, help="diffusion dtype (default auto: chosen from the card)")
    p.add_argument(
        "--fast-path",
        action="store_true",
        default=None,
        help="apply the GPU fast path on any device (e.g. --device cpu --dtype bfloat16 --fast-path)",
    )
    p.add_argument("--compile", action="store_true", default=None, help="torch.compile the UNet and ControlNet")


def _add_cutout_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cutout-model", default=None, help=argparse.SUPPRESS)
    p.add_argument("--edge-shift", type=int, help="px: negative erodes the mask, positive grows it")
    p.add_argument("--feather", type=float, help="px of soft edge")
    p.add_argument("--fill-holes", action="store_true", default=None, help="fill interior holes")
    p.add_argument("--alpha-matting", action="store_true", default=None)
    p.add_argument("--no-keep-main", action="store_true", help="keep every object, not only the main one")
    p.add_argument("--no-decontaminate", action="store_true", help="leave edge colours as photographed")


def main(argv: Sequence[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    try:
        if args.command == "cutout":
            return _cmd_cutout(args)
        if args.command == "poster":
            return _cmd_poster(args)
        if args.command == "batch":
            return _cmd_batch(args)
        if args.command == "presets":
            return _cmd_presets(args)
        if args.command in ("set", "detail-page"):
            return _cmd_listing(args)
        if args.command == "ab-stats":
            return _cmd_ab_stats(args)
    except StudioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("stopped.", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: one line, unless the user asks for the whole story
        if os.environ.get("STUDIO_DEBUG"):
            traceback.print_exc()
        print(
            f"error: unexpected failure ({type(exc).__name__}: {exc}). Run with STUDIO_DEBUG=1 for details.",
            file=sys.stderr,
        )
        return 1
    return 2


def _settings(args: argparse.Namespace):
    from studio.settings import Settings

    return Settings.from_env(
        profile=getattr(args, "profile", None),
        base_model=getattr(args, "base_model", None),
        controlnet=getattr(args, "controlnet", None),
        lora_dir=getattr(args, "lora_dir", None),
        content_producer=getattr(args, "producer", None),
        content_propagator=getattr(args, "propagator", None),
        c2pa=getattr(args, "c2pa", None),
        c2pa_cert=getattr(args, "c2pa_cert", None),
        c2pa_key=getattr(args, "c2pa_key", None),
        device=getattr(args, "device", None),
        dtype=getattr(args, "dtype", None),
        fast_path=getattr(args, "fast_path", None),
        compile=getattr(args, "compile", None),
        open_browser=False,
    ).resolved()


def _progress_line(fraction: float, message: str) -> None:
    print(f"[{int(fraction * 100):3d}%] {message}", file=sys.stderr)


def _cutout_settings(base, args: argparse.Namespace):
    updates = {}
    model = getattr(args, "model", None) or args.cutout_model
    if model:
        updates["model"] = model
    if args.edge_shift is not None:
        updates["edge_shift_px"] = args.edge_shift
    if args.feather is not None:
        updates["feather_px"] = args.feather
    if args.fill_holes:
        updates["fill_holes"] = True
    if args.alpha_matting:
        updates["alpha_matting"] = True
    if args.no_keep_main:
        updates["keep_main_object"] = False
    if args.no_decontaminate:
        updates["decontaminate"] = False
    return _validated(base, updates)


def _validated(part, updates: dict):
    """Apply flag values to a recipe part through its validation (clear errors, not tracebacks)."""
    from pydantic import ValidationError

    try:
        return part.model_validate({**part.model_dump(), **updates})
    except ValidationError as exc:
        err = exc.errors()[0]
        raise StudioError(f"Invalid value for {'.'.join(map(str, err['loc']))}: {err['msg']}.") from None


def _cmd_cutout(args: argparse.Namespace) -> int:
    from studio.budgets import check_count, check_images
    from studio.cutout import cutout_batch, write_cutouts, zip_cutouts
    from studio.imageio import load_image
    from studio.models import ModelManager
    from studio.recipe import CutoutSettings

    settings = _cutout_settings(CutoutSettings(), args)
    models = ModelManager(_settings(args))
    budgets = models.settings.budgets  # the same budgets as the app's batch cut-out
    check_count("batch_photos", len(args.images), budgets)
    check_images([Path(p) for p in args.images], budgets)
    loaded = [load_image(Path(p), max_pixels=budgets.image_pixels) for p in args.images]  # all checked before any work
    cutouts = cutout_batch(loaded, settings, models, progress=_progress_line)
    paths = write_cutouts(cutouts, [item.name for item in loaded], args.out)
    for path in paths:
        print(path)
    if args.zip:
        print(zip_cutouts(paths, args.out / "cutouts.zip"))
    return 0


def build_recipe(args: argparse.Namespace):
    """The base recipe for `poster`: a saved recipe if given, then every flag given on top."""
    from studio.presets import get_platform, get_scene
    from studio.recipe import Recipe, StyleChoice

    recipe = _saved_recipe(args.recipe) if args.recipe else Recipe()
    scene_updates = _given(
        preset=args.scene,
        backdrop=args.backdrop,
        prompt=args.prompt,
        negative_prompt=args.negative_prompt,
        seed=args.seed,
        steps=args.steps,
    )
    copy_updates = _given(
        headline=args.headline,
        subline=args.subline,
        selling_points=args.point,
        price=args.price,
        original_price=args.original_price,
        badge=args.badge,
        cta=args.cta,
        layout=args.layout,
        font=_font_arg(args.font) if args.font else None,
        logo=_logo_arg(args.logo) if args.logo else None,
        currency=args.currency,
        accent_color=args.accent_color,
        text_effect=args.text_effect,
        vertical=args.vertical,
    )
    export_updates = _given(
        platforms=args.platform,
        sku=args.sku,
        file_format=args.format,
        aigc_label=False if args.no_ai_label else None,
    )
    styles = recipe.styles
    if args.lora is not None:
        styles = [StyleChoice(**_parse_lora(spec)) for spec in args.lora]
    recipe = recipe.model_copy(
        update={
            "scene": _validated(recipe.scene, scene_updates),
            "copy_text": _validated(recipe.copy_text, copy_updates),
            "export": _validated(recipe.export, export_updates),
            "cutout": _cutout_settings(recipe.cutout, args),
            "styles": styles,
        }
    )
    get_scene(recipe.scene.preset)  # unknown ids fail now, with the list of valid ones
    for pid in recipe.export.platforms:
        get_platform(pid)
    return recipe


def _saved_recipe(path: Path):
    """A recipe .json, or a poster image the studio exported (it carries its recipe)."""
    from studio.export.reopen import recipe_from_file

    if not path.is_file():
        raise StudioError(f"Cannot find the recipe {path}.")
    return recipe_from_file(path).model_copy(update={"outputs": []})


def _font_arg(value: str) -> str:
    """--font: a font id, or a font file the user named (kept by content; recipes never hold paths)."""
    from studio.text.fonts import keep_font_file

    return keep_font_file(value)[1] if Path(value).is_file() else value


def _logo_arg(path: str) -> str:
    """The --logo file the user named, as the recipe's content reference (recipes never hold paths)."""
    from studio.text.logo_store import logo_from_file

    if not Path(path).is_file():
        raise StudioError(f"The logo file '{Path(path).name}' was not found.", hint="Check the --logo path.")
    return logo_from_file(path)


def _given(**values: object) -> dict:
    """Only the flags the user actually gave (argparse leaves the others None)."""
    return {k: v for k, v in values.items() if v is not None}


def _parse_lora(spec: str) -> dict:
    name, sep, weight = spec.rpartition(":")
    if not sep:
        return {"name": spec}
    try:
        return {"name": name, "weight": float(weight)}
    except ValueError:
        return {"name": spec}


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise StudioError(f"Cannot read {path}: {exc.strerror or exc}.") from None


def _cmd_poster(args: argparse.Namespace) -> int:
    from studio.api.posters import export_recipe
    from studio.models import ModelManager
    from studio.pipeline import cutout_from_photo

    if not 1 <= args.variants <= 26:
        raise StudioError("--variants must be between 1 and 26.")
    from studio.budgets import budget_recipe, check_images
    from studio.imageio import load_image

    settings = _settings(args)
    base = budget_recipe(build_recipe(args), settings.budgets, variants=args.variants)
    check_images([Path(args.product)], settings.budgets)
    load_image(Path(args.product), max_pixels=settings.budgets.image_pixels)  # an unreadable photo fails first
    models = ModelManager(settings)
    print(models.describe(), file=sys.stderr)
    saved_hash = base.source_sha256
    cutout, base = cutout_from_photo(models, Path(args.product), base, progress=_progress_line)
    if args.recipe and saved_hash and saved_hash != base.source_sha256:
        print("note: this recipe was made from a different photo; using the new one.", file=sys.stderr)
    # The same flow as the public API's make_posters: variants, then every file, manifest and zip.
    result = export_recipe(models, cutout, base, args.out, variants=args.variants, progress=_progress_line)
    for warning in dict.fromkeys(result.warnings):
        print(f"note: {warning}", file=sys.stderr)
    for recipe in result.recipes:
        for output in recipe.outputs:
            print(args.out / output.file)
    print(result.zip_path)
    return 0


def _batch_line(update) -> None:
    eta = f", about {_duration(update.eta_s)} left" if update.eta_s is not None and update.left else ""
    what = f" {update.sku}: {update.message}" if update.sku else f" {update.message}"
    print(
        f"[{update.done + update.failed}/{update.total}] done {update.done}, failed {update.failed}, "
        f"left {update.left}{eta}.{what}",
        file=sys.stderr,
    )


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60} min {seconds % 60} s" if seconds >= 60 else f"{seconds} s"


def _cmd_batch(args: argparse.Namespace) -> int:
    from studio.batch import parse_catalogue, run_catalogue
    from studio.recipe import Recipe

    settings = _settings(args)
    base = _saved_recipe(args.recipe) if args.recipe else Recipe()
    if not 1 <= args.variants <= settings.max_variants:
        raise StudioError(f"--variants must be between 1 and {settings.max_variants}.")
    plan = parse_catalogue(args.catalog, args.photos, base=base, settings=settings, variants=args.variants)
    for note in plan.notes:
        print(f"note: {note}", file=sys.stderr)
    for error in plan.errors:
        print(f"row {error.row} ({error.sku or 'no SKU'}): {error.reason}", file=sys.stderr)
    result = run_catalogue(plan, args.out, settings=settings, workers=args.workers, ray=args.ray, progress=_batch_line)
    sets = sum(len(job.sets) for job in plan.jobs if job.sku in result.listing_zips)
    pages = sum(1 for job in plan.jobs if job.page and job.sku in result.listing_zips)
    listing = f" (with {sets} main-image set(s) and {pages} detail page(s))" if sets or pages else ""
    print(
        f"{len(result.made)} made, {len(result.skipped)} already done, {len(result.errors)} failed{listing} "
        f"in {_duration(result.seconds)}.",
        file=sys.stderr,
    )
    print(result.manifest_path)
    print(result.errors_path)
    print(result.zip_path)
    return 0


def _ids(text: str | None) -> list[str] | None:
    return [part.strip() for part in text.split(",") if part.strip()] if text else None


def _cmd_listing(args: argparse.Namespace) -> int:
    """`set` and `detail-page`: the same checks and core calls as the API's make_set / make_detail_page."""
    from studio.api.listing import check_listing_request, listing_from_photo
    from studio.imageio import load_image
    from studio.listing import make_detail_page, make_listing_set
    from studio.models import ModelManager
    from studio.recipe import Recipe

    base = _saved_recipe(args.recipe) if args.recipe else Recipe()
    if args.logo:
        base = base.model_copy(update={"copy_text": base.copy_text.model_copy(update={"logo": _logo_arg(args.logo)})})
    load_image(Path(args.product))  # an unreadable photo fails before anything else is said or done
    page = args.command == "detail-page"
    sections = (_ids(args.sections) or list(base.listing.sections)) if page else None
    slots = None if page else _ids(args.slots)
    market = check_listing_request(base, args.platform, "en", slots=slots, sections=sections,
                                   width=args.width if page else None)  # fmt: skip
    models = ModelManager(_settings(args))
    print(models.describe(), file=sys.stderr)
    cutout, base = listing_from_photo(models, Path(args.product), base, "en", _progress_line)
    if page:
        made = make_detail_page(models, cutout, base, args.out, marketplace=market, sections=sections, width=args.width,
                                progress=_progress_line)  # fmt: skip
        files = [*made.slices, made.page_file]
        notes = made.notes
    else:
        result = make_listing_set(models, cutout, base, market, args.out, slots=slots, progress=_progress_line)
        files, notes = [f.file for f in result.files], result.notes
        for f in result.files:
            if not f.compliant:
                print(f"note: {f.file} does not pass every {f.platform} check; see compliance.csv", file=sys.stderr)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    for name in files:
        print(args.out / name)
    print(args.out / "posters.zip")
    return 0


def _cmd_presets(args: argparse.Namespace) -> int:
    from studio.presets import all_presets, display_name

    kinds = ("scenes", "layouts", "platforms")
    if args.json:
        print(json.dumps({k: list(all_presets(k)) for k in kinds}, ensure_ascii=False))
        return 0
    for kind in kinds:
        print(f"{kind}:")
        for pid, item in all_presets(kind).items():
            extra = f"  {item['width']}×{item['height']}" if kind == "platforms" else ""
            print(f"  {pid:<20} {display_name(item, 'en')} / {display_name(item, 'zh')}{extra}")
    return 0


def _cmd_ab_stats(args: argparse.Namespace) -> int:
    from studio.budgets import check_csv_rows
    from studio.export.abtest import ab_stats, read_results_csv
    from studio.settings import Settings

    path = Path(args.results)
    text = _read_text(path)
    check_csv_rows(text, Settings().budgets)  # rows counted before the CSV is parsed
    rows = read_results_csv(text)
    options = {k: v for k, v in (("min_lift", args.min_lift), ("alpha", args.alpha)) if v is not None}
    if "alpha" in options and not 0 < options["alpha"] < 0.5:
        raise StudioError("--alpha must be between 0 and 0.5, e.g. 0.05.")
    print(json.dumps(ab_stats(rows, design=args.design, **options), ensure_ascii=False, indent=2))
    return 0
