"""Check a written file against its platform's rules; every check says passed, failed or not checked, and why.

white_background, defined: the outermost ring of the image (1% of the short
side, at least 4 px) must be exactly (255,255,255); everything else outside the
product box, grown by a margin that covers JPEG ringing (8 px, one block, or 1%
of the short side), must be at least 250 in every channel. Without a product
box only the ring can be checked, and the result says so.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Literal

import numpy as np
from PIL import Image

from studio.export.layout_metrics import layout_row
from studio.export.poster_rows import poster_rows
from studio.presets import Platform
from studio.recipe import Box, CopyText

Status = Literal["passed", "failed", "not_checked"]
NEAR_WHITE = 250
FILL_MIN = 0.85
_FORMATS = {"JPEG": "jpeg", "PNG": "png", "WEBP": "webp"}


def _check(status: Status, reason: str, **details: Any) -> dict[str, Any]:
    return {"status": status, "reason": reason, **details}


def _srgb(image: Image.Image) -> dict[str, Any]:
    if image.mode not in ("RGB", "L", "P", "RGBA"):
        return _check("failed", f"the image is {image.mode}, not RGB; marketplaces show CMYK files with wrong colours")
    icc = image.info.get("icc_profile")
    if not icc:
        return _check("passed", "no colour profile embedded; viewers treat untagged images as sRGB")
    from PIL import ImageCms

    try:
        description = ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc))).strip()
    except (OSError, ImageCms.PyCMSError) as exc:
        return _check("failed", f"the embedded colour profile is unreadable ({exc})")
    if "srgb" in description.lower():
        return _check("passed", f"embedded profile '{description}'")
    return _check("failed", f"embedded profile '{description}' is not sRGB; colours will shift on the marketplace")


def _white_background(rgb: np.ndarray, product_box: Box | None) -> dict[str, Any]:
    height, width = rgb.shape[:2]
    short = min(width, height)
    ring = max(4, short // 100)
    # Per pixel, the darkest channel: "all channels ≥ t" is "darkest ≥ t". One uint8 pass, no masks copied.
    darkest = np.minimum(np.minimum(rgb[..., 0], rgb[..., 1]), rgb[..., 2]) if rgb.ndim == 3 else rgb  # ≫ min(axis=2)
    not_pure = darkest != 255
    inner = not_pure[ring : height - ring, ring : width - ring]
    ring_bad = int(np.count_nonzero(not_pure)) - int(np.count_nonzero(inner))
    if product_box is None:
        status: Status = "passed" if ring_bad == 0 else "failed"
        return _check(
            status,
            f"border ring only ({ring_bad} non-white pixels); give the product box to check the rest",
            partial=True,
            non_white_ring_pixels=ring_bad,
        )
    grow = max(8, short // 100)
    x0, y0, x1, y1 = product_box
    dim = darkest < NEAR_WHITE
    around = dim[max(0, y0 - grow) : min(height, y1 + grow), max(0, x0 - grow) : min(width, x1 + grow)]
    off_white = int(np.count_nonzero(dim)) - int(np.count_nonzero(around))
    if ring_bad == 0 and off_white == 0:
        return _check(
            "passed",
            "border is pure white and everything outside the product is white",
            non_white_ring_pixels=0,
            off_white_pixels=0,
        )
    return _check(
        "failed",
        f"{off_white} pixels outside the product are not white and {ring_bad} border pixels are not pure "
        "(255,255,255); shadows or a coloured scene are not allowed here",
        non_white_ring_pixels=ring_bad,
        off_white_pixels=off_white,
    )


def _fill(size: tuple[int, int], product_box: Box | None) -> dict[str, Any]:
    if product_box is None:
        return _check("not_checked", "the product box is unknown")
    longest = max(product_box[2] - product_box[0], product_box[3] - product_box[1])
    fill = longest / max(size)
    if fill >= FILL_MIN:
        return _check("passed", f"product spans {fill:.0%} of the longer side", fill=round(fill, 4))
    return _check(
        "failed", f"product spans only {fill:.0%} of the longer side (needs 85%); make it bigger", fill=round(fill, 4)
    )


def _ocr_text(rgb: np.ndarray) -> list[str] | None:
    try:
        from rapidocr_onnxruntime import RapidOCR  # type: ignore[import-not-found]
    except ImportError:
        return None
    result, _ = RapidOCR()(rgb)
    return [str(line[1]) for line in (result or []) if float(line[2]) >= 0.6]


def _no_text(rgb: np.ndarray | None, text_boxes: dict[str, Box] | None, ocr: bool) -> dict[str, Any]:
    if text_boxes:
        return _check("failed", f"the layout puts text on it: {', '.join(text_boxes)}", layers=sorted(text_boxes))
    if ocr and rgb is not None:
        found = _ocr_text(rgb)
        if found is None:
            return _check("not_checked", "OCR (rapidocr-onnxruntime) is not installed")
        # Print on the product itself (its own label) counts as text to OCR; it says so.
        if found:
            return _check("failed", f"OCR read text on the image: {' | '.join(found[:5])}", ocr_text=found)
        return _check("passed", "no text layers and OCR read nothing")
    if text_boxes is None:
        return _check("not_checked", "the text layers are unknown and OCR was not asked for")
    return _check("passed", "the layout has no text layers (OCR not run)")


def safe_area(platform: Platform) -> dict[str, float]:
    """Fractions of the height covered by the app's UI at the top and bottom (0 when the rule is off)."""
    return {"top": platform.safe_top, "bottom": platform.safe_bottom}


def _safe_top_bottom(platform: Platform, height: int, text_boxes: dict[str, Box] | None) -> dict[str, Any]:
    if text_boxes is None:
        return _check("not_checked", "the text layers are unknown")
    safe = safe_area(platform)
    top, bottom = safe["top"] * height, (1 - safe["bottom"]) * height
    bad = [name for name, b in text_boxes.items() if b[1] < top or b[3] > bottom]
    if bad:
        return _check(
            "failed",
            f"text sits under the app's overlays (top {safe['top']:.0%} / bottom "
            f"{safe['bottom']:.0%}): {', '.join(bad)}",
            layers=bad,
        )
    return _check("passed", f"all text clear of the top {safe['top']:.0%} and bottom {safe['bottom']:.0%}")


def _aigc_metadata(path: Path, ai_generated: bool | None = None) -> dict[str, Any]:
    from studio.export.files import read_xmp
    from studio.export.xmp import parse_xmp

    if ai_generated is False:
        # GB 45438-2025 labels AI-made content; a studio backdrop drawn without a model needs none.
        return _check("passed", "no AI label needed: no model made any pixel of this poster")
    packet = read_xmp(path)
    if not packet:
        return _check("failed", "no XMP metadata, so no implicit AI label (GB 45438-2025)")
    try:
        aigc = parse_xmp(packet).aigc
    except ValueError as exc:
        return _check("failed", f"the XMP metadata is broken: {exc}")
    if not aigc or aigc.get("Label") not in ("1", "2", "3"):
        return _check("failed", "the XMP has no TC260:AIGC label")
    from studio.export.aigc import verify_label

    holds, why = verify_label(path, aigc)
    if not holds:
        return _check("failed", f"TC260:AIGC label present but {why}")
    return _check(
        "passed",
        f"TC260:AIGC Label={aigc['Label']}, ContentProducer={aigc.get('ContentProducer', '')}, "
        f"ProduceID={aigc.get('ProduceID', '')}; {why}",
    )


def _ends_whole(path: Path, pil_format: str) -> bool:
    """Whether the file ends as its format says a whole file ends (cheap: no decode)."""
    with open(path, "rb") as handle:
        handle.seek(0, 2)
        length = handle.tell()
        handle.seek(max(0, length - 12))
        tail = handle.read()
        if pil_format == "JPEG":
            return tail.endswith(b"\xff\xd9")
        if pil_format == "PNG":
            return tail.endswith(b"IEND\xaeB`\x82")
        if pil_format == "WEBP":
            handle.seek(4)
            return int.from_bytes(handle.read(4), "little") + 8 == length
    return False


def check_file(
    path: Path,
    platform: Platform,
    *,
    product_box: Box | None = None,
    text_boxes: dict[str, Box] | None = None,
    ocr: bool = False,
    ai_generated: bool | None = None,
    copy: CopyText | None = None,
    text_px: dict[str, int] | None = None,
    upscale: float | None = None,
) -> dict[str, Any]:
    """{'file', 'platform', 'compliant', 'checks': {name: {status, reason, …}}}.

    copy / text_px / upscale (what the studio knows of its own poster) add the poster rows of
    `studio.export.poster_rows`: copy left out, text too small, product blown up.

    ai_generated=False (a procedural or white backdrop) means the AI label is not required;
    None (unknown, e.g. a file from elsewhere) or True means it is.

    compliant is True when nothing failed (checks that could not run are listed, not assumed).
    text_boxes=None means "unknown"; {} means "the layout has none".
    """
    path = Path(path)
    checks: dict[str, dict[str, Any]] = {}
    size = path.stat().st_size
    # Pixels are decoded only for the rules that look at them; size, format and profile are in the header.
    needs_pixels = "white_background" in platform.rules or ("no_text" in platform.rules and ocr)
    judge_layout = copy is not None and text_px is not None and bool(text_boxes)  # the studio laid this copy out
    needs_pixels = needs_pixels or judge_layout
    rgb: np.ndarray | None = None
    with Image.open(path) as image:
        if needs_pixels or not _ends_whole(path, image.format or ""):
            image.load()  # a cut-off file fails here, as a decode would
        fmt = _FORMATS.get(image.format or "", (image.format or "?").lower())
        checks["size"] = (
            _check("passed", f"{image.width}×{image.height} as required")
            if image.size == platform.size
            else _check(
                "failed", f"{image.width}×{image.height}, but {platform.id} needs {platform.width}×{platform.height}"
            )
        )
        checks["format"] = (
            _check("passed", f"{fmt} as the platform prefers")
            if fmt == platform.format
            else _check(
                "failed" if fmt not in ("jpeg", "png") else "passed", f"{fmt}; the platform prefers {platform.format}"
            )
        )
        if platform.max_bytes and size > platform.max_bytes:
            checks["max_bytes"] = _check("failed", f"{size:,} bytes, over the {platform.max_bytes:,} limit")
        else:
            checks["max_bytes"] = _check(
                "passed", f"{size:,} bytes" + (f" ≤ {platform.max_bytes:,}" if platform.max_bytes else "")
            )
        if platform.min_bytes:
            checks["min_bytes"] = _check(
                "passed" if size >= platform.min_bytes else "failed",
                f"{size:,} bytes; the platform wants at least {platform.min_bytes:,}",
            )
        checks["srgb"] = _srgb(image)
        if needs_pixels:
            rgb = np.asarray(image if image.mode == "RGB" else image.convert("RGB"))  # a copy: outlives the file
    for rule in platform.rules:
        if rule == "white_background" and rgb is not None:
            checks[rule] = _white_background(rgb, product_box)
        elif rule == "fill_85":
            checks[rule] = _fill(platform.size, product_box)
        elif rule == "no_text":
            checks[rule] = _no_text(rgb, text_boxes, ocr)
        elif rule == "safe_top_bottom":
            checks[rule] = _safe_top_bottom(platform, platform.height, text_boxes)
        else:
            checks[rule] = _check("not_checked", f"the studio has no check for the rule '{rule}' yet")
    checks["aigc_metadata"] = _aigc_metadata(path, ai_generated)
    if ai_generated and text_boxes is not None:
        from studio.export.visible_label import check_visible_label

        checks["aigc_visible_label"] = check_visible_label(path, text_boxes.get("aigc_label"))
    checks.update(
        poster_rows(
            copy,
            size=platform.size,
            allows_text=platform.allows_text,
            text_boxes=text_boxes,
            text_px=text_px,
            upscale=upscale,
        )
    )
    if judge_layout:
        checks["layout"] = layout_row(rgb, product_box, text_boxes)
    compliant = all(c["status"] != "failed" for c in checks.values())
    return {"file": path.name, "platform": platform.id, "compliant": compliant, "checks": checks}
