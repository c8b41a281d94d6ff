"""The per-user output quota: which export folders are whose, and a user's own oldest going first.

Exports are written to temporary folders (`studio.limits.OUTPUT_PREFIXES`). The Gradio layer records
each finished job's folders against whoever ran it (the log-in, else in public the client's address),
and a user over their quota loses their own oldest folders: never the one just handed back, never
anyone else's. The record lives in memory; after a restart the day-old sweep and the global quota
look after what is left. No gradio here.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from studio.limits import OUTPUT_PREFIXES, _tree_bytes


class OutputLedger:
    def __init__(self, limit_bytes: int, *, root: Path | None = None) -> None:
        self.limit = int(limit_bytes)
        self.root = Path(root) if root is not None else None
        self._folders: dict[str, list[Path]] = {}  # owner → folders, oldest first
        self._lock = threading.Lock()

    def folders_of(self, owner: str) -> list[Path]:
        with self._lock:
            return [f for f in self._folders.get(owner, []) if f.is_dir()]

    def record(self, owner: str, folders: Iterable[Path]) -> int:
        """Count `folders` as `owner`'s (newest last); remove the owner's oldest beyond the quota. Returns how many went."""
        new = [Path(f) for f in folders]
        if not new or not self.limit:
            return 0
        with self._lock:
            held = [f for f in self._folders.get(owner, []) if f.is_dir() and f not in new]
            mine = held + list(dict.fromkeys(new))
            total = sum(_tree_bytes(f) for f in mine)
            removed = 0
            while total > self.limit and held:  # the folders just made always stay
                oldest = held.pop(0)
                total -= _tree_bytes(oldest)
                shutil.rmtree(oldest, ignore_errors=True)
                mine.remove(oldest)
                removed += 1
            self._folders[owner] = mine
            return removed


def output_folders(result: Any, root: Path | None = None) -> set[Path]:
    """The export folders a handler's result points into (file paths, Gradio file objects, dicts, nesting)."""
    base = Path(root or tempfile.gettempdir()).resolve()
    found: set[Path] = set()

    def folder_of(value: Any) -> None:
        try:
            path = Path(value).resolve()
        except (TypeError, ValueError, OSError):
            return
        if base not in path.parents:
            return
        top = base / path.relative_to(base).parts[0]
        if top.name.startswith(OUTPUT_PREFIXES) and top.is_dir():
            found.add(top)

    def walk(value: Any, depth: int = 0) -> None:
        if depth > 6 or value is None:
            return
        if isinstance(value, (str, Path)):
            if len(str(value)) < 4096:
                folder_of(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item, depth + 1)
        elif isinstance(value, (list, tuple)):
            for item in value[:1000]:
                walk(item, depth + 1)
        elif hasattr(value, "path"):  # Gradio's FileData
            walk(getattr(value, "path", None), depth + 1)

    walk(result)
    return found


__all__ = ["OutputLedger", "output_folders"]
