"""The marketplace main image: the product on pure white, square, big enough, filling the frame.

Rules checked (Taobao/Tmall/JD/Amazon main-image style): background exactly
(255, 255, 255), square, at least `min_size` px a side, and the product's
bounding box at least `min_fill` of the frame's longer side.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from studio.errors import StudioError
from studio.layers import Cutout

CONTENT_LEVEL = 245  # a pixel with any channel below this is product, not white paper
MIN_WHITE_SHARE = 0.995  # of the pixels outside the product box that must be exactly white


def white_background_image(cutout: Cutout, size: int = 2000, fill: float = 0.9) -> tuple[Image.Image, dict]:
    """A size×size RGB image, product centred with its box at `fill` of the side, and its report."""
    if not 0.05 <= fill <= 1.0:
        raise StudioError(f"The product size {fill:.0%} is out of range.", hint="Use 85% to 95% for a main image.")
    if size < 16:
        raise StudioError(f"A {size} px image is too small.", hint="Use at least 1000 px.")
    x0, y0, x1, y1 = cutout.box
    product = cutout.rgba.crop((x0, y0, x1, y1))
    scale = fill * size / max(product.size)
    new_size = (max(1, round(product.width * scale)), max(1, round(product.height * scale)))
    product = product.resize(new_size, Image.Resampling.LANCZOS)  # premultiplied by PIL: no dark fringe
    canvas = Image.new("RGBA", (size, size), (255, 255, 255, 255))
    canvas.alpha_composite(product, ((size - new_size[0]) // 2, (size - new_size[1]) // 2))
    image = canvas.convert("RGB")
    return image, check_white_background(image)


def check_white_background(image: Image.Image, min_size: int = 1000, min_fill: float = 0.85) -> dict:
    """Judge any image against the main-image rules; `problems` says what to fix, in words."""
    width, height = image.size
    problems: list[str] = []
    transparent = image.mode in ("RGBA", "LA", "PA") and image.getchannel("A").getextrema()[0] < 255
    rgb = np.asarray(image.convert("RGB"))
    content = (rgb < CONTENT_LEVEL).any(axis=2)
    ys, xs = np.flatnonzero(content.any(axis=1)), np.flatnonzero(content.any(axis=0))
    if ys.size:
        box = (int(xs[0]), int(ys[0]), int(xs[-1]) + 1, int(ys[-1]) + 1)
        outside = np.ones(content.shape, bool)
        outside[box[1] : box[3], box[0] : box[2]] = False
        pure = (rgb == 255).all(axis=2)
        white_share = float(pure[outside].mean()) if outside.any() else 0.0
        fill_ratio = max(box[2] - box[0], box[3] - box[1]) / max(width, height)
    else:
        box, white_share, fill_ratio = None, float((rgb == 255).all(axis=2).mean()), 0.0
    white_background = white_share >= MIN_WHITE_SHARE and not transparent and box != (0, 0, width, height)

    if width != height:
        problems.append(f"The image is {width}×{height} px; a main image must be square.")
    if min(width, height) < min_size:
        problems.append(f"The image is {width}×{height} px; it needs at least {min_size}×{min_size} px.")
    if transparent:
        problems.append("The background is transparent; it must be pure white.")
    elif not white_background:
        problems.append(
            f"The background is not pure white (255, 255, 255): only {white_share:.1%} of it is. "
            "Use the studio's white-background image."
        )
    if box is None:
        problems.append("No product is visible: the image is all white.")
    elif fill_ratio < min_fill:
        problems.append(f"The product fills {fill_ratio:.0%} of the frame; it should fill at least {min_fill:.0%}.")
    return {
        "width": width,
        "height": height,
        "square": width == height,
        "white_background": white_background,
        "white_share": round(white_share, 4),
        "product_box": box,
        "fill_ratio": round(fill_ratio, 4),
        "min_size": min_size,
        "min_fill": min_fill,
        "passes": not problems,
        "problems": problems,
    }


JPEG_QUALITIES = (95, 92, 90, 88, 85)  # JPEG ringing can tint the white next to the product; try these in turn


def encode_white_background(image: Image.Image) -> tuple[bytes, str, dict]:
    """The file a seller uploads: (bytes, "jpeg" or "png", the report on that file as decoded).

    Marketplaces prefer JPEG, but JPEG ringing leaves 253–254 greys around the
    product, which fails "pure white" (q95 did on a wide product). The first
    quality whose decoded file still passes is used; PNG (lossless) when none
    does. An image that fails for other reasons (size, fill) is not the
    encoder's fault: it gets the best JPEG and its honest report.
    """
    rgb = image.convert("RGB")
    qualities = JPEG_QUALITIES if check_white_background(rgb)["passes"] else JPEG_QUALITIES[:1]
    for quality in qualities:
        data = _encode(rgb, "JPEG", quality=quality, subsampling=0)
        report = _check_encoded(data)
        if report["passes"] or len(qualities) == 1:
            return data, "jpeg", report
    data = _encode(rgb, "PNG", optimize=True)
    return data, "png", _check_encoded(data)


def _encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    import io

    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _check_encoded(data: bytes) -> dict:
    import io

    with Image.open(io.BytesIO(data)) as decoded:
        decoded.load()
        return check_white_background(decoded)
