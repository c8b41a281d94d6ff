"""A seller's SKU as typed (any script) and the safe slug that goes into file names.

The manifest and the recipe keep the SKU exactly as the seller wrote it (`玫瑰香水50ml`);
only the file name needs something every file system, zip tool and marketplace uploader
accepts: ASCII letters, digits, `_` and `-`. Other characters become their Unicode code
point in hex (玫 → u73ab), so two different SKUs never share a slug and the slug stays
readable back to the SKU.
"""

from __future__ import annotations

import re

SKU_MAX = 64
_SAFE = re.compile(r"[A-Za-z0-9_\-]")
_SLUG_MAX = 80  # file names stay well under every platform's 255-byte limit


def sku_slug(sku: str) -> str:
    """`abc-01` stays `abc-01`; `玫瑰香水50ml` becomes `u73ab-u7470-u9999-u6c34-50ml`."""
    parts: list[str] = []
    for ch in sku.strip():
        if _SAFE.fullmatch(ch):
            parts.append(ch)
        elif ch.isspace():
            parts.append("_")
        else:
            if parts and parts[-1] != "-":
                parts.append("-")
            parts.append(f"u{ord(ch):04x}-")
    slug = "".join(parts).strip("-_")
    slug = re.sub(r"-{2,}", "-", slug)
    if len(slug) > _SLUG_MAX:
        import hashlib

        # Long non-ASCII SKUs: a readable start plus a short hash keeps slugs distinct.
        slug = slug[: _SLUG_MAX - 9].rstrip("-_") + "-" + hashlib.sha256(sku.encode()).hexdigest()[:8]
    return slug or "poster"


def check_sku(value: str) -> str:
    """The SKU trimmed; ValueError (shown as one clear message) when it is empty, too long or has control characters."""
    text = str(value).strip()
    if not text:
        raise ValueError("the product code (SKU) is empty / 商品编码为空")
    if len(text) > SKU_MAX:
        raise ValueError(f"the product code (SKU) is longer than {SKU_MAX} characters / 商品编码超过 {SKU_MAX} 个字符")
    if any(ord(c) < 32 or c in "\x7f/\\" for c in text):
        raise ValueError("the product code (SKU) holds a slash or a control character / 商品编码含有斜杠或控制字符")
    return text
