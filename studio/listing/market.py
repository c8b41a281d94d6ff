"""Which files a marketplace's listing needs: resolved once from presets/platforms (the `listing` block).

`taobao`, `tmall`, `jd`, `pdd` (or a main-image platform id such as `taobao_main`) name a marketplace;
its main-image platform's preset says which white-background slot it wants (if any), which detail-page
platform (width, slice height, byte cap) and which set slots, in order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from studio.errors import StudioError
from studio.presets import Platform, all_presets, display_name, get_platform, ordered_ids


@dataclass(frozen=True)
class Marketplace:
    id: str  # the main-image platform id, e.g. taobao_main
    name: dict[str, str]
    main: Platform  # slots 1-5
    white: Platform | None  # the white-background image, where the marketplace wants one
    detail: Platform  # the detail page: its width, slice height and byte cap per slice
    slots: tuple[str, ...]  # set slots in order (without the white one)

    def slot_ids(self) -> list[str]:
        """Every file of the set, in order: the slots, then the white-background image where wanted."""
        return [*self.slots, *(["white"] if self.white is not None else [])]

    def platform_for(self, slot: str) -> Platform:
        return self.white if slot == "white" and self.white is not None else self.main


def _listings() -> dict[str, dict[str, Any]]:
    return {pid: p for pid, p in all_presets("platforms").items() if isinstance(p.get("listing"), dict)}


def marketplace_names() -> list[str]:
    """The names `set` and `detail-page` accept (aliases first, then platform ids)."""
    listings = _listings()
    return [*(a for p in listings.values() for a in p["listing"].get("aliases", [])), *listings]


def resolve_marketplace(name: str) -> Marketplace:
    """The marketplace named `name` (an alias such as `taobao`, or its main platform id)."""
    key = (name or "").strip().lower()
    for pid, preset in _listings().items():
        block = preset["listing"]
        if key == pid or key in block.get("aliases", []):
            white = block.get("white")
            return Marketplace(
                id=pid,
                name=dict(preset.get("name", {})),
                main=get_platform(pid),
                white=get_platform(white) if white else None,
                detail=get_platform(block["detail"]),
                slots=tuple(block.get("slots", ())),
            )
    raise StudioError(
        f"Unknown marketplace '{name}' / 未知的平台。", hint=f"Choose one of: {', '.join(marketplace_names())}."
    )


def list_set_slots(marketplace: str | Marketplace) -> list[dict[str, Any]]:
    """The set's slots for one marketplace, in order: id, zh/en name, note (for the UI's list)."""
    market = marketplace if isinstance(marketplace, Marketplace) else resolve_marketplace(marketplace)
    presets = all_presets("set_slots")
    return [
        {"id": sid, "name": {"zh": display_name(presets[sid], "zh"), "en": display_name(presets[sid], "en")},
         "note": presets[sid].get("note", "")}
        for sid in market.slot_ids()
    ]  # fmt: skip


def list_detail_sections() -> list[dict[str, Any]]:
    """The detail page's sections in their default order: id, zh/en name, title, the recipe fields each uses."""
    presets = all_presets("detail_sections")
    return [
        {
            "id": sid,
            "name": {"zh": display_name(presets[sid], "zh"), "en": display_name(presets[sid], "en")},
            "title": dict(presets[sid].get("title", {})),
            "fields": list(presets[sid].get("fields", [])),
        }
        for sid in ordered_ids("detail_sections")
    ]
