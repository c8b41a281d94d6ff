"""Write one poster as a platform-exact file with its recipe, parameters and AIGC labels inside.

Name: {sku}_{platform}_{variant}.{ext}. sRGB with an embedded profile; JPEG
without chroma subsampling, quality 95 stepped down until the file fits the
platform's byte cap. The file is written to a temp name and renamed, so a
crash never leaves half a poster behind.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from studio.errors import StudioError
from studio.export.aigc import (
    DEFAULT_PRODUCER,
    PLACEHOLDER_DIGEST,
    aigc_fields,
    content_id,
    encoded_pixel_digest,
    pixel_digest,
    with_reserved1,
)
from studio.export.atomic import write_bytes_atomic
from studio.export.compliance import safe_area
from studio.export.containers import EXTENSIONS, EmbeddedMeta, add_meta, encode, encode_pixels, read_embedded
from studio.export.fidelity import PsnrMemo, box_psnr
from studio.export.labels import LABEL_BOX_NAME, add_visible_label
from studio.export.parameters import parameters_text
from studio.export.sku import sku_slug
from studio.export.xmp import build_xmp
from studio.layers import Poster
from studio.presets import Platform
from studio.recipe import OutputFile, Recipe

_TOOL = "PosterStudio"  # the software that made the file (CreatorTool, EXIF Software), not the producer
START_QUALITY = 95
FLOOR_QUALITY = 60
MIN_PRODUCT_PSNR = 40.0


def output_name(recipe: Recipe, platform_id: str, fmt: str) -> str:
    # The SKU as typed (Chinese too) stays in the recipe and manifest; the file name gets a safe slug.
    return f"{sku_slug(recipe.export.sku)}_{platform_id}_{recipe.variant}.{EXTENSIONS[fmt]}"


def resolve_format(file_format: str, recipe: Recipe, platform: Platform) -> str:
    fmt = file_format if file_format != "auto" else recipe.export.file_format
    fmt = platform.format if fmt == "auto" else fmt
    fmt = {"jpg": "jpeg"}.get(fmt.lower(), fmt.lower())
    if fmt not in EXTENSIONS:
        raise StudioError(f"Unknown file format '{fmt}'.", hint="Choose jpeg, png or webp.")
    return fmt


def label_names(settings: object) -> dict[str, str]:
    """write_poster_file's producer / propagator from the studio's settings."""
    return {
        "producer": str(getattr(settings, "content_producer", "") or DEFAULT_PRODUCER),
        "propagator": str(getattr(settings, "content_propagator", "") or ""),
    }


def pixel_sha256(image: Image.Image) -> str:
    """Hex SHA-256 of the RGB pixels as ReservedCode1 defines it (studio/export/aigc.py)."""
    return pixel_digest(image).split(":", 1)[1]


def _fit_quality(encode_at: Callable[[int], bytes], cap: int) -> tuple[bytes, int]:
    """Highest quality in FLOOR..START whose file is <= cap (binary search; size grows with quality)."""
    data = encode_at(START_QUALITY)
    if cap <= 0 or len(data) <= cap:
        return data, START_QUALITY
    floor = encode_at(FLOOR_QUALITY)
    if len(floor) > cap:
        raise StudioError(
            f"This poster cannot be made smaller than the platform's {cap / 1e6:.1f} MB limit "
            f"without visibly damaging it (quality {FLOOR_QUALITY} still gives {len(floor) / 1e6:.2f} MB).",
            hint="Choose a calmer scene (less fine texture), or export as a different platform.",
        )
    best, best_q = floor, FLOOR_QUALITY
    lo, hi = FLOOR_QUALITY + 1, START_QUALITY - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        candidate = encode_at(mid)
        if len(candidate) <= cap:
            best, best_q, lo = candidate, mid, mid + 1
        else:
            hi = mid - 1
    return best, best_q


def write_poster_file(
    poster: Poster,
    platform: Platform,
    out_dir: Path,
    *,
    recipe: Recipe,
    file_format: str = "auto",
    producer: str = DEFAULT_PRODUCER,
    propagator: str = "",
    visible_label: bool | None = None,
    ai_generated: bool = True,
    psnr_memo: PsnrMemo | None = None,
    model_hash: str = "",
    lora_hashes: dict[str, str] | None = None,
) -> OutputFile:
    """Write `poster` into `out_dir`; returns its OutputFile (real byte count).

    visible_label: None follows recipe.export.aigc_label. ai_generated: False when no
    model made any of the pixels (procedural backdrop): then no AIGC label is written. The mark is skipped (with a
    warning on `poster.warnings`) on platforms whose rules forbid text, and when the
    poster already carries one (text_boxes["aigc_label"]). Warnings about size caps
    and compression also go to `poster.warnings`. psnr_memo: product PSNRs already measured
    (an export's SceneCache keeps one), so a copy edit skips decoding what it decoded before.
    model_hash / lora_hashes: the webui's short hashes for `parameters` (studio.export.hashes).
    """
    fmt = resolve_format(file_format, recipe, platform)
    if poster.image.size != platform.size:
        raise StudioError(
            f"The poster is {poster.image.width}×{poster.image.height} but {platform.id} needs "
            f"exactly {platform.width}×{platform.height}.",
            hint="Render it again for this platform.",
        )
    image = poster.image.convert("RGB")
    text_boxes = dict(poster.text_boxes)
    wants_label = recipe.export.aigc_label if visible_label is None else visible_label
    if wants_label and LABEL_BOX_NAME not in text_boxes:
        if platform.allows_text:
            clear = safe_area(platform)
            image, box = add_visible_label(
                image, avoid=[poster.product_box, *text_boxes.values()], keep_clear=(clear["top"], clear["bottom"])
            )
            text_boxes[LABEL_BOX_NAME] = box
        else:
            poster.warnings.append(
                f"{platform.id} allows no text on the image, so the visible “AI生成” mark was left off; "
                "the file still carries the AI label in its metadata."
            )

    name = output_name(recipe, platform.id, fmt)
    # ReservedCode1 hashes the pixels as the shipped file decodes: a same-length placeholder while
    # the quality search runs, the real digest once the encoding is fixed.
    label = None
    if ai_generated:  # the IDs from the recipe, not at random: the same recipe makes the same file, byte for byte
        made_of = (recipe.model_copy(update={"outputs": []}).to_json(), platform.id, name, fmt, producer)
        label = aigc_fields(
            producer,
            PLACEHOLDER_DIGEST,
            propagator=propagator,
            produce_id=content_id("ProduceID", *made_of),
            propagate_id=content_id("PropagateID", *made_of, propagator) if propagator.strip() else "",
        )
    params = parameters_text(
        recipe, platform.size, ai_generated=ai_generated, model_hash=model_hash, lora_hashes=lora_hashes
    )
    others = [o for o in recipe.outputs if o.file != name]

    def entry(nbytes: int) -> OutputFile:
        return OutputFile(
            file=name,
            platform=platform.id,
            width=platform.width,
            height=platform.height,
            bytes=nbytes,
            product_box=tuple(poster.product_box),
            text_boxes=text_boxes,  # type: ignore[arg-type]
            text_px=None if poster.text_px is None else dict(poster.text_px),
            upscale=round(poster.upscale, 2),
        )

    pixels: dict[tuple[int | None, bool], bytes] = {}  # the compressed pixels per setting, made once

    def encode_at(quality: int | None, nbytes: int, optimize: bool = False, code1: str = PLACEHOLDER_DIGEST) -> bytes:
        file_recipe = recipe.model_copy(update={"outputs": [*others, entry(nbytes)]})
        recipe_json = file_recipe.to_json()
        quality_note = "" if fmt == "png" else ("lossless" if quality is None else str(quality))
        fields = {"Platform": platform.id, "Variant": recipe.variant, "Format": fmt, "Quality": quality_note}
        if fmt != "png":
            fields["Recipe"] = recipe_json  # in our own XMP property: no reader takes it for another tool's
        aigc = with_reserved1(label, code1) if label is not None else None
        meta = EmbeddedMeta(
            xmp=build_xmp(aigc, creator_tool=_TOOL, studio_fields=fields), parameters=params, recipe_json=recipe_json
        )
        if fmt == "webp":
            return encode(image, fmt, meta, quality=quality, optimize=optimize, software=_TOOL)
        if (quality, optimize) not in pixels:
            pixels[quality, optimize] = encode_pixels(
                image, fmt, parameters=params, quality=quality, optimize=optimize, software=_TOOL
            )
        return add_meta(pixels[quality, optimize], fmt, meta)

    def shipped_digest(quality: int | None, optimize: bool, data: bytes) -> str:
        if fmt == "png" or (fmt == "webp" and quality is None):
            return pixel_digest(image)  # lossless: the file decodes to exactly these pixels
        if fmt == "jpeg":
            return encoded_pixel_digest(pixels[quality, optimize])  # metadata splicing leaves the scan as is
        return encoded_pixel_digest(data)

    memo = psnr_memo if psnr_memo is not None else PsnrMemo(capacity=8)
    data, quality, optimize = _encode_within_cap(encode_at, fmt, platform, image, poster, memo)
    data = _settle_byte_count(lambda n: encode_at(quality, n, optimize), len(data))
    if label is not None:
        code1 = shipped_digest(quality, optimize, data)
        data = _settle_byte_count(lambda n: encode_at(quality, n, optimize, code1), len(data))
    if platform.min_bytes and len(data) < platform.min_bytes:
        poster.warnings.append(
            f"The file is {len(data) // 1000} KB, under {platform.id}'s {platform.min_bytes // 1000} KB minimum; "
            "the platform may reject it as too plain."
        )
    write_bytes_atomic(Path(out_dir) / name, data)
    return entry(len(data))


def _encode_within_cap(
    encode_at: Callable[..., bytes], fmt: str, platform: Platform, image: Image.Image, poster: Poster, memo: PsnrMemo
) -> tuple[bytes, int | None, bool]:
    """(file bytes, quality used, optimize flag), with the recorded byte count still a placeholder.

    JPEG: highest quality <= 95 that fits the cap, then raised (96..100) while the product's
    PSNR is under 40 dB and the cap allows. PNG: plain, then optimized. WebP: lossless, then
    lossy like JPEG if the cap demands it.
    """
    cap = platform.max_bytes
    # While searching, the recorded byte count is the cap itself: the real count has no more digits.
    placeholder = cap if cap > 0 else 10**7
    if fmt == "png":
        data = encode_at(None, placeholder)
        if not cap or len(data) <= cap:
            return data, None, False
        data = encode_at(None, placeholder, True)
        if len(data) > cap:
            poster.warnings.append(
                f"The PNG is {len(data) / 1e6:.2f} MB, over {platform.id}'s {cap / 1e6:.1f} MB limit; "
                "export as JPEG to fit."
            )
        return data, None, True
    if fmt == "webp":
        data = encode_at(None, placeholder)
        if not cap or len(data) <= cap:
            return data, None, False
    box = poster.product_box
    digest = memo.digest(image, box) if fmt == "jpeg" else b""

    def psnr_of(data: bytes, quality: int) -> float:
        if fmt == "jpeg":
            return memo.measure(digest, quality, data, image, box)
        with Image.open(io.BytesIO(data)) as written:  # lossy WebP: no block argument, no memo
            return box_psnr(image, written, box)

    data, quality = _known_start(encode_at, memo, digest, cap, placeholder) if fmt == "jpeg" else (b"", 0)
    if not data:
        data, quality = _fit_quality(lambda q: encode_at(q, placeholder), cap)
    psnr = psnr_of(data, quality)
    # Below START the cap already forced quality down, so a higher one would not fit.
    while psnr < MIN_PRODUCT_PSNR and START_QUALITY <= quality < 100:
        better = encode_at(quality + 1, placeholder)
        if cap and len(better) > cap:
            break
        data, quality = better, quality + 1
        psnr = psnr_of(data, quality)
    if platform.min_bytes and len(data) < platform.min_bytes and quality < 100:
        data, quality = encode_at(100, placeholder), 100
        psnr = psnr_of(data, quality)
    if psnr < MIN_PRODUCT_PSNR:
        poster.warnings.append(
            f"Compression to fit {platform.id} softened the product's detail "
            f"(PSNR {psnr:.1f} dB at quality {quality}); zoom in before you publish."
        )
    return data, quality, False


def _known_start(
    encode_at: Callable[..., bytes], memo: PsnrMemo, digest: bytes, cap: int, placeholder: int
) -> tuple[bytes, int]:
    """Skip the qualities the memo already knows fall short of 40 dB for these product pixels.

    The search would reach the same quality: START fits whenever a higher quality fits (sizes
    grow with quality; half the cap leaves a wide margin), and each step up is taken while the
    PSNR is short. (b"", 0) when the memo knows nothing useful.
    """
    quality = START_QUALITY
    while quality < 100 and (known := memo.known(digest, quality)) is not None and known < MIN_PRODUCT_PSNR:
        quality += 1
    if quality == START_QUALITY:
        return b"", 0
    data = encode_at(quality, placeholder)
    if cap and len(data) * 2 > cap:
        return b"", 0
    return data, quality


def _settle_byte_count(encode_with: Callable[[int], bytes], guess: int) -> bytes:
    """Re-encode until the byte count written inside the file equals the file's length."""
    data = encode_with(guess)
    for _ in range(6):
        if len(data) == guess:
            return data
        guess = len(data)
        data = encode_with(guess)
    return data  # off by a digit at worst; the OutputFile returned still has the true size


def read_recipe_from_file(path: Path) -> Recipe:
    """The recipe a Poster Studio file carries, so it can be reopened and made again."""
    meta = read_embedded(Path(path))
    if not meta.recipe_json:
        raise StudioError(
            f"{Path(path).name} has no Poster Studio recipe inside.",
            hint="Only files exported by Poster Studio can be reopened; marketplaces and editors often strip it.",
        )
    return Recipe.from_json(meta.recipe_json)


def read_xmp(path: Path) -> str:
    """The file's XMP packet as text ('' when it has none)."""
    return read_embedded(Path(path)).xmp


__all__ = ["write_poster_file", "read_recipe_from_file", "read_xmp", "output_name", "pixel_sha256"]
