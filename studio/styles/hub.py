"""Built-in styles come from the Hugging Face hub, downloaded once on first use.

The downloaded file goes through the same header checks as a seller's own file;
only `.safetensors` names are ever requested.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from studio.errors import StudioError
from studio.styles.catalog import StyleInfo, from_header
from studio.styles.safefile import check_suffix, read_lora_header


def fetch_builtin(info: StyleInfo) -> StyleInfo:
    """`info` with `path` set to the local copy of its hub file (downloading it the first time)."""
    if not info.builtin:
        return info
    check_suffix(Path(info.hub_file))
    from huggingface_hub import hf_hub_download

    try:
        try:  # already downloaded: no network at all
            local = hf_hub_download(info.hub_repo, info.hub_file, local_files_only=True)
        except Exception:  # noqa: BLE001 - not cached yet (or offline); try the download
            local = hf_hub_download(info.hub_repo, info.hub_file)
    except Exception as exc:  # noqa: BLE001 - every hub failure reaches the seller as words
        raise StudioError(
            f"Could not download the built-in style '{info.display_name or info.name}' from huggingface.co "
            f"({info.hub_repo}).",
            hint="Connect to the internet once (it is kept afterwards), or put the .safetensors file "
            f"into the LoRA folder yourself. Details: {str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__}",
        ) from None
    header = read_lora_header(Path(local))
    read = from_header(info, header)
    # The catalog's words were checked by a person; the header's are only suggestions.
    return replace(
        read, path=Path(local), display_name=info.display_name, trigger_words=info.trigger_words or read.trigger_words
    )
