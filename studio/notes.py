"""Warnings as records, not strings: what happened (a stable code), where (an element), and the core's words.

The UI translates by code and groups by (code, message); nothing parses a sentence apart.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Note:
    code: str  # stable id: "no_text_slot", "scene_fallback", "scene_note", "copy_layout", …
    element: str  # where: "A/taobao_main" (variant/platform), a copy layer, or "" for the whole job
    message: str  # the core's own sentence (English)
    # the values a translation fills in ("factor": "2.4"), as text: the UI formats them, never parses `message`
    params: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        return f"{self.element}: {self.message}" if self.element else self.message


SCENE_FALLBACK = "AI scenes need a GPU profile (sd15/sdxl); this poster uses a studio backdrop instead."
