"""A minimal EXIF block written by hand, so UserComment has the type the standard gives it.

Exif 2.3 §4.6.5 types UserComment as UNDEFINED (7) with an 8-byte character-code prefix;
Pillow's Exif writer stores a bytes value as BYTE (1), which piexif (the library the A1111
webui and sd-prompt-reader use) cannot decode and exiftool warns about. The block is
big-endian TIFF: IFD0 (Software, pointer to the Exif IFD), Exif IFD (UserComment, ColorSpace).
"""

from __future__ import annotations

import struct

EXIF_IFD, USER_COMMENT, COLOR_SPACE, SOFTWARE = 0x8769, 0x9286, 0xA001, 0x0131
_ASCII, _SHORT, _LONG, _UNDEFINED = 2, 3, 4, 7
_UNICODE_PREFIX = b"UNICODE\x00"  # Exif's character code for UCS-2/UTF-16; the webui writes big-endian


def user_comment_value(text: str) -> bytes:
    """The UserComment payload the A1111 webui writes: 'UNICODE\\0' then UTF-16 big-endian."""
    return _UNICODE_PREFIX + text.encode("utf-16-be")


def decode_user_comment(raw: bytes | str) -> str:
    """Our own reader's view of a UserComment (UNICODE big-endian, ASCII, or bare UTF-8)."""
    if isinstance(raw, str):
        return raw
    head, body = raw[:8], raw[8:]
    if head == _UNICODE_PREFIX:
        return body.decode("utf-16-be", "replace")
    if head.startswith(b"ASCII"):
        return body.decode("utf-8", "replace")
    return raw.decode("utf-8", "replace")


def _ifd(entries: list[tuple[int, int, int, bytes]], offset: int, next_ifd: int = 0) -> bytes:
    """One IFD at `offset`: entries (tag, type, count, value bytes), values over 4 bytes after the table."""
    entries = sorted(entries)
    table = struct.pack(">H", len(entries))
    data = b""
    data_at = offset + 2 + 12 * len(entries) + 4
    for tag, typ, count, value in entries:
        if len(value) <= 4:
            table += struct.pack(">HHI", tag, typ, count) + value.ljust(4, b"\x00")
        else:
            table += struct.pack(">HHII", tag, typ, count, data_at + len(data))
            data += value + (b"\x00" if len(value) % 2 else b"")  # values start on word boundaries
    return table + struct.pack(">I", next_ifd) + data


def exif_block(parameters: str, software: str) -> bytes:
    """'Exif\\0\\0' + TIFF: what Pillow's exif= expects for JPEG and WebP. No UserComment when parameters is ''."""
    soft = software.encode("utf-8") + b"\x00"
    # IFD0 has two entries, so the Exif IFD starts right after IFD0's table and the Software text.
    ifd0_len = len(_ifd([(SOFTWARE, _ASCII, len(soft), soft), (EXIF_IFD, _LONG, 1, bytes(4))], 8))
    exif_at = 8 + ifd0_len
    ifd0 = _ifd([(SOFTWARE, _ASCII, len(soft), soft), (EXIF_IFD, _LONG, 1, struct.pack(">I", exif_at))], 8)
    sub: list[tuple[int, int, int, bytes]] = [(COLOR_SPACE, _SHORT, 1, struct.pack(">H", 1))]  # 1 = sRGB
    if parameters:
        comment = user_comment_value(parameters)
        sub.append((USER_COMMENT, _UNDEFINED, len(comment), comment))
    return b"Exif\x00\x00" + b"MM\x00\x2a" + struct.pack(">I", 8) + ifd0 + _ifd(sub, exif_at)
