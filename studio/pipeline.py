"""The flow, end to end: recipe + cutout → posters at each platform size → files.

This is the one core the UI, the CLI and the tests call. Each step is a plain
function of typed data from its own package; this module only sequences them:

    place → scene (procedural or generated, cached per aspect) → composite
          → copy layout on the composited scene → final composite → visible label

The product's own pixels enter the poster only through `place_product` and
`composite_poster`, at the final size, never through a model.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
import weakref
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from PIL import Image

from studio.bounded_cache import BoundedCache
from studio.errors import StudioError
from studio.export.fidelity import PsnrMemo
from studio.layers import Cutout, PlacedProduct, Poster, Scene
from studio.models import ModelManager
from studio.presets import Platform, get_platform, get_scene
from studio.progress import CancelToken, Progress, no_progress
from studio.recipe import CopyText, ModelIds, OutputFile, Placement, Recipe, SceneSettings, StyleChoice

if TYPE_CHECKING:
    from studio.settings import Settings
    from studio.text.space import BusyMap


SHRINK_TO_FIT = (0.85, 0.72)  # product scales tried, in turn, when the copy does not fit beside it
EXPORT_THREADS = 4  # files written at once; more rarely helps, and each holds a canvas or two


def uses_generated_scene(recipe: Recipe, models: ModelManager) -> bool:
    """Whether this recipe's scene comes from diffusion in this process."""
    return recipe.generates_scene(models.profile)


def recipe_with_models(recipe: Recipe, models: ModelManager) -> Recipe:
    """Record which profile and model ids make this recipe's scene."""
    s = models.settings
    generated = uses_generated_scene(recipe, models)
    ids = ModelIds(
        profile=s.profile,
        base=s.model_source("base") if generated else "",
        controlnet=s.model_source("controlnet") if generated else "",
    )
    return recipe.model_copy(update={"models": ids})


def _image_bytes(value: object) -> int:
    """Pixel bytes a cache entry keeps alive: its last element (entries are (owner, made) pairs), images inside."""
    made = value[-1] if isinstance(value, tuple) and value else value
    if isinstance(made, Image.Image):
        return made.width * made.height * len(made.getbands())
    if isinstance(made, (Scene, PlacedProduct)):
        parts = (made.background, made.shadow) if isinstance(made, Scene) else (made.rgba,)
        return sum(_image_bytes(part) for part in parts if part is not None)
    return 0


_FINGERPRINTS: dict[int, tuple[weakref.ref, str]] = {}


def fingerprint(image: Image.Image) -> str:
    """A digest of an image's pixels, worked out once per image object (caches key by content, not id())."""
    entry = _FINGERPRINTS.get(id(image))
    if entry is not None and entry[0]() is image:
        return entry[1]
    digest = hashlib.blake2b(image.tobytes(), digest_size=16)
    digest.update(f"{image.mode}{image.size}".encode())
    key = id(image)
    _FINGERPRINTS[key] = (weakref.ref(image, lambda _ref: _FINGERPRINTS.pop(key, None)), digest.hexdigest())
    return _FINGERPRINTS[key][1]


def _fp(image: Image.Image | None) -> str:
    return fingerprint(image) if image is not None else "-"


def _image_cache(entries: int, megabytes: int) -> BoundedCache:
    return BoundedCache(entries, budget_bytes=megabytes * 2**20, weigh=_image_bytes)


@dataclass
class SceneCache:
    """Generated scenes, keyed by everything that changes them except the canvas size.

    Two platforms of one aspect ratio share one generation; only the backdrop is
    resized (the product is always placed fresh at the final size).
    """

    # Generated scenes (~10 MB each at 2000 px): bounded in bytes like the rest, the newest always kept.
    scenes: BoundedCache = field(default_factory=lambda: _image_cache(24, 256))
    # Cheaper things worth keeping while a seller edits copy and exports again: procedural
    # backdrops and placed products, each bounded (least recently used goes first).
    backdrops: BoundedCache = field(default_factory=lambda: _image_cache(24, 192))
    placements: BoundedCache = field(default_factory=lambda: _image_cache(24, 128))  # products and their shadows
    # The poster before its copy (backdrop, shadow, reflection, product): a copy edit re-lays only the text.
    plains: BoundedCache = field(default_factory=lambda: _image_cache(24, 192))
    busy_maps: BoundedCache = field(default_factory=lambda: BoundedCache(24))  # where copy would be hard to read
    # Product PSNR of written JPEGs, per quality and product pixels (see studio.export.fidelity.PsnrMemo).
    psnr: PsnrMemo = field(default_factory=PsnrMemo)

    @property
    def total_bytes(self) -> int:
        """Pixel bytes this cache keeps alive (what the session store weighs it by)."""
        return sum(c.total_bytes for c in (self.scenes, self.backdrops, self.placements, self.plains))

    def backdrop(self, preset: dict, size: tuple[int, int], seed: int) -> Image.Image:
        """The procedural backdrop for preset, size and seed (drawn once)."""
        from studio.scene.backdrop import render_backdrop

        key = (json.dumps(preset, sort_keys=True, default=str), tuple(size), int(seed))
        return self.backdrops.get_or_make(key, lambda: render_backdrop(preset, size, seed))

    def shadow(self, placed: PlacedProduct, size: tuple[int, int]) -> Image.Image:
        """The contact shadow under a placed product (it depends on nothing else)."""
        from studio.scene.shadow import contact_shadow

        key = ("shadow", _fp(placed.rgba), tuple(placed.box), tuple(size))
        _owner, shadow = self.placements.get_or_make(key, lambda: (placed, contact_shadow(placed, size)))
        return shadow

    def placed(self, cutout: Cutout, placement: Placement, size: tuple[int, int]) -> PlacedProduct:
        """The cutout placed on one canvas (resampled once per placement and size)."""
        from studio.scene.placement import place_product

        key = (_fp(cutout.rgba), tuple(cutout.box), placement.model_dump_json(), tuple(size))
        _owner, placed = self.placements.get_or_make(key, lambda: (cutout, place_product(cutout, placement, size)))
        return placed

    def resized(self, scene: Scene, size: tuple[int, int]) -> Scene:
        """A generated scene at another size of its aspect (resampled once per size)."""
        if scene.background.size == tuple(size):
            return scene
        key = ("resized", _fp(scene.background), _fp(scene.shadow), scene.seed, scene.kind, tuple(size))
        _owner, resized = self.backdrops.get_or_make(key, lambda: (scene, _resize_scene(scene, size)))
        return resized

    def busy(self, image: Image.Image) -> BusyMap:
        """How busy a cached plain poster is, for laying copy on it (worked out once per image)."""
        from studio.text.space import BusyMap

        _owner, busy = self.busy_maps.get_or_make(_fp(image), lambda: (image, BusyMap(image)))
        return busy

    def plain(self, scene: Scene, placed: PlacedProduct, size: tuple[int, int], *, reflect: bool) -> Image.Image:
        """Backdrop, shadow, reflection and product composited: the poster before its copy.

        Shared between posters, so read-only: every later step makes a new image.
        """
        from studio.scene.composite import composite_poster
        from studio.scene.shadow import reflection

        def make() -> tuple:
            mirror = reflection(placed, size) if reflect else None
            image = composite_poster(scene.background, placed, shadow=scene.shadow, reflection=mirror)
            return (scene.background, scene.shadow, placed), image

        key = (_fp(scene.background), _fp(scene.shadow), _fp(placed.rgba), tuple(placed.box), tuple(size), reflect)
        _owners, image = self.plains.get_or_make(key, make)
        return image

    @staticmethod
    def key(recipe: Recipe, size: tuple[int, int], seed: int, lora_dir: Path) -> str:
        aspect = round(size[0] / size[1], 3)
        parts = (
            recipe.scene.model_dump_json(exclude={"seed"}),
            recipe.placement.model_dump_json(),
            "|".join(f"{s.name}:{s.weight}:{_style_version(lora_dir, s.name)}" for s in recipe.styles),
            recipe.source_sha256,
            str(aspect),
            str(seed),
        )
        return "\x1f".join(parts)


def _style_version(lora_dir: Path, name: str) -> str:
    """A replaced LoRA file must not reuse scenes cached for the old one.

    The name is untrusted (a recipe's): only a plain style name inside the LoRA folder is looked
    at, so a cache key never probes a path outside it (`../../etc/x` would be an existence oracle).
    """
    from studio.errors import StudioError
    from studio.styles.names import style_file

    try:
        stat = style_file(lora_dir, name).stat()
    except (OSError, StudioError):
        return "-"
    return f"{stat.st_size}-{stat.st_mtime_ns}"


def _resize_scene(scene: Scene, size: tuple[int, int]) -> Scene:
    if scene.background.size == size:
        return scene
    return replace(scene, background=scene.background.resize(size, Image.Resampling.LANCZOS), shadow=None)


def resolve_placement(cutout: Cutout, recipe: Recipe, platform: Platform) -> Placement:
    """The placement for this canvas: platform rules first, then automatic fields filled in.

    Automatic size follows the platform norm (`placement.product_room`): the product is the hero
    of a main image and leaves room for copy; tall canvases give their extra height to the copy.
    The bottom sits on the scene's floor line; on a white-background image the product is centred.
    """
    from studio.scene.backdrop import floor_line
    from studio.scene.placement import centred_floor, placement_for_platform, product_room

    x0, y0, x1, y1 = cutout.box
    aspect = (x1 - x0) / max(1, y1 - y0)
    placement = placement_for_platform(recipe.placement, platform, product_aspect=aspect)
    if placement.floor_y is not None and placement.scale is not None:
        return placement
    width, height = platform.size
    with_copy = platform.allows_text and recipe.copy_text.has_words()
    room = product_room(platform.size, with_copy=with_copy)
    pw, ph = max(1, x1 - x0), max(1, y1 - y0)
    wanted = min(room[0] * width / pw, room[1] * height / ph)  # product pixels per cutout pixel
    scale = min(1.0, wanted / min(width / pw, height / ph))  # Placement.scale fits both sides
    scale = placement.scale if placement.scale is not None else scale
    if placement.floor_y is not None:
        floor = placement.floor_y
    elif platform.white_background:
        floor = centred_floor(cutout.box, placement.model_copy(update={"scale": scale}), platform.size)
    else:
        floor = floor_line(get_scene(recipe.scene.preset), platform.size)
    return placement.model_copy(update={"scale": scale, "floor_y": floor})


def placed_for(cutout: Cutout, recipe: Recipe, platform: Platform, cache: SceneCache | None = None) -> PlacedProduct:
    from studio.scene.placement import place_product

    placement = resolve_placement(cutout, recipe, platform)
    if cache is None:
        return place_product(cutout, placement, platform.size)
    return cache.placed(cutout, placement, platform.size)


def generate_backdrops(
    models: ModelManager,
    cutout: Cutout,
    recipes: Sequence[Recipe],
    platform: Platform,
    cache: SceneCache,
    *,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> None:
    """Generate, as one batch, every scene these recipes need at this platform's aspect.

    Recipes that differ only in seed share a batch; others get their own call.
    Results land in `cache`; already cached scenes are not generated again.
    """
    size = platform.size
    groups: dict[str, list[Recipe]] = {}
    for recipe in recipes:
        if not uses_generated_scene(recipe, models) or platform.white_background:
            continue
        if SceneCache.key(recipe, size, recipe.scene.seed, models.settings.lora_dir) in cache.scenes:
            continue
        group_key = SceneCache.key(recipe, size, -1, models.settings.lora_dir)
        groups.setdefault(group_key, []).append(recipe)
    from studio.models import zerogpu
    from studio.models.profiles import scene_steps

    models_key = zerogpu.register_models(models)
    for members in groups.values():
        first = members[0]
        seeds = sorted({r.scene.seed for r in members})
        placed = placed_for(cutout, first, platform, cache)
        preset = get_scene(first.scene.preset)
        steps = scene_steps(first.scene.steps, preset, models.profile)
        per_call = zerogpu.images_per_call(steps, models.profile)
        # Split into GPU calls that each fit the ZeroGPU duration (an SDXL 4-variant set at 60 steps: 2 calls).
        for start in range(0, len(seeds), per_call):
            batch = SceneBatch(
                models_key=models_key,
                profile=models.profile,
                placed=placed,
                size=tuple(size),
                scene=first.scene,
                preset=preset,
                styles=list(first.styles),
                seeds=seeds[start : start + per_call],
                job_id=uuid.uuid4().hex,
            )
            zerogpu.set_hooks(batch.job_id, progress=progress, cancel=cancel)
            try:
                scenes = zerogpu.run_gpu_task(generate_scene_batch, batch)
            finally:
                zerogpu.clear_hooks(batch.job_id)
            for seed, scene in zip(batch.seeds, scenes):
                cache.scenes[SceneCache.key(first, size, seed, models.settings.lora_dir)] = scene


@dataclass(frozen=True)
class SceneBatch:
    """One GPU call's worth of scene generation, as plain data (ZeroGPU pickles it into its worker).

    Pixels, settings, seeds and ids only: no cache, lock or model. The ModelManager is found
    again by `models_key`; progress and cancel by `job_id`, in this process only.
    """

    models_key: str
    profile: str
    placed: PlacedProduct
    size: tuple[int, int]
    scene: SceneSettings
    preset: dict
    styles: list[StyleChoice]
    seeds: list[int]
    job_id: str = ""

    def gpu_seconds(self) -> int:
        """The budget this call asks ZeroGPU for: its own steps and image count, not a guess from names."""
        from studio.models.profiles import scene_steps
        from studio.models.zerogpu import estimate_seconds

        steps = scene_steps(self.scene.steps, self.preset, self.profile)
        return estimate_seconds(steps, len(self.seeds), profile=self.profile)


def _gpu_task(fn):  # studio.models.zerogpu.gpu_task, imported lazily (nothing heavy at import time)
    from studio.models.zerogpu import gpu_task

    return gpu_task(fn)


@_gpu_task
def generate_scene_batch(batch: SceneBatch) -> list[Scene]:
    """The GPU task: one scene per seed. Runs in ZeroGPU's worker on a Space, in this process elsewhere."""
    from studio.models.zerogpu import hooks_for, models_for
    from studio.scene.generate import generate_scenes

    hooks = hooks_for(batch.job_id)
    return generate_scenes(
        models_for(batch.models_key),
        batch.placed,
        batch.size,
        batch.scene,
        batch.preset,
        batch.styles,
        list(batch.seeds),
        progress=hooks.get("progress", no_progress),
        cancel=hooks.get("cancel"),
    )


def scene_for(
    models: ModelManager,
    cutout: Cutout,
    recipe: Recipe,
    platform: Platform,
    placed: PlacedProduct,
    cache: SceneCache,
    *,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> Scene:
    """The backdrop and contact shadow for one recipe at one platform size."""
    from studio.scene.backdrop import white_backdrop

    size = platform.size
    if platform.white_background:
        # Marketplace white-background slots: pure white, no shadow, nothing generated.
        white = cache.backdrops.get_or_make(("white", tuple(size)), lambda: white_backdrop(size))
        return Scene(background=white, shadow=None, seed=recipe.scene.seed, kind="white")
    preset = get_scene(recipe.scene.preset)
    if uses_generated_scene(recipe, models):
        key = SceneCache.key(recipe, size, recipe.scene.seed, models.settings.lora_dir)
        if key not in cache.scenes:
            generate_backdrops(models, cutout, [recipe], platform, cache, progress=progress, cancel=cancel)
        scene = cache.resized(cache.scenes[key], size)
    else:
        note = ""
        if recipe.scene.backdrop == "generated" and models.profile == "none":
            from studio.notes import SCENE_FALLBACK

            note = SCENE_FALLBACK
        scene = Scene(
            background=cache.backdrop(preset, size, recipe.scene.seed),
            shadow=None,
            seed=recipe.scene.seed,
            prompt=preset.get("prompt", ""),
            kind="procedural",
            note=note,
        )
    return replace(scene, shadow=cache.shadow(placed, size) if recipe.scene.shadow else None)


@dataclass(frozen=True)
class PosterJob:
    """One output file, resolved once: its recipe, platform, seed, AI-made flag and copy.

    make_posters builds one per (variant, platform) and hands it down to rendering,
    writing and checking, so none of them works these out again.
    """

    recipe: Recipe
    platform: Platform
    ai_made: bool

    @property
    def seed(self) -> int:
        return self.recipe.scene.seed

    @property
    def copy_text(self) -> CopyText:
        return self.recipe.copy_text

    @property
    def draws_copy(self) -> bool:
        return self.platform.allows_text and self.copy_text.has_words()


def poster_job(recipe: Recipe, platform: Platform | str, models: ModelManager) -> PosterJob:
    platform = get_platform(platform) if isinstance(platform, str) else platform
    return PosterJob(
        recipe=recipe,
        platform=platform,
        ai_made=recipe.is_ai_made(white_background=platform.white_background, profile=models.profile),
    )


def render_poster(
    models: ModelManager,
    cutout: Cutout,
    recipe: Recipe,
    platform_id: str,
    *,
    cache: SceneCache | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> Poster:
    """One poster for one platform, worked out again for that size (never a crop)."""
    job = poster_job(recipe, platform_id, models)
    return render_job(models, cutout, job, cache=cache, progress=progress, cancel=cancel)


def render_job(
    models: ModelManager,
    cutout: Cutout,
    job: PosterJob,
    *,
    cache: SceneCache | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> Poster:
    """The poster of one resolved job."""
    from studio.cutout.quality import product_upscale, upscale_note
    from studio.scene.composite import add_layers
    from studio.text import layout_copy

    recipe, platform = job.recipe, job.platform
    cache = cache if cache is not None else SceneCache()
    placed, placed_by = placed_for(cutout, recipe, platform, cache), recipe  # placed_by: the recipe it was placed by
    scene = scene_for(models, cutout, recipe, platform, placed, cache, progress=progress, cancel=cancel)
    reflect = recipe.scene.reflection and not platform.white_background
    plain = cache.plain(scene, placed, platform.size, reflect=reflect)
    from studio.notes import SCENE_FALLBACK, Note

    notes = (
        [Note("scene_fallback" if scene.note == SCENE_FALLBACK else "scene_note", "scene", scene.note)]
        if scene.note
        else []
    )

    text_layers = []
    text_boxes: dict[str, tuple[int, int, int, int]] = {}
    text_px: dict[str, int] | None = None
    if job.draws_copy:
        layout = layout_copy(
            recipe.copy_text,
            plain,
            placed.box,
            safe_top=platform.safe_top,
            safe_bottom=platform.safe_bottom,
            busy=cache.busy(plain),
        )
        for factor in SHRINK_TO_FIT if scene.kind == "procedural" else ():
            if not (layout.dropped or getattr(layout, "relaid", False)):
                break
            # Copy that fits no layout: a smaller product before anything the seller typed is dropped.
            smaller = _scaled_product(cutout, recipe, platform, factor)
            placed, placed_by = placed_for(cutout, smaller, platform, cache), smaller
            scene = scene_for(models, cutout, smaller, platform, placed, cache, progress=progress, cancel=cancel)
            plain = cache.plain(scene, placed, platform.size, reflect=reflect)
            layout = layout_copy(
                recipe.copy_text,
                plain,
                placed.box,
                safe_top=platform.safe_top,
                safe_bottom=platform.safe_bottom,
                busy=cache.busy(plain),
            )
        text_layers = list(layout.layers)
        text_boxes = {layer.name: tuple(layer.box) for layer in text_layers}  # type: ignore[misc]
        text_px = {name: li.font_px for name, li in layout.info.items()}
        notes += [Note("copy_layout", "copy", w) for w in layout.warnings]
        if not text_layers:  # words to draw, none drawn: never a silently textless poster
            notes.append(Note("copy_missing", "copy", "The copy could not be placed on this poster."))
    elif job.copy_text.has_words() and not platform.allows_text:
        notes.append(
            Note("no_text_slot", platform.id, f"{platform.id}: this slot allows no text, so the copy was left off.")
        )

    # The copy goes on top of everything else; the poster never shares pixels with the cache.
    image = add_layers(plain, text_layers) if text_layers else plain.copy()
    if recipe.export.aigc_label and job.ai_made:
        from studio.export.labels import add_visible_label

        image, label_box = add_visible_label(
            image, avoid=[placed.box, *text_boxes.values()], keep_clear=(platform.safe_top, platform.safe_bottom)
        )
        text_boxes["aigc_label"] = tuple(label_box)  # type: ignore[assignment]
    # The same computation the cut-out tab shows, for the placement this poster used.
    upscale = product_upscale(cutout, placed_by, platform)
    upscale_warning = upscale_note(platform.id, upscale)
    if upscale_warning is not None:
        notes.append(upscale_warning)
    return Poster(
        image=image,
        platform=platform.id,
        product_box=placed.box,
        text_boxes=text_boxes,
        warnings=[n.message for n in notes],
        notes=notes,
        text_px=text_px,
        upscale=upscale,
    )


def _scaled_product(cutout: Cutout, recipe: Recipe, platform: Platform, factor: float) -> Recipe:
    """The recipe with this canvas's product scale times `factor` (the rest of the placement as resolved)."""
    placement = resolve_placement(cutout, recipe, platform)
    return recipe.model_copy(
        update={"placement": placement.model_copy(update={"scale": (placement.scale or 0.62) * factor})}
    )


@dataclass
class ExportResult:
    out_dir: Path
    zip_path: Path
    recipes: list[Recipe]
    posters: list[Poster]
    warnings: list[str]  # "A/taobao_main: …" lines, for the CLI
    notes: list = field(default_factory=list)  # the same as studio.notes.Note records (element = variant/platform)
    # file name → its compliance report, as the export checked it (the UI's table comes from these)
    reports: dict[str, dict] = field(default_factory=dict)


def make_posters(
    models: ModelManager,
    cutout: Cutout,
    recipes: Sequence[Recipe],
    out_dir: Path,
    *,
    cache: SceneCache | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    settings: Settings | None = None,
) -> ExportResult:
    """Render every variant at every platform, write the files, manifest, recipes and zip.

    settings: this export's label names and Content Credentials choice (the UI decides them per export);
    default: the studio's settings.
    """
    from studio.export.credentials import credential_for, sign_output
    from studio.export.files import label_names, write_poster_file
    from studio.export.hashes import file_hashes
    from studio.export.package import check_output, write_package

    if not recipes:
        raise StudioError("There is nothing to export yet.", hint="Make at least one variant first.")
    out_dir.mkdir(parents=True, exist_ok=True)
    cache = cache if cache is not None else SceneCache()
    recipes = [recipe_with_models(r, models) for r in recipes]
    platform_ids = list(dict.fromkeys(p for r in recipes for p in r.export.platforms))
    for pid in platform_ids:
        get_platform(pid)  # an unknown platform fails before any work is done

    total = sum(len(r.export.platforms) for r in recipes)
    done = 0
    # Generate every aspect's scenes first, batched across variants (one GPU call per group).
    for pid in platform_ids:
        platform = get_platform(pid)
        batch = [r for r in recipes if pid in r.export.platforms]
        generate_backdrops(
            models, cutout, batch, platform, cache,
            progress=lambda f, m: progress(0.5 * f, m), cancel=cancel,
        )  # fmt: skip
    refuse_look_alikes(models, cutout, recipes, cache)  # after the batched generation: only compositing here

    settings = settings if settings is not None else models.settings
    credential = credential_for(settings)  # Content Credentials, when the settings ask for them

    def one_file(job: PosterJob) -> tuple[Poster, OutputFile, dict]:
        if cancel is not None:
            cancel.raise_if_cancelled()
        poster = render_job(models, cutout, job, cache=cache, cancel=cancel)
        # The visible label is drawn by render_job, on AI-made posters only.
        output = write_poster_file(
            poster,
            job.platform,
            out_dir,
            recipe=job.recipe,
            file_format=job.recipe.export.file_format,
            visible_label=False,
            ai_generated=job.ai_made,
            psnr_memo=cache.psnr,
            **label_names(settings),
            **(file_hashes(models.settings, job.recipe) if job.ai_made else {}),
        )
        if credential is not None:  # last: labels and metadata are in, and signing changes no pixel
            output = sign_output(out_dir, output, credential, ai_generated=job.ai_made, product=cutout.rgba)
        # Checked here, on the worker, while other files are still being made (decoding releases the GIL).
        return (
            poster,
            output,
            check_output(out_dir, job.recipe, output, platform=job.platform, ai_generated=job.ai_made),
        )

    platforms = {pid: get_platform(pid) for pid in platform_ids}
    jobs = [poster_job(recipe, platforms[pid], models) for recipe in recipes for pid in recipe.export.platforms]
    # Compositing and encoding are mostly C code that releases the GIL: a few threads use the
    # CPU's cores. Results are collected in order, and progress is reported from this thread.
    workers = max(1, min(EXPORT_THREADS, os.cpu_count() or 1, len(jobs)))
    outputs_by_variant: dict[int, list[OutputFile]] = {i: [] for i in range(len(recipes))}
    posters: list[Poster] = []
    warnings: list[str] = []
    notes: list = []
    index = {id(recipe): i for i, recipe in enumerate(recipes)}
    reports: dict[str, dict] = {}

    def collect(results: Iterable[tuple[Poster, OutputFile, dict]]) -> None:
        nonlocal done
        for job, (poster, output, report) in zip(jobs, results):
            recipe, pid = job.recipe, job.platform.id
            outputs_by_variant[index[id(recipe)]].append(output)
            reports[output.file] = report
            posters.append(poster)
            where = f"{recipe.variant}/{pid}"
            warnings.extend(f"{where}: {n.message}" for n in poster.notes)
            notes.extend(replace(n, element=where) for n in poster.notes)
            done += 1
            progress(0.5 + 0.5 * done / total, f"Wrote {output.file}")

    if workers == 1:
        collect(one_file(job) for job in jobs)
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="export") as pool:
            futures = [pool.submit(one_file, job) for job in jobs]
            try:
                collect(future.result() for future in futures)
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
    finished = [recipe.model_copy(update={"outputs": outputs_by_variant[i]}) for i, recipe in enumerate(recipes)]
    zip_path = write_package(out_dir, finished, checked=reports)
    return ExportResult(
        out_dir=out_dir,
        zip_path=zip_path,
        recipes=finished,
        posters=posters,
        warnings=warnings,
        notes=notes,
        reports=reports,
    )


def refuse_look_alikes(models: ModelManager, cutout: Cutout, recipes: Sequence[Recipe], cache: SceneCache) -> None:
    """Refuse (StudioError) a variant set in which two variants' posters look the same.

    Compared on the first scene platform they share, outside the product; variants that differ in
    their copy or layout are the seller's deliberate text test and are not judged here.
    """
    from studio.export.variants import distinct_variants_error, near_identical_variants
    from studio.text.dropped import copy_lang

    if len(recipes) < 2:
        return
    texts = {r.copy_text.model_dump_json() for r in recipes}
    shared = [p for p in recipes[0].export.platforms if all(p in r.export.platforms for r in recipes)]
    scene_platforms = [p for p in shared if not get_platform(p).white_background]
    if len(texts) > 1 or not scene_platforms:
        return
    pid = scene_platforms[0]
    posters = {r.variant: render_poster(models, cutout, r, pid, cache=cache) for r in recipes}
    masks = {r.variant: placed_for(cutout, r, get_platform(pid), cache).rgba.getchannel("A") for r in recipes}
    problem = distinct_variants_error(
        near_identical_variants({k: p.image for k, p in posters.items()}, masks), copy_lang(recipes[0].copy_text)
    )
    if problem:
        raise StudioError(problem, hint="")


def cutout_from_photo(
    models: ModelManager,
    source: object,
    recipe: Recipe,
    *,
    progress: Progress = no_progress,
) -> tuple[Cutout, Recipe]:
    """Load a photo (path, bytes or image), remove its background, and tie the recipe to it."""
    from studio.cutout import remove_background
    from studio.imageio import load_image

    loaded = load_image(source, max_pixels=models.settings.budgets.image_pixels)  # type: ignore[arg-type]
    cutout = remove_background(loaded.image, recipe.cutout, models, source_sha256=loaded.sha256, progress=progress)
    return cutout, recipe.model_copy(update={"source_sha256": loaded.sha256})
