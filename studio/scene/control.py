"""Control images for the ControlNet: the placed product's edges (or depth), nothing else.

The ControlNet sees only the product, so the generated scene is built around
its outline and never invents a second product elsewhere on the canvas.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from PIL import Image

from studio.errors import StudioError
from studio.layers import PlacedProduct

# Edges further than this from the product's alpha are dropped (Canny may ring there).
EDGE_MARGIN_PX = 2
DEPTH_ANNOTATOR_REPO = "lllyasviel/Annotators"


def make_control_image(
    placed: PlacedProduct,
    kind: Literal["canny", "depth"] = "canny",
    *,
    low: int = 100,
    high: int = 200,
    size: tuple[int, int] | None = None,
) -> Image.Image:
    """An RGB control image of the placed product alone, canvas-sized or at `size`.

    Pass the model's working size: edges are then found at the resolution the
    ControlNet reads, so its 1-px lines stay connected. A canvas-sized map shrunk
    to the working size loses most of them (38–64 % of the outline survived NEAREST).
    """
    rgba = placed.rgba.convert("RGBA")
    if size is not None and size != rgba.size:
        rgba = rgba.resize(size, Image.Resampling.LANCZOS)
    alpha = np.asarray(rgba.getchannel("A"))
    if not alpha.any():
        raise StudioError("The product is not on the canvas.", hint="Move or enlarge it in the placement settings.")
    if kind == "canny":
        edges = product_edges(rgba, low=low, high=high)
        return Image.fromarray(np.repeat(edges[..., None], 3, axis=2))
    if kind == "depth":
        return product_depth(rgba)
    raise StudioError(f"Unknown control type '{kind}'.", hint="Choose canny or depth.")


def shrink_edges(control: Image.Image, size: tuple[int, int]) -> Image.Image:
    """A control image at `size` where every line that was there survives (thicker, never dotted).

    For maps made at another size than the model's: a pixel is an edge when any
    source pixel it covers was one (area average, then anything above zero).
    """
    import cv2

    if control.size == size:
        return control.convert("RGB")
    grey = np.asarray(control.convert("L"), dtype=np.float32)
    area = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
    lines = np.where(area > 0.5, 255, 0).astype(np.uint8)
    return Image.fromarray(np.repeat(lines[..., None], 3, axis=2))


def product_edges(rgba: Image.Image, *, low: int = 100, high: int = 200) -> np.ndarray:
    """uint8 edge map (0/255): the product's outline plus the edges inside it.

    cv2.Canny is what controlnet-aux's CannyDetector runs; it is called directly
    because the detector also resamples to multiples of 64 px, which would move
    the edges off the canvas pixels the product really occupies.
    """
    import cv2

    if not 0 <= low <= high:
        raise StudioError("The edge thresholds must satisfy 0 ≤ low ≤ high.")
    alpha = np.asarray(rgba.getchannel("A"))
    solid = alpha >= 128
    # On mid-grey, the product's silhouette shows up as edges whatever its colours.
    grey = Image.new("RGB", rgba.size, (127, 127, 127))
    grey.paste(rgba.convert("RGB"), mask=rgba.getchannel("A"))
    luma = cv2.cvtColor(np.asarray(grey), cv2.COLOR_RGB2GRAY)
    inner = cv2.Canny(luma, low, high)
    outline = cv2.Canny(solid.astype(np.uint8) * 255, 100, 200)
    kernel = np.ones((2 * EDGE_MARGIN_PX + 1, 2 * EDGE_MARGIN_PX + 1), np.uint8)
    near_product = cv2.dilate((alpha > 0).astype(np.uint8), kernel) > 0
    edges = (inner > 0) | (outline > 0)
    return np.where(edges & near_product, 255, 0).astype(np.uint8)


def product_depth(rgba: Image.Image) -> Image.Image:
    """Depth of the product (background black) from the MiDaS annotator; needs its weights once."""
    import warnings

    try:
        with warnings.catch_warnings():  # controlnet-aux warns about every detector it imports
            warnings.simplefilter("ignore")
            from controlnet_aux import MidasDetector
        detector = MidasDetector.from_pretrained(DEPTH_ANNOTATOR_REPO)
    except Exception as exc:  # noqa: BLE001 - offline, missing package, or a broken download
        raise StudioError(
            "Depth control needs a depth model that is downloaded once from huggingface.co, and it is not available.",
            hint="Use canny control (the default), or connect once so the depth model can download.",
        ) from exc
    grey = Image.new("RGB", rgba.size, (127, 127, 127))
    grey.paste(rgba.convert("RGB"), mask=rgba.getchannel("A"))
    depth = detector(grey, detect_resolution=512, image_resolution=max(rgba.size), output_type="pil")
    depth = depth.convert("L").resize(rgba.size, Image.Resampling.BILINEAR)
    keep = np.asarray(rgba.getchannel("A")) > 0
    values = np.where(keep, np.asarray(depth), 0).astype(np.uint8)
    return Image.fromarray(values).convert("RGB")
