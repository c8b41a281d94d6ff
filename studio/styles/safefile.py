"""Read a LoRA file without trusting it: the safetensors header is checked before any tensor.

Only `.safetensors` is accepted. Pickle-based files (`.ckpt`, `.pt`, `.bin`, …)
can run code when opened, so they are refused by name, before anything reads
them; a pickle renamed to `.safetensors` fails the header checks below (its
first 8 bytes are not a sane header length), so it is never unpickled either.
Nothing here imports torch; only `load_lora_tensors` does, after the checks.
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.errors import StudioError
from studio.styles.lora_kind import NOT_SUPPORTED_YET, lora_kind

SUPPORTED = "diffusers/PEFT LoRA or kohya (A1111) LoRA files in .safetensors format"
PICKLE_SUFFIXES = (".ckpt", ".pt", ".pth", ".bin", ".pkl", ".pickle")
MAX_HEADER_BYTES = 100 * 1024 * 1024  # the safetensors library's own limit
MAX_FILE_BYTES = 2 * 1024**3  # the largest SDXL LoRAs are ~1.7 GB; bigger is a full model
MAX_TENSORS = 20_000
_ITEM_BYTES = {"F16": 2, "BF16": 2, "F32": 4, "F64": 8, "I32": 4, "I64": 8}
_FLOAT_DTYPES = {"F16", "BF16", "F32", "F64"}


@dataclass(frozen=True)
class TensorEntry:
    dtype: str
    shape: tuple[int, ...]


@dataclass(frozen=True)
class LoraHeader:
    """What the header of a checked LoRA file says, before any tensor is read."""

    path: Path
    size_bytes: int
    tensors: dict[str, TensorEntry]
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def key_format(self) -> str:
        """'kohya' (lora_unet_… keys) or 'diffusers' (unet.… / text_encoder.… keys)."""
        if all(k.startswith(("lora_unet_", "lora_te_", "lora_te1_", "lora_te2_")) for k in self.tensors):
            return "kohya"
        return "diffusers"

    @property
    def kind(self) -> str:
        """'LoRA', or the variant it is (studio.styles.lora_kind): DoRA, LoHa, LoKr, …"""
        return lora_kind(self.tensors)


def check_suffix(path: Path) -> None:
    """Refuse anything but .safetensors by its name alone (nothing is opened)."""
    suffix = path.suffix.lower()
    if suffix in PICKLE_SUFFIXES:
        raise StudioError(
            f"'{path.name}' is a {suffix} file, which can hide programs that run when it is opened, "
            "so the studio never opens it.",
            hint=f"Use the .safetensors version of this style. Supported: {SUPPORTED}.",
        )
    if suffix != ".safetensors":
        raise StudioError(f"'{path.name}' is not a LoRA file the studio can use.", hint=f"Supported: {SUPPORTED}.")


def read_lora_header(path: Path) -> LoraHeader:
    """Check the file's name, size and header; return the header. Never reads tensor data."""
    check_suffix(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            prefix = fh.read(8)
            if len(prefix) < 8:
                raise _broken(path, "it is too short to be a safetensors file")
            (header_len,) = struct.unpack("<Q", prefix)
            if header_len > MAX_HEADER_BYTES or header_len < 2 or 8 + header_len > size:
                # A pickle or zip renamed to .safetensors lands here: its first bytes are no length.
                raise _broken(path, "its header is not a safetensors header (is it a renamed .ckpt/.pt file?)")
            raw = fh.read(header_len)
    except OSError as exc:
        raise StudioError(f"Cannot read the style file '{path.name}'.", hint=exc.strerror or str(exc)) from None
    if size > MAX_FILE_BYTES:
        raise StudioError(
            f"'{path.name}' is {size / 1024**3:.1f} GB, far bigger than any LoRA; it looks like a full model.",
            hint="Use a LoRA file (usually 10-900 MB), or pass a full model with --base-model.",
        )
    header = _parse_json(path, raw)
    metadata = _metadata(path, header.pop("__metadata__", None))
    tensors = _tensors(path, header, data_len=size - 8 - header_len)
    check_lora_keys(path, tensors)
    return LoraHeader(path=path, size_bytes=size, tensors=tensors, metadata=metadata)


def load_lora_tensors(path: Path) -> tuple[LoraHeader, dict[str, Any]]:
    """The checked header and the file's tensors (CPU), read with the safetensors library."""
    header = read_lora_header(path)
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        tensors = load_file(str(path), device="cpu")
    except (SafetensorError, OSError, ValueError) as exc:
        raise _broken(path, f"its data could not be read ({exc})") from None
    return header, tensors


def check_lora_keys(path: Path, tensors: dict[str, TensorEntry]) -> None:
    """Every key must name a LoRA part; other known formats get a message that names them."""
    keys = list(tensors)
    lowered = [k.lower() for k in keys]
    kind = lora_kind(keys)
    if kind in NOT_SUPPORTED_YET:
        # Named for what it is (a LyCORIS or DoRA variant), not as a file for another base model.
        raise StudioError(
            f"'{path.name}': this LoRA type ({kind}) is not supported yet.",
            hint=f"It is a LyCORIS/DoRA variant; use a plain LoRA version of this style. Supported: {SUPPORTED}.",
        )
    if any(k in ("emb_params", "clip_l", "clip_g") or k.startswith("string_to_") for k in lowered):
        raise StudioError(
            f"'{path.name}' is a textual-inversion embedding, not a LoRA.",
            hint=f"Supported: {SUPPORTED}.",
        )
    if any(k.startswith(("model.diffusion_model.", "first_stage_model.", "cond_stage_model.")) for k in lowered):
        raise StudioError(
            f"'{path.name}' is a full model checkpoint, not a LoRA.",
            hint="Start the studio with --base-model pointing at it instead.",
        )
    odd = [k for k, low in zip(keys, lowered) if "lora" not in low]
    if odd or not keys:
        example = f" (for example '{odd[0][:80]}')" if odd else ""
        raise StudioError(
            f"'{path.name}' does not look like a LoRA: its parts are not LoRA layers{example}.",
            hint=f"Supported: {SUPPORTED}.",
        )


def _parse_json(path: Path, raw: bytes) -> dict[str, Any]:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise ValueError(f"duplicate key {key!r}")
            out[key] = value
        return out

    try:
        header = json.loads(raw.decode("utf-8"), object_pairs_hook=no_duplicates)
    except (UnicodeDecodeError, ValueError) as exc:
        raise _broken(path, f"its header is not valid JSON ({str(exc)[:80]})") from None
    if not isinstance(header, dict):
        raise _broken(path, "its header is not a JSON object")
    return header


def _metadata(path: Path, value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise _broken(path, "its __metadata__ is not a table of text values")
    return dict(value)


def _tensors(path: Path, header: dict[str, Any], *, data_len: int) -> dict[str, TensorEntry]:
    if len(header) > MAX_TENSORS:
        raise _broken(path, f"it lists {len(header)} tensors (a LoRA has at most a few thousand)")
    tensors: dict[str, TensorEntry] = {}
    spans: list[tuple[int, int, str]] = []
    for name, info in header.items():
        if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
            raise _broken(path, f"the entry for '{name[:80]}' is malformed")
        dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
        if dtype not in _ITEM_BYTES or (dtype not in _FLOAT_DTYPES and not name.endswith("alpha")):
            raise _broken(path, f"'{name[:80]}' has data type {dtype!r}; LoRA weights are F16, BF16, F32 or F64")
        if not _int_list(shape) or len(shape) > 4 or any(d < 0 for d in shape):
            raise _broken(path, f"'{name[:80]}' has an impossible shape {shape!r}")
        if not _int_list(offsets) or len(offsets) != 2:
            raise _broken(path, f"'{name[:80]}' has malformed data offsets")
        begin, end = offsets
        if not 0 <= begin <= end <= data_len:
            raise _broken(path, f"'{name[:80]}' points outside the file")
        if end - begin != math.prod(shape) * _ITEM_BYTES[dtype]:
            raise _broken(path, f"'{name[:80]}' has a size that does not match its shape")
        tensors[name] = TensorEntry(dtype=dtype, shape=tuple(shape))
        spans.append((begin, end, name))
    position = 0
    for begin, end, name in sorted(spans):
        if begin != position:
            raise _broken(path, f"its tensor data overlaps or leaves gaps near '{name[:80]}'")
        position = end
    if position != data_len:
        raise _broken(path, "it has data after its last tensor")
    return tensors


def _int_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value)


def _broken(path: Path, why: str) -> StudioError:
    return StudioError(
        f"'{path.name}' is not a valid LoRA file: {why}.",
        hint=f"Download it again, or use another file. Supported: {SUPPORTED}.",
    )
