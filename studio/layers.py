"""The in-memory data handed from one step of the flow to the next.

photo ─cutout→ Cutout ─scene→ Scene ─copy→ TextLayer… ─render→ Poster ─export→ files

These hold images, so they are never serialized; the Recipe holds the settings
that recreate them. Layers stay separate until render, so a new headline or a
new platform size re-renders without touching a model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image

from studio.recipe import Box


@dataclass(frozen=True)
class Cutout:
    """The product alone: RGBA cropped to the product with a margin.

    `rgba`'s alpha is the refined mask; `box` is the tight product box inside
    `rgba` (alpha > 0), in `rgba`'s pixels. `source_sha256` ties it to the photo.
    """

    rgba: Image.Image
    box: Box
    source_sha256: str = ""
    # studio.notes.Note records (code "lost_parts": the refinement lost a part of the product); the UI translates them
    warnings: list = field(default_factory=list)
    # the whole photo (RGB, the cut-out's colours) and where `rgba`'s top-left lies in it, so the
    # touch-up brush can paint back a part the crop left out; None when only the crop is known
    photo: Image.Image | None = None
    origin: tuple[int, int] = (0, 0)

    @property
    def mask(self) -> Image.Image:
        return self.rgba.getchannel("A")


@dataclass(frozen=True)
class PlacedProduct:
    """The cutout resampled once to its place on one canvas (exact final pixels)."""

    rgba: Image.Image  # canvas-sized RGBA, transparent outside the product
    box: Box  # product box on the canvas (alpha > 0)


@dataclass(frozen=True)
class Scene:
    """A background for one canvas size, without the product's own pixels."""

    background: Image.Image  # RGB, canvas size
    shadow: Image.Image | None  # L mask of the contact shadow (0..255 opacity), canvas size
    seed: int
    prompt: str = ""
    negative_prompt: str = ""
    kind: str = "procedural"  # procedural | generated
    control_image: Image.Image | None = None  # what the ControlNet saw, for the UI
    note: str = ""  # e.g. "tiny profile: random weights, the scene is noise"


@dataclass(frozen=True)
class TextLayer:
    """One copy layer: an RGBA image the size of its box (or of the canvas), placed at `box`."""

    name: str  # headline, subline, point_1…, price, badge, cta, logo
    rgba: Image.Image
    box: Box


@dataclass
class Poster:
    image: Image.Image  # RGB, exactly the platform's size
    platform: str
    product_box: Box
    text_boxes: dict[str, Box] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    text_px: dict[str, int] | None = None  # font size per text layer; None: the copy was not laid out here
    upscale: float = 1.0  # product pixels per photo pixel (above ~2 the product looks soft)
    notes: list = field(default_factory=list)  # the same warnings as studio.notes.Note records
