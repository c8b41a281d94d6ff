"""The TC260 implicit label's fields, and how a reader checks them on the file as shipped.

GB 45438-2025 leaves ReservedCode1 to the producer and ReservedCode2 to the propagator for
their own protection information. We define them so anyone can recompute them:

  ReservedCode1 = "sha256-rgb8:" + SHA-256 of  b"{width}x{height}:"  followed by the file's
                  pixels decoded to 8-bit RGB, row by row (R, G, B per pixel). It is computed
                  on the encoded pixels (the JPEG as a decoder gives them back), so it matches
                  the file that ships, not the image before compression. Decoder: libjpeg-turbo's
                  default (islow) IDCT, libpng, libwebp (what Pillow uses); PNG and lossless WebP
                  decode bit-exactly anywhere.
  ProduceID     = the first 32 hex digits of SHA-256 over what made the file (its recipe without
                  outputs, platform, file name, format, producer; see content_id): unique to the
                  content, and the same when the same recipe is made again (a rerun, another worker).
  ReservedCode2 = "sha256-label:" + SHA-256 of the UTF-8 JSON array of the other six fields'
                  values in the standard's order (Label, ContentProducer, ProduceID,
                  ReservedCode1, ContentPropagator, PropagateID), no spaces; it shows the label
                  was not edited after the file was made. Empty when no propagator is named.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path

import numpy as np
from PIL import Image

PIXEL_PREFIX = "sha256-rgb8:"
LABEL_PREFIX = "sha256-label:"
PLACEHOLDER_DIGEST = PIXEL_PREFIX + "0" * 64  # same length as a real one, for the size search
DEFAULT_PRODUCER = "PosterStudio"
_CHAINED = ("Label", "ContentProducer", "ProduceID", "ReservedCode1", "ContentPropagator", "PropagateID")


def pixel_digest(image: Image.Image) -> str:
    """ReservedCode1 of these (already decoded) pixels."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    digest = hashlib.sha256(f"{rgb.width}x{rgb.height}:".encode())
    digest.update(np.ascontiguousarray(np.asarray(rgb)).tobytes())
    return PIXEL_PREFIX + digest.hexdigest()


def encoded_pixel_digest(data: bytes) -> str:
    """ReservedCode1 of an encoded file's pixels (decodes it)."""
    import io

    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return pixel_digest(image)


def content_id(kind: str, *facts: str) -> str:
    """A 32-hex ID (uuid4's length) derived from `facts`: other content gets another ID, a remake the same
    one, so files made from one recipe are byte-identical wherever they are made (local pool, Ray)."""
    text = json.dumps([kind, *facts], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def label_digest(fields: dict[str, str]) -> str:
    """ReservedCode2 over the other six fields."""
    text = json.dumps([str(fields.get(k, "")) for k in _CHAINED], ensure_ascii=False, separators=(",", ":"))
    return LABEL_PREFIX + hashlib.sha256(text.encode("utf-8")).hexdigest()


def aigc_fields(
    producer: str, reserved1: str, *, propagator: str = "", produce_id: str = "", propagate_id: str = ""
) -> dict[str, str]:
    """The seven TC260 fields; the propagator ones (and ReservedCode2) only when a propagator is named."""
    producer = producer.strip() or DEFAULT_PRODUCER
    fields = {
        "Label": "1",  # 1 = AI-generated
        "ContentProducer": producer,
        "ProduceID": produce_id or uuid.uuid4().hex,
        "ReservedCode1": reserved1,
        "ContentPropagator": propagator.strip(),
        "PropagateID": (propagate_id or uuid.uuid4().hex) if propagator.strip() else "",
        "ReservedCode2": "",
    }
    if fields["ContentPropagator"]:
        fields["ReservedCode2"] = label_digest(fields)
    return fields


def with_reserved1(fields: dict[str, str], reserved1: str) -> dict[str, str]:
    """The same label over other pixels (ReservedCode2 follows)."""
    out = {**fields, "ReservedCode1": reserved1}
    if out.get("ContentPropagator"):
        out["ReservedCode2"] = label_digest(out)
    return out


def verify_label(path: Path, fields: dict[str, str]) -> tuple[bool, str]:
    """(holds, why): ReservedCode1 against the file's decoded pixels, ReservedCode2 against the fields."""
    code1 = fields.get("ReservedCode1", "")
    if not code1.startswith(PIXEL_PREFIX):
        return False, f"ReservedCode1 is not a {PIXEL_PREFIX} digest, so it cannot be checked"
    with Image.open(path) as image:
        image.load()
        actual = pixel_digest(image)
    if actual != code1:
        return False, "ReservedCode1 does not match the file's pixels: the image was changed after labelling"
    code2 = fields.get("ReservedCode2", "")
    if code2 and code2 != label_digest(fields):
        return False, "ReservedCode2 does not match the label's other fields: the label was edited"
    return True, "ReservedCode1 matches the decoded pixels" + (" and ReservedCode2 the label" if code2 else "")
