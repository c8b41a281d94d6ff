"""Logos by content, never by path: a recipe says `sha256:<hex>` of the logo's bytes.

A recipe or project travels between machines and reaches the server from strangers, so a path in it
would read any image on the server (and say which files exist). The bytes come only from what the
user gave: a file named on the command line, an upload in this session, or a project carrying them.
They are held here, in this process, bounded in bytes (oldest first out).
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from pathlib import Path

LOGO_REF = re.compile(r"sha256:[0-9a-f]{64}")
MAX_LOGO_BYTES = 8_000_000  # one logo file; a mark is a few hundred KB
MAX_STORE_BYTES = 64_000_000  # every logo held by this process together

_lock = threading.Lock()
_logos: OrderedDict[str, bytes] = OrderedDict()


def is_logo_ref(value: str) -> bool:
    return bool(LOGO_REF.fullmatch(value or ""))


def remember_logo(data: bytes) -> str:
    """Hold these logo bytes and return their reference (the recipe's `copy_text.logo`)."""
    if len(data) > MAX_LOGO_BYTES:
        from studio.errors import StudioError

        raise StudioError(
            f"The logo file is too big ({len(data) / 1e6:.1f} MB). / 标志文件太大。",
            hint=f"Use a PNG under {MAX_LOGO_BYTES // 1_000_000} MB.",
        )
    ref = "sha256:" + hashlib.sha256(data).hexdigest()
    with _lock:
        _logos[ref] = data
        _logos.move_to_end(ref)
        while sum(len(v) for v in _logos.values()) > MAX_STORE_BYTES and len(_logos) > 1:
            _logos.popitem(last=False)
    return ref


def logo_from_file(path: str | Path) -> str:
    """The reference of a logo file the user gave (a command-line argument, this session's upload)."""
    p = Path(path)
    if p.stat().st_size > MAX_LOGO_BYTES:
        return remember_logo(b"\0" * (MAX_LOGO_BYTES + 1))  # the same message, without reading it all
    return remember_logo(p.read_bytes())


def logo_bytes(ref: str) -> bytes | None:
    """The bytes behind a reference, or None when this process does not hold them (not a path: never read)."""
    with _lock:
        return _logos.get(ref) if is_logo_ref(ref) else None


def logo_file(ref: str) -> str | None:
    """The logo as a file a widget can show again (a reopened project's logo), written once by content."""
    import tempfile

    data = logo_bytes(ref)
    if data is None:
        return None
    folder = Path(tempfile.gettempdir()) / "poster-studio-logos"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{ref.removeprefix('sha256:')}.png"
    if not path.is_file():
        staging = path.with_suffix(".part")
        staging.write_bytes(data)
        staging.replace(path)
    return str(path)
