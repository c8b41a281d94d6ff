"""Fonts: the bundled CJK font, installed system fonts, and fonts a seller uploads.

The bundled font is Noto Sans SC (OFL) from the `justmytype-intl-cjk` package, a
variable font whose default instance is Thin, so every load sets a weight.
A font chosen by the seller may lack glyphs (a Latin-only font for Chinese copy):
`missing_glyphs` says which, and the layout falls back to the bundled font and warns.
"""

from __future__ import annotations

import importlib.util
import os
import re
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

from studio.errors import StudioError

BUNDLED_ID = "noto_sans_sc"
FONT_SUFFIXES = (".ttf", ".otf", ".ttc")
MAX_FONT_BYTES = 30_000_000
_SYSTEM_FONT_DIRS = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".fonts",
    Path.home() / ".local/share/fonts",
    Path("/Library/Fonts"),
    Path("/System/Library/Fonts"),
    Path(os.environ.get("WINDIR", "C:/Windows")) / "Fonts",
)
# sfnt magic numbers: TrueType, OpenType/CFF, TrueType collection, old Apple TrueType
_FONT_MAGIC = (b"\x00\x01\x00\x00", b"OTTO", b"ttcf", b"true")


def bundled_font_path() -> Path:
    """Noto Sans SC inside the installed `justmytype_intl_cjk` package."""
    spec = importlib.util.find_spec("justmytype_intl_cjk")
    if spec is None or not spec.submodule_search_locations:
        raise StudioError(
            "The bundled Chinese font is not installed.",
            hint="Install the package justmytype-intl-cjk (pip install justmytype-intl-cjk).",
        )
    root = Path(next(iter(spec.submodule_search_locations)))
    path = root / "fonts" / "ofl" / "notosanssc" / "NotoSansSC[wght].ttf"
    if not path.is_file():
        raise StudioError("The bundled Chinese font file is missing.", hint=f"Expected it at {path}.")
    return path


def _font_id(path: Path) -> str:
    return re.sub(r"[^a-z0-9]+", "_", path.stem.lower()).strip("_")


@lru_cache(maxsize=1)
def _system_fonts() -> tuple[tuple[str, Path], ...]:
    found: dict[str, Path] = {}
    for folder in _SYSTEM_FONT_DIRS:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() in FONT_SUFFIXES and path.is_file():
                found.setdefault(_font_id(path), path)
    return tuple(sorted(found.items()))


def available_fonts() -> dict[str, Path]:
    """Font id → file: the bundled CJK font first, then fonts installed on this machine."""
    fonts: dict[str, Path] = {BUNDLED_ID: bundled_font_path()}
    for font_id, path in _system_fonts():
        fonts.setdefault(font_id, path)
    return fonts


def validate_font_file(path: Path, *, max_bytes: int = MAX_FONT_BYTES) -> str:
    """Check an uploaded font really is a TTF/OTF/TTC that FreeType opens; return its family name."""
    path = Path(path)
    if not path.is_file():
        raise StudioError("The font file was not found.", hint=str(path))
    size = path.stat().st_size
    if size > max_bytes:
        raise StudioError(
            f"This font file is too big ({size / 1e6:.1f} MB).",
            hint=f"Fonts up to {max_bytes / 1e6:.0f} MB are accepted.",
        )
    if path.suffix.lower() not in FONT_SUFFIXES:
        raise StudioError("This is not a font file.", hint="Upload a .ttf, .otf or .ttc font.")
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic not in _FONT_MAGIC:
        raise StudioError(
            "This file is not a usable font.",
            hint="Upload a .ttf, .otf or .ttc font (WOFF web fonts are not supported).",
        )
    try:
        font = ImageFont.truetype(str(path), 24)
        family, _style = font.getname()
    except (OSError, ValueError) as exc:
        raise StudioError("This font file is damaged or not supported.", hint=str(exc)) from None
    return family or path.stem


# A font the user gave (an upload, a --font file) is kept by content and named "upload:<sha256>.<ext>":
# recipes name fonts by id or by that reference, never by a path on the machine that made them.
FONT_REF = re.compile(r"upload:[0-9a-f]{64}\.(ttf|otf|ttc)")
FONT_PATH_NOTE = (
    "The recipe named its font by a file path, which is never read: the bundled font is used; upload the font "
    "again. / 配方里的字体是文件路径，不会被读取：已改用内置字体，请重新上传字体。"
)


def _kept_fonts() -> Path:
    import tempfile

    folder = Path(tempfile.gettempdir()) / "poster-studio-fonts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def keep_font_file(path: str | Path, *, max_bytes: int = MAX_FONT_BYTES) -> tuple[str, str]:
    """Check a font file the user gave and keep a copy by content: (family name, its "upload:…" reference)."""
    import hashlib
    import shutil

    src = Path(path)
    family = validate_font_file(src, max_bytes=max_bytes)
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    ref = f"upload:{digest}{src.suffix.lower()}"
    dest = _kept_fonts() / ref.removeprefix("upload:")
    if not dest.is_file():
        staging = dest.with_suffix(".part")
        shutil.copyfile(src, staging)
        staging.replace(dest)
    return family, ref


def is_font_path(value: str) -> bool:
    """Whether a recipe's font names a file path (never opened) rather than an id or an upload reference."""
    value = (value or "").strip()
    if FONT_REF.fullmatch(value):
        return False
    return "/" in value or "\\" in value or value.lower().endswith(FONT_SUFFIXES)


def resolve_font(name: str) -> Path:
    """A font id from `available_fonts()`, a family name, or an uploaded font's reference; never a path."""
    name = (name or BUNDLED_ID).strip()
    fonts = available_fonts()
    if name in fonts:
        return fonts[name]
    if FONT_REF.fullmatch(name):
        kept = _kept_fonts() / name.removeprefix("upload:")
        if kept.is_file():
            return kept
        raise StudioError("The uploaded font is not on this server any more. / 上传的字体已不在，请重新上传。")
    if is_font_path(name):
        raise StudioError(
            "A font is chosen by its name, never by a file path. / 字体只能按名称选择，不能用文件路径。",
            hint="Upload the font file, or choose a listed font.",
        )
    as_id = _font_id(Path(name))
    if as_id in fonts:
        return fonts[as_id]
    some = ", ".join(list(fonts)[:8])
    raise StudioError(f"Unknown font '{name}'.", hint=f"Upload a font file or choose one of: {some}…")


# Name-table language ids (Windows) of Simplified Chinese: PRC, Singapore.
_SIMPLIFIED_LANG_IDS = frozenset({0x0804, 0x1004})
_SIMPLIFIED_NAME = re.compile(r"(\bSC\b|\bGB\b|Simplified|简|\bCN\b)", re.IGNORECASE)


def _face_score(names: list[tuple[int, str]]) -> int:
    """How surely a face is the Simplified Chinese one, from its (langID, family name) records."""
    score = 0
    if any(lang in _SIMPLIFIED_LANG_IDS for lang, _ in names):
        score += 4
    if any(_SIMPLIFIED_NAME.search(name) for _, name in names):
        score += 3
    if any("mono" in name.lower() for _, name in names):
        score -= 1  # the proportional face reads better on a poster
    return score


@lru_cache(maxsize=32)
def face_index(font_path: str) -> int:
    """The face of a .ttc that draws Simplified Chinese (SC), by its own name tables; 0 for other files.

    A CJK collection's first face is often Japanese (Noto Sans CJK JP): its 骨, 直, 海 are
    Japanese glyph shapes. Faces are scored by name-record language (zh-CN / zh-SG) and
    family name (… SC, … GB); proportional beats mono; ties keep the earlier face.
    """
    if not font_path.lower().endswith((".ttc", ".otc")):
        return 0
    from fontTools.ttLib import TTCollection

    try:
        collection = TTCollection(font_path, lazy=True)
    except (OSError, ValueError, AssertionError):
        return 0
    best, best_score = 0, None
    for index, font in enumerate(collection.fonts):
        try:
            records = [(r.langID, r.toUnicode()) for r in font["name"].names if r.nameID in (1, 4, 16)]
        except (KeyError, UnicodeDecodeError):
            continue
        score = _face_score(records)
        if best_score is None or score > best_score:
            best, best_score = index, score
    return best


@lru_cache(maxsize=16)
def _cmap(font_path: str) -> frozenset[int]:
    from fontTools.ttLib import TTCollection, TTFont

    if font_path.lower().endswith((".ttc", ".otc")):
        collection = TTCollection(font_path, lazy=True)
        font = collection.fonts[face_index(font_path)]
    else:
        font = TTFont(font_path, lazy=True)
    cmap = font.getBestCmap() or {}
    return frozenset(cmap)


def missing_glyphs(font_path: Path, text: str) -> str:
    """The distinct characters of `text` the font cannot draw (whitespace ignored), in order."""
    codes = _cmap(str(font_path))
    missing: list[str] = []
    for ch in text:
        if ch.isspace() or ch in missing:
            continue
        if ord(ch) not in codes:
            missing.append(ch)
    return "".join(missing)


@lru_cache(maxsize=128)
def load_font(font_path: str, size: int, weight: int = 400) -> ImageFont.FreeTypeFont:
    """A Pillow font at a pixel size; variable fonts are set to `weight` on their wght axis."""
    font = ImageFont.truetype(font_path, max(1, int(size)), index=face_index(font_path))
    try:
        axes = font.get_variation_axes()
    except OSError:
        return font  # not a variable font: the weight is whatever the file is
    values = []
    for axis in axes:
        name = axis.get("name", b"")
        if name in (b"Weight", "Weight"):
            values.append(min(max(weight, axis["minimum"]), axis["maximum"]))
        else:
            values.append(axis["default"])
    font.set_variation_by_axes(values)
    return font
