"""The diffusion model families the studio offers: licence, VRAM need, and which one `auto` picks.

The facts per family live in presets/model_families.json (what the UI shows beside the
profile, as the cut-out tab shows its models' licences). `auto_profile` is the one place
that turns a card into a profile: the best commercially usable family the card can hold,
SD1.5 on small cards, with a reason that says what a bigger card would give.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
FAMILIES_FILE = REPO_ROOT / "presets" / "model_families.json"
# Best first: auto takes the first one a card can run.
AUTO_ORDER = ("zimage", "sd15")


@dataclass(frozen=True)
class FamilyInfo:
    profile: str
    label: str
    licence: str
    commercial_use: bool
    vram_gb: float
    dtypes: str
    note: str
    note_zh: str = ""
    min_capability: tuple[int, int] = (0, 0)
    offload_below_gb: float = 0.0  # on cards smaller than this, auto turns model offload on

    def fits(self, vram_gb: float, capability: tuple[int, int]) -> bool:
        return vram_gb >= self.vram_gb and tuple(capability) >= self.min_capability

    def line(self, lang: str = "en") -> str:
        """One line for the UI: label · licence · VRAM, and a warning when not for shops."""
        flag = "" if self.commercial_use else (" ⚠ 不可商用" if lang == "zh" else " ⚠ NOT for commercial use")
        vram = f"≥ {self.vram_gb:g} GB 显存" if lang == "zh" else f"≥ {self.vram_gb:g} GB VRAM"
        return f"{self.label} · {self.licence} · {vram}{flag}"


@lru_cache(maxsize=1)
def families() -> dict[str, FamilyInfo]:
    data = json.loads(FAMILIES_FILE.read_text(encoding="utf-8"))
    out: dict[str, FamilyInfo] = {}
    for entry in data["families"]:
        cap = entry.get("min_capability", (0, 0))
        out[entry["profile"]] = FamilyInfo(
            profile=entry["profile"],
            label=entry["label"],
            licence=entry["licence"],
            commercial_use=bool(entry["commercial_use"]),
            vram_gb=float(entry["vram_gb"]),
            dtypes=entry["dtypes"],
            note=entry["note"],
            note_zh=entry.get("note_zh", ""),
            min_capability=(int(cap[0]), int(cap[1])),
            offload_below_gb=float(entry.get("offload_below_gb", 0.0)),
        )
    return out


def family_info(profile: str) -> FamilyInfo | None:
    """The family behind a profile (tiny-zimage is zimage's shape); None for none/tiny."""
    found = families()
    return found.get(profile) or found.get(profile.removeprefix("tiny-"))


def auto_profile(card: str, vram_gb: float, capability: tuple[int, int]) -> tuple[str, str]:
    """(profile, reason) for a usable CUDA card: the best commercially usable family it can hold."""
    found = families()
    have = f"{card} with {vram_gb:.0f} GB" if vram_gb else card
    for name in AUTO_ORDER:
        info = found[name]
        if not info.commercial_use:
            continue  # a Space or a team link must never serve a non-commercial model by default
        if name == "sd15" or info.fits(vram_gb, capability):
            reason = f"{have} was found, so {info.label.split(' (')[0]} scenes are on ({info.licence})"
            better = _bigger_card(name, vram_gb, capability)
            return name, reason + (f"; {better}" if better else "")
    raise AssertionError("sd15 always fits")  # pragma: no cover


def offload_advised(profile: str, vram_gb: float) -> bool:
    """Whether auto should turn model offload on for `profile` on a card of `vram_gb`."""
    info = families().get(profile)
    return bool(info and vram_gb and vram_gb < info.offload_below_gb)


def _bigger_card(chosen: str, vram_gb: float, capability: tuple[int, int]) -> str:
    """What a bigger card would give, when a better family than `chosen` exists."""
    found = families()
    for name in AUTO_ORDER:
        if name == chosen:
            return ""
        info = found[name]
        need = f"{info.vram_gb:g} GB"
        if tuple(capability) < info.min_capability:
            need += " and bfloat16 (compute capability 8.0+, RTX 30xx or newer)"
        return f"a card with {need} would give {info.label} scenes ({info.licence}; start with --profile {name})"
    return ""


def status_for(
    profile: str, active: str, vram_gb: float | None, capability: tuple[int, int] | None, lang: str = "en"
) -> str:
    """'in use', 'fits this card', 'needs N GB' … for one family row in the UI."""
    info = families()[profile]
    zh = lang == "zh"
    need = f"{info.vram_gb:g} GB"
    if profile == active or f"tiny-{profile}" == active:
        return "使用中" if zh else "in use"
    if vram_gb is None or capability is None:
        return f"需要 {need} 显存的 CUDA 显卡" if zh else f"needs a CUDA GPU with {need}"
    if info.fits(vram_gb, capability):
        start = f"--profile {profile}"
        return f"本机显卡可用（用 {start} 启动）" if zh else f"fits this card (start with {start})"
    if tuple(capability) < info.min_capability:
        return "本机显卡不支持 bfloat16" if zh else "this card has no bfloat16"
    return f"需要 {need}（本机 {vram_gb:.0f} GB）" if zh else f"needs {need} (this card has {vram_gb:.0f} GB)"


def families_markdown(active: str, probe: object | None, lang: str = "en") -> str:
    """The scene-model table for the UI: family, licence, VRAM need and status on this machine."""
    vram = getattr(probe, "vram_gb", 0.0) if probe is not None and getattr(probe, "usable", False) else None
    cap = getattr(probe, "capability", None) if vram is not None else None
    if vram is not None and not vram:
        vram, cap = None, None  # a card whose memory is not known (ZeroGPU before its first job)
    zh = lang == "zh"
    head = "| 场景模型 | 许可证 | 显存 | 状态 |" if zh else "| Scene model | Licence | VRAM | Status |"
    rows = [head, "|---|---|---|---|"]
    for name, info in families().items():
        status = status_for(name, active, vram, cap, lang)
        licence = info.licence + ("" if info.commercial_use else (" ⚠ 不可商用" if zh else " ⚠ not for commercial use"))
        note = info.note_zh if zh and info.note_zh else info.note
        rows.append(f"| **{name}** · {info.label}<br>{note} | {licence} | ≥ {info.vram_gb:g} GB | {status} |")
    return "\n".join(rows)
